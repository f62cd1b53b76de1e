import NIOCore
import NIOPosix
import NetworkCore

/// Active probes of a route: TCP connects to the source's address through it,
/// timed, over a window. A connect is all it takes (nothing is sent), so a
/// probe costs the database a connection attempt, not a login.
public struct RouteProber: Sendable {
    public struct Route: Sendable, Hashable {
        /// `primary`, `backup`, or any name the operator gives.
        public var name: String
        public var host: String
        public var port: Int

        public init(name: String, host: String, port: Int) {
            self.name = name
            self.host = host
            self.port = port
        }

        public var address: String { "\(host):\(port)" }
    }

    public var attempts: Int
    public var interval: Duration
    public var timeout: Duration

    public init(attempts: Int = 5, interval: Duration = .milliseconds(200), timeout: Duration = .seconds(2)) {
        self.attempts = max(1, attempts)
        self.interval = interval
        self.timeout = timeout
    }

    /// Probes every route at once (each its `attempts` in sequence).
    public func probe(_ routes: [Route]) async -> [RouteProbeWindow] {
        await withTaskGroup(of: (Int, RouteProbeWindow).self) { group in
            for (index, route) in routes.enumerated() {
                group.addTask { (index, await probe(route)) }
            }
            var windows: [(Int, RouteProbeWindow)] = []
            for await window in group { windows.append(window) }
            return windows.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    public func probe(_ route: Route) async -> RouteProbeWindow {
        var times: [Double] = []
        var lastError: String?
        let clock = ContinuousClock()
        for attempt in 0..<attempts {
            if attempt > 0 { try? await Task.sleep(for: interval) }
            let started = clock.now
            do {
                let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connectTimeout(TimeAmount(timeout))
                    .connect(host: route.host, port: route.port).get()
                times.append((clock.now - started) / .milliseconds(1))
                try? await channel.close()
            } catch {
                lastError = String(describing: error)
            }
        }
        return RouteProbeWindow(route: route.name, address: route.address, attempts: attempts, connectMilliseconds: times, lastError: lastError)
    }
}
