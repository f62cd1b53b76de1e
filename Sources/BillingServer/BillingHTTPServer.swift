import BillingService
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// `billmig serve`: the HTTP API on Hummingbird, with the gateway's background
/// work (flags poller, shadow compares) as a service of the same group.
/// SIGTERM/SIGINT stop accepting, finish the requests in flight, and return.
public enum BillingHTTPServer {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        public var port = 8080
        public init() {}
    }

    /// The flags poller and the shadow worker, stopped at graceful shutdown.
    struct Background: Service {
        let gateway: BillingGateway

        func run() async throws {
            await cancelWhenGracefulShutdown {
                await gateway.runBackground()
            }
            gateway.finishShadow()
        }
    }

    public static func application(
        gateway: BillingGateway, configuration: Configuration, metrics: PrometheusCollectorRegistry?, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        router.middlewares.add(MetricsMiddleware())
        BillingRoutes.add(to: router, gateway: gateway)
        if let metrics {
            router.get("metrics") { _, _ in
                Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                    body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
            }
        }
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "billmig"),
            services: [Background(gateway: gateway)],
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }
}
