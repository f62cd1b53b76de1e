@testable import AWSCore
import Foundation
import NIOCore
import NIOHTTP1

/// A value guarded by a lock, for test doubles shared across tasks.
final class Locked<Value>: @unchecked Sendable { // every access goes through `lock`
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

/// A transport that answers from a script and records what it was sent.
struct MockTransport: AWSHTTPTransport {
    typealias Responder = @Sendable (AWSHTTPRequest) throws -> AWSHTTPResponse
    let script: Locked<[Responder]>
    let sent = Locked<[AWSHTTPRequest]>([])
    let shutdowns = Locked(0)

    init(_ responders: [Responder]) {
        script = Locked(responders)
    }

    func execute(_ request: AWSHTTPRequest, timeout: Duration) async throws -> AWSHTTPResponse {
        sent.withLock { $0.append(request) }
        let responder = script.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        guard let responder else { throw MockError.scriptExhausted }
        return try responder(request)
    }

    func shutdown() async throws {
        shutdowns.withLock { $0 += 1 }
    }

    enum MockError: Error { case scriptExhausted, connectionReset }

    static func status(_ status: Int, _ body: String = "", headers: HTTPHeaders = [:]) -> Responder {
        { _ in AWSHTTPResponse(status: status, headers: headers, body: AWSHTTPBody(string: body)) }
    }

    static func fail(_ error: any Error) -> Responder {
        { _ in throw error }
    }
}

enum TestConfig {
    static let credentials = AWSCredentials(accessKeyID: "AKIAMOCK", secretAccessKey: "mock-secret")
    static let endpoint = AWSEndpoint(url: "http://127.0.0.1:1")!

    static func configuration(maxAttempts: Int = 3, quota: RetryQuota.Settings? = .init()) -> AWSConfiguration {
        AWSConfiguration(
            region: "us-east-1", credentials: credentials, endpoint: endpoint,
            retryPolicy: RetryPolicy(maxAttempts: maxAttempts, quota: quota))
    }

    /// A clock that never sleeps but records the delays asked for.
    static func clock(sleeps: Locked<[Duration]>, random: Double = 0.5) -> AWSClient.Clock {
        AWSClient.Clock(
            now: { Date(timeIntervalSince1970: 1_700_000_000) },
            random: { random },
            sleep: { delay in sleeps.withLock { $0.append(delay) } })
    }
}
