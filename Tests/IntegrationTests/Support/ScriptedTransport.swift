import AWSCore
import Foundation
import NIOCore
import NIOHTTP1

/// A value guarded by a lock, for test doubles shared across tasks.
final class LockedBox<Value>: @unchecked Sendable { // every access goes through `lock`
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
    var current: Value { withLock { $0 } }
}

/// A transport answering from a script of closures, recording each request body,
/// for tests of client logic that a real server cannot provoke on demand.
struct ScriptedTransport: AWSHTTPTransport {
    typealias Responder = @Sendable (_ requestBody: String) throws -> AWSHTTPResponse
    let script: LockedBox<[Responder]>
    let requestBodies = LockedBox<[String]>([])
    let requestURLs = LockedBox<[String]>([])

    init(_ responders: [Responder]) {
        script = LockedBox(responders)
    }

    func execute(_ request: AWSHTTPRequest, timeout: Duration) async throws -> AWSHTTPResponse {
        let body = request.body.map { String(buffer: $0) } ?? ""
        requestBodies.withLock { $0.append(body) }
        requestURLs.withLock { $0.append(request.url) }
        guard let responder = script.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else {
            return AWSHTTPResponse(status: 500, body: AWSHTTPBody(string: #"{"__type":"ScriptExhausted","message":"no scripted answer"}"#))
        }
        return try responder(body)
    }

    func shutdown() async throws {}

    static func json(_ status: Int, _ body: String) -> Responder {
        { _ in AWSHTTPResponse(status: status, body: AWSHTTPBody(string: body)) }
    }

    /// A client over this transport whose sleeps return at once.
    func client(
        maxAttempts: Int = 1, sleeps: LockedBox<[Duration]> = LockedBox([]),
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
