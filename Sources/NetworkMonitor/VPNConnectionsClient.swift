import AWSCore
import NetworkCore

/// EC2's `DescribeVpnConnections` (query protocol): each site-to-site VPN
/// connection's state and its tunnels' telemetry.
public struct VPNConnectionsClient: Sendable {
    public let client: AWSClient
    static let version = "2016-11-15"

    /// Every EC2 operation this client sends.
    public enum Operation: String, Sendable, CaseIterable {
        case describeVpnConnections = "DescribeVpnConnections"

        public var iamAction: String { "ec2:\(rawValue)" }
    }

    public init(client: AWSClient) {
        self.client = client
    }

    /// The named connections (an unknown id is an error from EC2, naming it).
    public func describe(_ ids: [String]) async throws -> [VPNConnectionStatus] {
        guard !ids.isEmpty else { return [] }
        let parameters = ids.enumerated().map { (name: "VpnConnectionId.\($0.offset + 1)", value: $0.element) }
        let answer = try await client.executeQuery(.ec2, action: Operation.describeVpnConnections.rawValue, version: Self.version, parameters: parameters)
        return Self.connections(in: answer)
    }

    static func connections(in answer: AWSXMLElement) -> [VPNConnectionStatus] {
        (answer.first(named: "vpnConnectionSet")?.children("item") ?? []).map { item in
            let tunnels = (item.child("vgwTelemetry")?.children("item") ?? []).map { tunnel in
                VPNConnectionStatus.Tunnel(
                    outsideAddress: tunnel.childText("outsideIpAddress") ?? "?", status: tunnel.childText("status") ?? "UNKNOWN",
                    statusMessage: tunnel.childText("statusMessage").flatMap { $0.isEmpty ? nil : $0 },
                    lastStatusChange: tunnel.childText("lastStatusChange"))
            }
            return VPNConnectionStatus(id: item.childText("vpnConnectionId") ?? "?", state: item.childText("state") ?? "unknown", tunnels: tunnels)
        }
    }
}
