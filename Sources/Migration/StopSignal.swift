import Synchronization

/// A request to stop at the next clean point (SIGINT, SIGTERM): long-running
/// commands check it between units of work and finish what is in flight.
public final class StopSignal: Sendable {
    private let stopped = Atomic<Bool>(false)

    public init() {}

    public func stop() {
        stopped.store(true, ordering: .releasing)
    }

    public var isStopped: Bool { stopped.load(ordering: .acquiring) }

    /// Sleeps for `duration`, or less when a stop is requested meanwhile.
    public func sleep(for duration: Duration) async {
        let clock = ContinuousClock()
        let end = clock.now + duration
        while !isStopped, !Task.isCancelled, clock.now < end {
            let slice = min(.milliseconds(200), end - clock.now)
            do { try await Task.sleep(for: slice) } catch { return }
        }
    }
}
