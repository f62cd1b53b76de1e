import AsyncHTTPClient
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// Signs, sends and retries AWS requests for the service clients (`DynamoDBClient`,
/// `S3Client`). Create it with `withClient`, which shuts the HTTP client down however
/// the body ends.
public final class AWSClient: Sendable {
    public typealias AttemptObserver = @Sendable (AWSAttemptEvent) -> Void

    public let configuration: AWSConfiguration
    public let transport: any AWSHTTPTransport
    public let logger: Logger
    private let observer: AttemptObserver?
    /// Time, randomness and sleep; service clients use it for their own backoff.
    public let clock: Clock

    // Guarded by their locks: the retry bucket is shared by every call of the client,
    // and the credential cache by every attempt.
    private let quota: NIOLockedValueBox<RetryQuota>
    private let cachedCredentials = NIOLockedValueBox<ExpiringCredentials?>(nil)

    /// The sources of time and chance, injectable so the retry loop can be tested quickly.
    public struct Clock: Sendable {
        public var now: @Sendable () -> Date
        public var random: @Sendable () -> Double
        public var sleep: @Sendable (Duration) async throws -> Void

        public init(
            now: @escaping @Sendable () -> Date = { Date() },
            random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
            sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
        ) {
            self.now = now
            self.random = random
            self.sleep = sleep
        }
    }

    /// A client over a transport the caller owns and shuts down.
    public init(
        configuration: AWSConfiguration, transport: any AWSHTTPTransport,
        logger: Logger = Logger(label: "billmig.aws"), observer: AttemptObserver? = nil, clock: Clock = Clock()
    ) {
        self.configuration = configuration
        self.transport = transport
        self.logger = logger
        self.observer = observer
        self.clock = clock
        quota = NIOLockedValueBox(RetryQuota(settings: configuration.retryPolicy.quota ?? .init()))
    }

    /// Runs `body` with a client over a new `ProductionTransport`, and always shuts that down.
    public static func withClient<Result>(
        _ configuration: AWSConfiguration,
        logger: Logger = Logger(label: "billmig.aws"),
        observer: AttemptObserver? = nil,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (AWSClient) async throws -> Result
    ) async throws -> Result {
        let transport = ProductionTransport(settings: configuration.http)
        let client = AWSClient(configuration: configuration, transport: transport, logger: logger, observer: observer)
        let result: Result
        do {
            result = try await body(client)
        } catch {
            try? await transport.shutdown()
            throw error
        }
        try await transport.shutdown()
        return result
    }

    /// Tokens left in the retry bucket.
    public var retryQuotaAvailable: Int { quota.withLockedValue { $0.available } }

    // MARK: Calls

    /// Sends the request, retrying as the policy says, and reads the whole response body.
    /// Throws `AWSError` for any non-2xx response or lost connection that is not retried.
    public func execute(_ request: AWSRequest) async throws -> AWSResponse {
        let maxBodyBytes = configuration.http.maxResponseBodyBytes
        return try await run(request, timeout: request.timeout ?? configuration.http.requestTimeout) { [transport] in
            try await transport.executeBuffered($0, timeout: $1, maxBodyBytes: maxBodyBytes)
        } onSuccess: { response, stats in
            // The body is in memory already: collecting it only unwraps the buffer.
            let body = try await response.body.collect(upTo: maxBodyBytes)
            return AWSResponse(status: response.status, headers: response.headers, body: body, stats: stats)
        }
    }

    /// Sends the request, retrying until a 2xx response head arrives, then hands the
    /// streaming response to `handle`. Failures while `handle` reads the body are not
    /// retried: they reach the caller.
    public func executeStreaming<Result>(
        _ request: AWSRequest,
        isolation: isolated (any Actor)? = #isolation,
        _ handle: (AWSStreamingResponse) async throws -> Result
    ) async throws -> Result {
        let response = try await run(request, timeout: request.timeout ?? configuration.http.streamingTimeout) { [transport] in
            try await transport.execute($0, timeout: $1)
        } onSuccess: { response, stats in
            AWSStreamingResponse(status: response.status, headers: response.headers, body: response.body, stats: stats)
        }
        return try await handle(response)
    }

    /// The retry loop: sign, send, classify, ask the policy, wait.
    private func run<Output: Sendable>(
        _ request: AWSRequest, timeout: Duration,
        send: (AWSHTTPRequest, Duration) async throws -> AWSHTTPResponse,
        onSuccess: (AWSHTTPResponse, AWSCallStats) async throws -> Output
    ) async throws -> Output {
        let policy = configuration.retryPolicy
        let payload: SigV4Payload = request.signsPayload
            ? .sha256(request.body.readableBytes == 0
                ? SigV4Payload.emptyBodyHash
                : request.body.withUnsafeReadableBytes { SigV4Crypto.sha256Hex($0) })
            : .unsigned
        var stats = AWSCallStats()
        var lastRetryCost: Int?
        while true {
            try Task.checkCancellation()
            stats.attempts += 1
            let failure: AWSError
            do {
                let httpRequest = try await signedHTTPRequest(request, payload: payload)
                let response = try await send(httpRequest, timeout)
                if (200..<300).contains(response.status) {
                    let output = try await onSuccess(response, stats)
                    quota.withLockedValue { policy.recordSuccess(quota: &$0, lastRetryCost: lastRetryCost) }
                    return output
                }
                let body = try await response.body.collect(upTo: 1 << 20)
                failure = AWSError.parse(
                    status: response.status, headers: response.headers, body: body,
                    service: request.service.id, operation: request.operation)
            } catch let caught as AWSError {
                failure = caught
            } catch let caught as AWSConfigurationError {
                throw caught
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                if Task.isCancelled { throw CancellationError() }
                failure = AWSError.transport(error, service: request.service.id, operation: request.operation)
            }
            let error = failure

            let random = clock.random()
            let attempt = stats.attempts
            let decision = quota.withLockedValue { policy.decide(error: error, attempt: attempt, quota: &$0, random: random) }
            if error.kind == .throttling { stats.throttledAttempts += 1 }
            if error.kind == .transient { stats.transientFailures += 1 }
            switch decision {
            case .retry(let delay, let cost):
                observer?(AWSAttemptEvent(
                    service: request.service.id, operation: request.operation, attempt: attempt, error: error,
                    retryDelay: delay, giveUpReason: nil))
                logger.debug("retrying AWS call", metadata: [
                    "operation": "\(request.operation)", "attempt": "\(attempt)", "error": "\(error.code)",
                    "delay": "\(delay)",
                ])
                lastRetryCost = cost
                stats.totalBackoff += delay
                try await clock.sleep(delay)
            case .giveUp(let reason):
                observer?(AWSAttemptEvent(
                    service: request.service.id, operation: request.operation, attempt: attempt, error: error,
                    retryDelay: nil, giveUpReason: reason))
                throw error
            }
        }
    }

    /// Builds the wire request for one attempt, signed with the current time.
    func signedHTTPRequest(_ request: AWSRequest, payload: SigV4Payload) async throws -> AWSHTTPRequest {
        let endpoint = request.endpoint ?? configuration.endpoint(for: request.service)
        let credentials = try await currentCredentials()
        let path = endpoint.basePath + (request.path.hasPrefix("/") ? request.path : "/" + request.path)
        let query = SigV4Encoding.canonicalQuery(request.query)

        var toSign = SigV4Request(method: request.method.rawValue, path: path, query: query)
        toSign.headers.reserveCapacity(request.headers.count + 6)
        for (name, value) in request.headers { toSign.headers.append((name, value)) }
        toSign.setHeader("Host", endpoint.hostHeader)
        if toSign.header("User-Agent") == nil { toSign.headers.append(("User-Agent", "billmig-aws/1.0")) }

        let signer = SigV4Signer(
            credentials: credentials, region: configuration.signingRegion(for: request.service),
            service: request.service.signingName)
        signer.sign(&toSign, payload: payload, date: clock.now())

        var headers = HTTPHeaders()
        headers.reserveCapacity(toSign.headers.count)
        for (name, value) in toSign.headers { headers.add(name: name, value: value) }
        let url = "\(endpoint.scheme)://\(endpoint.hostHeader)\(path)" + (query.isEmpty ? "" : "?" + query)
        return AWSHTTPRequest(
            method: request.method, url: url, headers: headers,
            body: request.body.readableBytes > 0 ? request.body : nil)
    }

    /// Credentials from the cache, refreshed when they expire within five minutes.
    public func currentCredentials() async throws -> AWSCredentials {
        let now = clock.now()
        if let cached = cachedCredentials.withLockedValue({ $0 }), !cached.expires(within: 300, of: now) {
            return cached.credentials
        }
        // Concurrent first calls may each resolve once; the provider is cheap or idempotent.
        let fresh = try await configuration.credentialProvider.resolve(using: transport)
        cachedCredentials.withLockedValue { $0 = fresh }
        return fresh.credentials
    }
}
