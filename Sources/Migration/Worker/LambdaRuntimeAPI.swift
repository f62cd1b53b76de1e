import AWSCore
import Foundation
import NIOCore
import NIOHTTP1

/// The Lambda Runtime API of a custom runtime (`provided.al2023`), at
/// `AWS_LAMBDA_RUNTIME_API`: the next invocation, its response or its error.
public struct LambdaRuntimeAPI: Sendable {
    /// `host:port`, as Lambda sets `AWS_LAMBDA_RUNTIME_API`.
    public let endpoint: String
    let transport: any AWSHTTPTransport

    public init(endpoint: String, transport: any AWSHTTPTransport) {
        self.endpoint = endpoint
        self.transport = transport
    }

    private var base: String { "http://\(endpoint)/2018-06-01/runtime" }

    /// Waits for the next invocation (the call blocks until Lambda has one).
    public func next() async throws -> LambdaInvocation {
        let response = try await transport.execute(
            AWSHTTPRequest(method: .GET, url: base + "/invocation/next", headers: [:]), timeout: .seconds(24 * 3600))
        let body = try await response.body.collect(upTo: 6 * 1024 * 1024)
        guard response.status == 200, let requestID = response.headers.first(name: "Lambda-Runtime-Aws-Request-Id") else {
            throw LambdaEventError("the Runtime API answered \(response.status) to the next invocation")
        }
        let deadline = response.headers.first(name: "Lambda-Runtime-Deadline-Ms").flatMap(Double.init)
            .map { Date(timeIntervalSince1970: $0 / 1000) }
        do {
            return try LambdaInvocation(requestID: requestID, deadline: deadline, event: Data(body.readableBytesView))
        } catch let error as LambdaEventError {
            try await fail(requestID, error.description, type: "InvalidEvent")
            throw error
        }
    }

    public func respond(_ requestID: String, _ body: Data) async throws {
        try await post("/invocation/\(requestID)/response", body)
    }

    public func fail(_ requestID: String, _ message: String, type: String) async throws {
        try await post("/invocation/\(requestID)/error", Self.error(message, type: type), errorType: type)
    }

    /// The function could not start (a bad flag, no credentials): Lambda reports it.
    public func initializationFailed(_ message: String) async throws {
        try await post("/init/error", Self.error(message, type: "InitError"), errorType: "InitError")
    }

    private func post(_ path: String, _ body: Data, errorType: String? = nil) async throws {
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        if let errorType { headers.add(name: "Lambda-Runtime-Function-Error-Type", value: errorType) }
        let response = try await transport.execute(
            AWSHTTPRequest(method: .POST, url: base + path, headers: headers, body: ByteBuffer(bytes: body)), timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 64 * 1024)
        guard (200..<300).contains(response.status) else {
            throw LambdaEventError("the Runtime API answered \(response.status) to \(path)")
        }
    }

    static func error(_ message: String, type: String) -> Data {
        (try? JSONSerialization.data(withJSONObject: ["errorMessage": message, "errorType": type], options: [.sortedKeys])) ?? Data()
    }
}
