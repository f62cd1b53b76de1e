import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// The production transport: AsyncHTTPClient with a pool sized for many concurrent
/// requests to one host, redirects not followed (an S3 redirect is an error to report),
/// and no transparent decompression.
public struct AsyncHTTPClientTransport: AWSHTTPTransport {
    public let client: HTTPClient
    private let ownsClient: Bool

    public init(settings: AWSHTTPSettings = AWSHTTPSettings()) {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: TimeAmount(settings.connectTimeout)),
            connectionPool: .init(
                idleTimeout: TimeAmount(settings.idleTimeout),
                concurrentHTTP1ConnectionsPerHostSoftLimit: settings.maxConnectionsPerHost),
            decompression: .disabled)
        configuration.httpVersion = .automatic
        // No tracer: otherwise every request opens (no-op) spans.
        configuration.tracing.tracer = nil
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        ownsClient = true
    }

    /// Uses a client someone else owns and shuts down.
    public init(client: HTTPClient) {
        self.client = client
        ownsClient = false
    }

    public func execute(_ request: AWSHTTPRequest, timeout: Duration) async throws -> AWSHTTPResponse {
        var clientRequest = HTTPClientRequest(url: request.url)
        clientRequest.method = request.method
        clientRequest.headers = request.headers
        if let body = request.body {
            clientRequest.body = .bytes(body)
        }
        let response = try await client.execute(clientRequest, timeout: TimeAmount(timeout))
        return AWSHTTPResponse(status: Int(response.status.code), headers: response.headers, body: AWSHTTPBody(response.body))
    }

    public func shutdown() async throws {
        if ownsClient { try await client.shutdown() }
    }
}

/// What `AWSClient.withClient` uses: buffered exchanges (nearly every AWS call) on
/// `BufferedHTTP1Transport`, streamed downloads, which need backpressure, on AsyncHTTPClient.
public struct ProductionTransport: AWSHTTPTransport {
    public let buffered: BufferedHTTP1Transport
    public let streamed: AsyncHTTPClientTransport

    public init(settings: AWSHTTPSettings = AWSHTTPSettings()) {
        buffered = BufferedHTTP1Transport(settings: settings)
        streamed = AsyncHTTPClientTransport(settings: settings)
    }

    public func execute(_ request: AWSHTTPRequest, timeout: Duration) async throws -> AWSHTTPResponse {
        try await streamed.execute(request, timeout: timeout)
    }

    public func executeBuffered(_ request: AWSHTTPRequest, timeout: Duration, maxBodyBytes: Int) async throws -> AWSHTTPResponse {
        try await buffered.executeBuffered(request, timeout: timeout, maxBodyBytes: maxBodyBytes)
    }

    public func shutdown() async throws {
        async let bufferedDone: Void = buffered.shutdown()
        try await streamed.shutdown()
        try await bufferedDone
    }
}
