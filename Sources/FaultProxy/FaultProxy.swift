import NIOCore
import NIOHTTP1
import NIOPosix

/// An HTTP/1.1 proxy on loopback that sits between billmig and a local AWS endpoint and
/// injects faults: throttling, partial `BatchWriteItem`s, 5xx errors, latency, dropped
/// connections, and a write-capacity budget. In sink mode it answers DynamoDB itself,
/// checking signatures and request shapes but storing nothing.
///
/// ```swift
/// try await FaultProxy.withRunning(configuration) { proxy in
///     // point the client at proxy.endpoint
///     let stats = proxy.stats
/// }
/// ```
public final class FaultProxy: Sendable {
    /// The port the proxy listens on (the one picked when the configuration said 0).
    public let port: Int
    public let configuration: FaultProxyConfiguration
    private let engine: ProxyEngine
    private let serverChannel: any Channel

    private init(port: Int, configuration: FaultProxyConfiguration, engine: ProxyEngine, serverChannel: any Channel) {
        self.port = port
        self.configuration = configuration
        self.engine = engine
        self.serverChannel = serverChannel
    }

    /// `http://127.0.0.1:<port>`: the endpoint to give clients.
    public var endpoint: String {
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        return "http://\(host):\(port)"
    }

    /// The counters now.
    public var stats: FaultProxyStats { engine.stats }

    /// Zeroes the counters (and restarts the per-second write units); returns what they were.
    @discardableResult
    public func resetStats() -> FaultProxyStats { engine.resetStats() }

    /// Starts a proxy, runs `body` with it, and stops it when `body` returns or throws.
    public static func withRunning<Result>(
        _ configuration: FaultProxyConfiguration,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (FaultProxy) async throws -> Result
    ) async throws -> Result {
        try configuration.validate()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.eventLoopThreads)
        let engine = ProxyEngine(configuration: configuration, eventLoopGroup: group)
        let proxy: FaultProxy
        do {
            proxy = try await start(configuration, engine: engine, group: group)
        } catch {
            try? await engine.shutdown()
            try? await group.shutdownGracefully()
            throw error
        }
        let result: Swift.Result<Result, any Error>
        do {
            result = .success(try await body(proxy))
        } catch {
            result = .failure(error)
        }
        try? await proxy.serverChannel.close()
        try? await engine.shutdown()
        try? await group.shutdownGracefully()
        return try result.get()
    }

    /// Suspends until the listening socket closes, which for a proxy nobody stops is never:
    /// what the executable waits on.
    public func waitUntilClosed() async throws {
        try await serverChannel.closeFuture.get()
    }

    private static func start(
        _ configuration: FaultProxyConfiguration,
        engine: ProxyEngine,
        group: MultiThreadedEventLoopGroup
    ) async throws -> FaultProxy {
        let maximumBodySize = configuration.maximumRequestBodySize
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withPipeliningAssistance: true, withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(
                        ProxyHTTPHandler(engine: engine, maximumBodySize: maximumBodySize))
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        guard let port = channel.localAddress?.port else {
            try? await channel.close()
            throw FaultProxyConfigurationError(description: "the listening socket has no port")
        }
        return FaultProxy(port: port, configuration: configuration, engine: engine, serverChannel: channel)
    }
}
