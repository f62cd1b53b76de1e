import AWSCore
import Foundation
import NIOCore
import NetworkCore

/// Direct Connect's `DescribeConnections` (JSON 1.1, `X-Amz-Target:
/// OvertureService.<Op>`): each dedicated or hosted connection's state and bandwidth.
public struct DirectConnectClient: Sendable {
    public let client: AWSClient

    /// Every Direct Connect operation this client sends.
    public enum Operation: String, Sendable, CaseIterable {
        case describeConnections = "DescribeConnections"

        public var iamAction: String { "directconnect:\(rawValue)" }
    }

    public init(client: AWSClient) {
        self.client = client
    }

    struct Connections: Decodable {
        struct Connection: Decodable {
            var connectionId: String
            var connectionName: String?
            var connectionState: String?
            var bandwidth: String?
        }
        var connections: [Connection]?
    }

    /// The named connections, in the order asked.
    public func describe(_ ids: [String]) async throws -> [DirectConnectStatus] {
        var statuses: [DirectConnectStatus] = []
        for id in ids {
            let body = try JSONEncoder().encode(["connectionId": id])
            let response = try await client.execute(
                AWSRequest(
                    service: .directConnect, operation: Operation.describeConnections.rawValue, method: .POST, path: "/",
                    headers: ["X-Amz-Target": "OvertureService.\(Operation.describeConnections.rawValue)", "Content-Type": "application/x-amz-json-1.1"],
                    body: ByteBuffer(bytes: body)))
            statuses += try Self.connections(in: Data(response.body.readableBytesView))
        }
        return statuses
    }

    static func connections(in body: Data) throws -> [DirectConnectStatus] {
        try JSONDecoder().decode(Connections.self, from: body).connections?.map {
            DirectConnectStatus(id: $0.connectionId, name: $0.connectionName, state: $0.connectionState ?? "unknown", bandwidth: $0.bandwidth)
        } ?? []
    }
}
