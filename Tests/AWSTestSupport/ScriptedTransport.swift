import AWSCore
import Foundation
import NIOCore
import NIOHTTP1

/// A transport that answers from a script of closures and records what it was
/// sent: for tests of client logic that a real server cannot provoke on demand.
public struct ScriptedTransport: AWSHTTPTransport {
    public typealias Responder = @Sendable (AWSHTTPRequest) throws -> AWSHTTPResponse

    public enum ScriptError: Error { case exhausted, connectionReset }

    let script: Locked<[Responder]>
    /// Every request, in order.
    public let sent = Locked<[AWSHTTPRequest]>([])
    public let shutdowns = Locked(0)

    public init(_ responders: [Responder]) {
        script = Locked(responders)
    }

    public func execute(_ request: AWSHTTPRequest, timeout: Duration) async throws -> AWSHTTPResponse {
        sent.withLock { $0.append(request) }
        guard let responder = script.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else {
            throw ScriptError.exhausted
        }
        return try responder(request)
    }

    public func shutdown() async throws {
        shutdowns.withLock { $0 += 1 }
    }

    /// The bodies of the requests sent so far, as text.
    public var requestBodies: [String] {
        sent.current.map { $0.body.map { String(buffer: $0) } ?? "" }
    }

    public var requestURLs: [String] { sent.current.map(\.url) }

    /// An answer with `status` and `body`.
    public static func status(_ status: Int, _ body: String = "", headers: HTTPHeaders = [:]) -> Responder {
        { _ in AWSHTTPResponse(status: status, headers: headers, body: AWSHTTPBody(string: body)) }
    }

    public static func fail(_ error: any Error) -> Responder {
        { _ in throw error }
    }

    /// A client over this transport whose sleeps return at once and are recorded.
    public func client(
        maxAttempts: Int = 1, sleeps: Locked<[Duration]> = Locked([]),
        endpoint: AWSEndpoint? = AWSEndpoint(url: "http://127.0.0.1:9")!, region: String = "us-east-1"
    ) -> AWSClient {
        let configuration = AWSConfiguration(
            region: region, credentials: AWSCredentials(accessKeyID: "AKIASCRIPT", secretAccessKey: "s"),
            endpoint: endpoint, retryPolicy: RetryPolicy(maxAttempts: maxAttempts, quota: nil))
        return AWSClient(
            configuration: configuration, transport: self,
            clock: AWSClient.Clock(random: { 1 }, sleep: { delay in sleeps.withLock { $0.append(delay) } }))
    }
}
