import Logging
import Migration
import ServiceLifecycle

/// Runs `body` with SIGINT and SIGTERM turned into a stop request. The signals
/// are ServiceLifecycle's graceful shutdown of a `ServiceGroup` whose one
/// service sets `stop`; the pipeline then finishes the writes in flight and
/// saves its checkpoints. The handlers live exactly as long as `body`.
func withStopOnSignals<Result: Sendable>(
    _ stop: StopSignal, announce: Bool, _ body: () async throws -> Result
) async throws -> Result {
    let group = ServiceGroup(configuration: ServiceGroupConfiguration(
        services: [StopOnGracefulShutdown(stop: stop, announce: announce)],
        gracefulShutdownSignals: [.sigterm, .sigint],
        // The group's own log lines would mix with the command's output (`--json` on stdout).
        logger: Logger(label: "billmig.signals", factory: { _ in SwiftLogNoOpLogHandler() })))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        defer { tasks.cancelAll() }
        return try await body()
    }
}

/// Sets the stop signal on graceful shutdown, then stays until the command
/// ends, so that a second signal is absorbed by the group, not fatal.
private struct StopOnGracefulShutdown: Service {
    let stop: StopSignal
    let announce: Bool

    func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            return  // cancelled: the command ended without a signal
        }
        if announce { note("\nbillmig: stopping after the writes in flight (checkpoints are saved)") }
        stop.stop()
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3_600)) }
    }
}
