import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// Passes requests on to the real endpoint and brings its answers back, unchanged apart from
/// the framing headers the transport owns.
final class UpstreamForwarder: Sendable {
    private let client: HTTPClient
    private let baseURL: String
    private let timeout: TimeAmount

    /// Headers that belong to one hop, not to the request; `Host` is not one of them: the
    /// client signed it, so it travels as it came.
    private static let hopByHopHeaders: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
        "te", "trailer", "transfer-encoding", "upgrade", "content-length", "expect",
    ]

    init(configuration: ForwardConfiguration, upstream: UpstreamURL, eventLoopGroup: any EventLoopGroup) {
        var clientConfiguration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5)),
            decompression: .disabled)
        clientConfiguration.connectionPool = .init(
            idleTimeout: .seconds(60),
            concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.maximumConnections)
        clientConfiguration.httpVersion = .http1Only
        self.client = HTTPClient(eventLoopGroupProvider: .shared(eventLoopGroup), configuration: clientConfiguration)
        let host = upstream.host.contains(":") && !upstream.host.hasPrefix("[") ? "[\(upstream.host)]" : upstream.host
        self.baseURL = "http://\(host):\(upstream.port)\(upstream.pathPrefix)"
        self.timeout = .nanoseconds(configuration.timeout.nanoseconds)
    }

    func shutdown() async throws {
        try await client.shutdown()
    }

    /// Forwards `request` (with `body` in place of its own, and `replacement` headers when
    /// given) and answers on `eventLoop`.
    func forward(
        _ request: ProxyRequest,
        body: ByteBuffer,
        replacingHeaders replacement: HTTPHeaders? = nil,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<ProxyResponse> {
        var headers = HTTPHeaders()
        for (name, value) in replacement ?? request.head.headers where !Self.hopByHopHeaders.contains(name.lowercased()) {
            headers.add(name: name, value: value)
        }
        let outgoing: HTTPClient.Request
        do {
            outgoing = try HTTPClient.Request(
                url: baseURL + request.head.uri,
                method: request.head.method,
                headers: headers,
                body: body.readableBytes > 0 || Self.methodCarriesBody(request.head.method) ? .byteBuffer(body) : nil)
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        return client.execute(
            request: outgoing,
            eventLoop: .delegateAndChannel(on: eventLoop),
            deadline: .now() + timeout
        ).map { response in
            var headers = HTTPHeaders()
            let isHead = request.head.method == .HEAD
            for (name, value) in response.headers {
                let lowered = name.lowercased()
                // A HEAD answer's Content-Length describes the object, not this (empty) body.
                if lowered == "content-length", isHead {
                    headers.add(name: name, value: value)
                    continue
                }
                if !Self.hopByHopHeaders.contains(lowered) { headers.add(name: name, value: value) }
            }
            return ProxyResponse(status: response.status, headers: headers, body: response.body ?? ByteBuffer())
        }
    }

    private static func methodCarriesBody(_ method: HTTPMethod) -> Bool {
        method == .POST || method == .PUT || method == .PATCH
    }
}
