import AWSSigV4

/// Everything a `FaultProxy` does, decided up front.
public struct FaultProxyConfiguration: Sendable {
    /// What happens to requests that get past the injected faults.
    public enum Mode: Sendable {
        /// Passed on to a real endpoint (moto_server, say) and its answer passed back.
        case forward(ForwardConfiguration)
        /// Answered by the proxy itself, which checks and counts writes but stores nothing:
        /// the stand-in for DynamoDB in benchmarks.
        case sink(SinkConfiguration)
        /// Answered by the proxy itself like the sink, but keeping every item in memory, in
        /// key order per table and index, so reads (GetItem, BatchGetItem, Query, Scan) and
        /// conditional writes answer as DynamoDB would: the stand-in for DynamoDB where
        /// moto_server is too slow to measure (a million-item validation, a fast stream).
        case store(SinkConfiguration)
    }

    /// The address to listen on. Loopback only: the proxy is a test tool.
    public var host: String
    /// The port to listen on; 0 picks a free one (read it back from `FaultProxy.port`).
    public var port: Int
    public var mode: Mode
    public var faults: FaultConfiguration
    /// A write budget like a provisioned table's; nil means unlimited.
    public var writeCapacity: WriteCapacityConfiguration?
    /// Event loop threads serving connections (and forwarding). One keeps the proxy on one core.
    public var eventLoopThreads: Int
    /// Larger request bodies are refused with 413.
    public var maximumRequestBodySize: Int

    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        mode: Mode,
        faults: FaultConfiguration = FaultConfiguration(),
        writeCapacity: WriteCapacityConfiguration? = nil,
        eventLoopThreads: Int = 1,
        maximumRequestBodySize: Int = 64 * 1024 * 1024
    ) {
        self.host = host
        self.port = port
        self.mode = mode
        self.faults = faults
        self.writeCapacity = writeCapacity
        self.eventLoopThreads = eventLoopThreads
        self.maximumRequestBodySize = maximumRequestBodySize
    }
}

public struct ForwardConfiguration: Sendable {
    /// Base URL of the real endpoint, such as `http://127.0.0.1:5000`; a request's path and
    /// query are appended to it unchanged.
    public var upstream: String
    /// How long one upstream exchange may take before the client gets a 504.
    public var timeout: Duration
    /// Upper bound on connections kept open to the upstream.
    public var maximumConnections: Int
    /// When the unprocessed-items fault rewrites a signed `BatchWriteItem`, sign it again with
    /// these credentials (region and service as the client signed), so that an upstream that
    /// checks signatures accepts it. Without them the rewritten request keeps the client's
    /// now-stale signature, which suits upstreams that do not check (moto_server's default).
    public var resigningCredentials: AWSCredentials?

    public init(
        upstream: String,
        timeout: Duration = .seconds(60),
        maximumConnections: Int = 64,
        resigningCredentials: AWSCredentials? = nil
    ) {
        self.upstream = upstream
        self.timeout = timeout
        self.maximumConnections = maximumConnections
        self.resigningCredentials = resigningCredentials
    }
}

public struct SinkConfiguration: Sendable {
    /// Checks each request's signature; nil accepts any request, signed or not.
    public var signatureVerifier: (any SignatureVerifier)?
    /// Tables that exist from the start, with the contract's `BillingSystem` key schema, so a
    /// benchmark can write without creating the table first. Tables created through
    /// `CreateTable` are added to them.
    public var tables: [String]

    public init(signatureVerifier: (any SignatureVerifier)? = nil, tables: [String] = []) {
        self.signatureVerifier = signatureVerifier
        self.tables = tables
    }
}

/// Which requests faults may hit.
public enum FaultScope: Sendable, Equatable {
    /// Every data-plane request.
    case all
    /// DynamoDB requests only; when `operations` is not empty, only those operations
    /// (`"BatchWriteItem"`, `"PutItem"`, ... as in `X-Amz-Target`).
    case dynamoDB(operations: Set<String> = [])
    /// S3 requests only (every request without a DynamoDB `X-Amz-Target`).
    case s3
}

/// Faults injected into a share of requests. The shares of the failure kinds are exclusive
/// (one request suffers at most one of them) and must add up to at most 1; latency is drawn
/// independently and can come on top of any of them.
public struct FaultConfiguration: Sendable {
    /// DynamoDB: HTTP 400 `ProvisionedThroughputExceededException`; S3: 503 `SlowDown`.
    public var throttleShare: Double
    /// `BatchWriteItem` only: forward a random part of the write requests and return the
    /// rest in `UnprocessedItems`. The forwarded body is rewritten, so the upstream must not
    /// check signatures (moto_server does not by default) unless
    /// `ForwardConfiguration.resigningCredentials` is set; the sink applies this fault after
    /// its own signature check and is unaffected.
    public var unprocessedItemsShare: Double
    /// HTTP 500: DynamoDB `InternalServerError`, S3 `InternalError`.
    public var internalErrorShare: Double
    /// HTTP 503: DynamoDB `ServiceUnavailableException`, S3 `ServiceUnavailable`.
    public var serviceUnavailableShare: Double
    /// Close the connection without answering, before the request reaches the upstream.
    public var dropBeforeForwardShare: Double
    /// Close the connection without answering, after the upstream carried the request out.
    public var dropAfterForwardShare: Double
    /// Added latency for a share of requests.
    public var latency: LatencyFault?
    public var scope: FaultScope
    /// Seeds the draws, so that a run with the same requests in the same order suffers the
    /// same faults.
    public var seed: UInt64

    public init(
        throttleShare: Double = 0,
        unprocessedItemsShare: Double = 0,
        internalErrorShare: Double = 0,
        serviceUnavailableShare: Double = 0,
        dropBeforeForwardShare: Double = 0,
        dropAfterForwardShare: Double = 0,
        latency: LatencyFault? = nil,
        scope: FaultScope = .all,
        seed: UInt64 = 0x5EED
    ) {
        self.throttleShare = throttleShare
        self.unprocessedItemsShare = unprocessedItemsShare
        self.internalErrorShare = internalErrorShare
        self.serviceUnavailableShare = serviceUnavailableShare
        self.dropBeforeForwardShare = dropBeforeForwardShare
        self.dropAfterForwardShare = dropAfterForwardShare
        self.latency = latency
        self.scope = scope
        self.seed = seed
    }

    /// The sum of the exclusive failure shares.
    public var totalFailureShare: Double {
        throttleShare + unprocessedItemsShare + internalErrorShare + serviceUnavailableShare
            + dropBeforeForwardShare + dropAfterForwardShare
    }
}

public struct LatencyFault: Sendable, Equatable {
    /// Share of requests that are slowed down.
    public var share: Double
    /// Added delay: uniform in `minimum...maximum` (equal bounds for a fixed delay).
    public var minimum: Duration
    public var maximum: Duration

    public init(share: Double, minimum: Duration, maximum: Duration) {
        self.share = share
        self.minimum = minimum
        self.maximum = max(minimum, maximum)
    }

    public init(share: Double, fixed delay: Duration) {
        self.init(share: share, minimum: delay, maximum: delay)
    }
}

/// A token bucket of write capacity units, like a provisioned table's write capacity.
///
/// Each write costs one unit per started KB of its item (a `BatchWriteItem` per write
/// request, deletes one unit). Writes that find the bucket short are refused: a
/// `BatchWriteItem` returns the requests that did not fit in `UnprocessedItems` (or, when
/// none fit, fails with `ProvisionedThroughputExceededException`, as DynamoDB does), single
/// writes fail with that exception.
public struct WriteCapacityConfiguration: Sendable, Equatable {
    public var unitsPerSecond: Double
    /// Most units that can be saved up; default one second's worth.
    public var burst: Double

    public init(unitsPerSecond: Double, burst: Double? = nil) {
        self.unitsPerSecond = unitsPerSecond
        self.burst = burst ?? unitsPerSecond
    }
}

/// A configuration that cannot work, with a message for the person who wrote it.
public struct FaultProxyConfigurationError: Error, CustomStringConvertible {
    public var description: String
}

extension FaultProxyConfiguration {
    static let loopbackHosts: Set<String> = ["127.0.0.1", "localhost", "::1", "[::1]"]

    func validate() throws {
        let faults = self.faults
        let shares: [(String, Double)] = [
            ("throttle", faults.throttleShare), ("unprocessed items", faults.unprocessedItemsShare),
            ("internal error", faults.internalErrorShare), ("service unavailable", faults.serviceUnavailableShare),
            ("drop before forward", faults.dropBeforeForwardShare), ("drop after forward", faults.dropAfterForwardShare),
            ("latency", faults.latency?.share ?? 0),
        ]
        for (name, share) in shares where !(0...1).contains(share) {
            throw FaultProxyConfigurationError(description: "the \(name) share must be between 0 and 1, not \(share)")
        }
        if faults.totalFailureShare > 1.000_000_1 {
            throw FaultProxyConfigurationError(
                description: "the failure shares add up to \(faults.totalFailureShare); they are exclusive and must add up to at most 1")
        }
        if let latency = faults.latency, latency.minimum < .zero {
            throw FaultProxyConfigurationError(description: "latency must not be negative")
        }
        if let capacity = writeCapacity, !(capacity.unitsPerSecond > 0 && capacity.burst > 0) {
            throw FaultProxyConfigurationError(description: "write capacity and burst must be positive")
        }
        if !(1...64).contains(eventLoopThreads) {
            throw FaultProxyConfigurationError(description: "event loop threads must be between 1 and 64")
        }
        // A test tool: it listens on and talks to this machine only.
        guard Self.loopbackHosts.contains(host) else {
            throw FaultProxyConfigurationError(description: "the proxy listens on loopback only (127.0.0.1), not \(host)")
        }
        if case .forward(let forward) = mode {
            guard let upstream = UpstreamURL(forward.upstream) else {
                throw FaultProxyConfigurationError(description: "the upstream must be an http:// URL such as http://127.0.0.1:5000, not \(forward.upstream)")
            }
            guard Self.loopbackHosts.contains(upstream.host) else {
                throw FaultProxyConfigurationError(description: "the upstream must be on this machine (127.0.0.1), not \(upstream.host)")
            }
        }
    }
}

/// The parts of an upstream base URL the proxy uses: `http://host:port` and an optional path
/// prefix.
struct UpstreamURL: Equatable {
    var host: String
    var port: Int
    var pathPrefix: String

    init(host: String, port: Int, pathPrefix: String) {
        self.host = host
        self.port = port
        self.pathPrefix = pathPrefix
    }

    init?(_ text: String) {
        guard text.hasPrefix("http://") else { return nil }
        var rest = Substring(text.dropFirst("http://".count))
        var prefix = ""
        if let slash = rest.firstIndex(of: "/") {
            prefix = String(rest[slash...])
            rest = rest[..<slash]
            while prefix.hasSuffix("/") { prefix.removeLast() }
        }
        var hostPart = rest
        var port = 80
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            guard let parsed = Int(rest[rest.index(after: colon)...]), (1...65535).contains(parsed) else { return nil }
            port = parsed
            hostPart = rest[..<colon]
        }
        guard !hostPart.isEmpty else { return nil }
        self.host = String(hostPart)
        self.port = port
        self.pathPrefix = prefix
    }
}
