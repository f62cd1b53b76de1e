import CoreMetrics
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus

/// Prometheus `/metrics` for a long-running command: swift-metrics bootstrapped
/// with a Prometheus registry, served by a tiny HTTP listener for the command's
/// lifetime.
public enum PrometheusEndpoint {
    /// The process's registry; swift-metrics can be bootstrapped once per process.
    static let registry = PrometheusCollectorRegistry()
    private static let bootstrapped: Void = {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }()

    /// Serves `GET /metrics` on `host:port` (port 0: any free port, passed to
    /// `body`) while `body` runs, then closes the listener.
    public static func withEndpoint<Result: Sendable>(
        host: String = "0.0.0.0", port: Int, _ body: (_ boundPort: Int) async throws -> Result
    ) async throws -> Result {
        _ = bootstrapped
        let registry = Self.registry
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(registry: registry))
                }
            }
            .bind(host: host, port: port).get()
        let boundPort = channel.localAddress?.port ?? port
        do {
            let result = try await body(boundPort)
            try? await channel.close()
            return result
        } catch {
            try? await channel.close()
            throw error
        }
    }
}

/// Answers `GET /metrics` with the registry's text exposition, anything else 404.
final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let registry: PrometheusCollectorRegistry
    private var path = ""

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        case .body:
            break
        case .end:
            let found = path == "/metrics"
            var buffer = context.channel.allocator.buffer(capacity: 4096)
            if found {
                buffer.writeBytes(registry.emitToBuffer())
            } else {
                buffer.writeString("billmig serves GET /metrics only\n")
            }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: found ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain")
            headers.add(name: "Content-Length", value: String(buffer.readableBytes))
            headers.add(name: "Connection", value: "close")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: found ? .ok : .notFound, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
        }
    }
}
