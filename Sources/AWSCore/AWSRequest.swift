import NIOCore
import NIOHTTP1

/// One AWS API call as a service client describes it, before signing.
public struct AWSRequest: Sendable {
    public var service: AWSService
    /// The API operation, for errors, logs and metrics (`BatchWriteItem`, `GetObject`).
    public var operation: String
    public var method: HTTPMethod
    /// nil: the configuration's endpoint for the service. S3 sets it for virtual-hosted buckets.
    public var endpoint: AWSEndpoint?
    /// The wire path below the endpoint's base path, percent-encoded (`SigV4Encoding.uriEncode`).
    public var path: String
    /// Decoded query parameters; encoded and sorted as SigV4 wants.
    public var query: [(name: String, value: String)]
    public var headers: HTTPHeaders
    public var body: ByteBuffer
    /// Sign the body (the norm) or send `UNSIGNED-PAYLOAD` (S3 only).
    public var signsPayload: Bool
    /// Bound of one attempt; nil uses the configuration's.
    public var timeout: Duration?

    public init(
        service: AWSService, operation: String, method: HTTPMethod, path: String = "/",
        query: [(name: String, value: String)] = [], headers: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer(),
        endpoint: AWSEndpoint? = nil, signsPayload: Bool = true, timeout: Duration? = nil
    ) {
        self.service = service
        self.operation = operation
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.endpoint = endpoint
        self.signsPayload = signsPayload
        self.timeout = timeout
    }
}

/// How a call went: attempts made, and how many failed for which reason.
public struct AWSCallStats: Sendable, Hashable {
    public var attempts: Int = 0
    public var throttledAttempts: Int = 0
    public var transientFailures: Int = 0
    public var totalBackoff: Duration = .zero

    public init() {}
}

/// A successful response, body read.
public struct AWSResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: ByteBuffer
    public var stats: AWSCallStats

    public var requestID: String? {
        headers.first(name: "x-amzn-RequestId") ?? headers.first(name: "x-amz-request-id")
    }
}

/// A successful response whose body is still arriving.
public struct AWSStreamingResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: AWSHTTPBody
    public var stats: AWSCallStats
}

/// One failed attempt, as reported to an observer: the loader's adaptive throttler
/// counts the throttling ones.
public struct AWSAttemptEvent: Sendable {
    public var service: String
    public var operation: String
    /// 1 for the first attempt.
    public var attempt: Int
    public var error: AWSError
    /// The wait before the next attempt; nil when the call gives up.
    public var retryDelay: Duration?
    public var giveUpReason: RetryGiveUpReason?
}
