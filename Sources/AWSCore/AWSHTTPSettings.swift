/// Connection pool and timeouts of the HTTP client AWSCore creates.
public struct AWSHTTPSettings: Sendable, Hashable {
    /// Time to open a TCP (and TLS) connection.
    public var connectTimeout: Duration
    /// Bound of one attempt of a buffered call (the whole exchange).
    public var requestTimeout: Duration
    /// Bound of one streamed download, from request to last byte.
    public var streamingTimeout: Duration
    /// Connections kept to one host. The loader runs 32-64 requests at once to one
    /// DynamoDB endpoint, so the default is well above AsyncHTTPClient's 8.
    public var maxConnectionsPerHost: Int
    /// Idle connections are closed after this long.
    public var idleTimeout: Duration
    /// Largest buffered response body accepted (streamed bodies have no limit).
    public var maxResponseBodyBytes: Int

    public init(
        connectTimeout: Duration = .seconds(5),
        requestTimeout: Duration = .seconds(30),
        streamingTimeout: Duration = .seconds(3600),
        maxConnectionsPerHost: Int = 128,
        idleTimeout: Duration = .seconds(60),
        maxResponseBodyBytes: Int = 64 << 20
    ) {
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.streamingTimeout = streamingTimeout
        self.maxConnectionsPerHost = maxConnectionsPerHost
        self.idleTimeout = idleTimeout
        self.maxResponseBodyBytes = maxResponseBodyBytes
    }
}
