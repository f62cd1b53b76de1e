import Synchronization

/// A request to stop at the next clean point (SIGINT, SIGTERM): long-running
/// commands check it between units of work and finish what is in flight.
/// Tasks that wait (a pause between polls, a reconnect's backoff) are woken
/// by the request itself, not by polling it.
public final class StopSignal: Sendable {
    private struct Waiters {
        var stopped = false
        var next = 0
        var waiting: [Int: CheckedContinuation<Void, Never>] = [:]
        /// Waits cancelled before they could register.
        var cancelled: Set<Int> = []
    }

    private let stopped = Atomic<Bool>(false)
    private let waiters = Mutex(Waiters())

    public init() {}

    public func stop() {
        stopped.store(true, ordering: .releasing)
        let woken = waiters.withLock { waiters in
            waiters.stopped = true
            defer { waiters.waiting = [:] }
            return Array(waiters.waiting.values)
        }
        for waiter in woken { waiter.resume() }
    }

    public var isStopped: Bool { stopped.load(ordering: .acquiring) }

    /// Sleeps for `duration`, or less when a stop is requested (or the task is cancelled) meanwhile.
    public func sleep(for duration: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: duration) }
            group.addTask { await self.requested() }
            await group.next()
            group.cancelAll()
        }
    }

    /// Returns once a stop is requested, or when the task is cancelled.
    public func requested() async {
        let id = waiters.withLock { waiters in
            waiters.next += 1
            return waiters.next
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = waiters.withLock { waiters in
                    if waiters.stopped || waiters.cancelled.remove(id) != nil { return true }
                    waiters.waiting[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = waiters.withLock { waiters -> CheckedContinuation<Void, Never>? in
                if let waiter = waiters.waiting.removeValue(forKey: id) { return waiter }
                if !waiters.stopped { waiters.cancelled.insert(id) }
                return nil
            }
            waiter?.resume()
        }
    }
}
