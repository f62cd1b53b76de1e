import Testing

@testable import Migration

/// The waits that replace polling: a stop request and a settlement wake the
/// task that waits for them, at once, and a deadline or a cancellation ends a wait.
@Suite("Stop requests and wake-ups")
struct WaitingTests {
    /// Runs `body`, failing when it takes longer than `limit` (it is cancelled then).
    func finishes(within limit: Duration, _ body: @escaping @Sendable () async -> Void) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await body()
                return true
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    @Test func aStopRequestEndsASleepAtOnce() async {
        let stop = StopSignal()
        let slept = await finishes(within: .seconds(20)) {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await stop.sleep(for: .seconds(600)) }
                group.addTask {
                    try? await Task.sleep(for: .milliseconds(50))
                    stop.stop()
                }
            }
        }
        #expect(slept, "the sleep should end when the stop is requested")
        #expect(stop.isStopped)
    }

    @Test func aStoppedSignalDoesNotWaitAndEverySleeperWakes() async {
        let stop = StopSignal()
        let woken = await finishes(within: .seconds(20)) {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<5 { group.addTask { await stop.requested() } }
                group.addTask {
                    try? await Task.sleep(for: .milliseconds(50))
                    stop.stop()
                }
            }
            await stop.requested()
        }
        #expect(woken)
    }

    @Test func aCancelledWaitForAStopReturns() async {
        let stop = StopSignal()
        let returned = await finishes(within: .seconds(20)) {
            let waiting = Task { await stop.requested() }
            waiting.cancel()
            await waiting.value
        }
        #expect(returned)
        #expect(!stop.isStopped)
    }

    @Test func aSleepWithoutAStopLastsItsDuration() async {
        let stop = StopSignal()
        let clock = ContinuousClock()
        let started = clock.now
        await stop.sleep(for: .milliseconds(100))
        #expect(clock.now - started >= .milliseconds(100))
    }

    @Test func aSignalBeforeTheWaitIsKeptAndSignalsCoalesce() async {
        let wakeup = Wakeup()
        wakeup.signal()
        wakeup.signal()
        let first = await finishes(within: .seconds(20)) { await wakeup.wait() }
        #expect(first, "a signal given before the wait wakes it")
        // Two signals were one: the next wait runs to its deadline.
        let clock = ContinuousClock()
        let started = clock.now
        await wakeup.wait(until: clock.now + .milliseconds(100))
        #expect(clock.now - started >= .milliseconds(100))
    }

    @Test func aSignalWakesTheWaiter() async {
        let wakeup = Wakeup()
        let woken = await finishes(within: .seconds(20)) {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await wakeup.wait(until: ContinuousClock.now + .seconds(600)) }
                group.addTask {
                    try? await Task.sleep(for: .milliseconds(50))
                    wakeup.signal()
                }
            }
        }
        #expect(woken)
    }

    @Test func theTrackerSignalsWhenAChangeSettles() async {
        let tracker = ChangeTracker<Int, Int>()
        let ticket = tracker.open(mark: 1, entity: "CHARGE", context: 0, writes: 1)
        let woken = await finishes(within: .seconds(20)) {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await tracker.settlements.wait() }
                group.addTask {
                    try? await Task.sleep(for: .milliseconds(50))
                    tracker.record(ticket, .applied)
                }
            }
        }
        #expect(woken)
        #expect(tracker.takeSettled().count == 1)
    }
}

/// The table's outage as every lane sees it: when it began, the last error,
/// over at the first success, the end of the run past the tolerance.
@Suite struct TargetOutageTests {
    let refused = WriteTargetError(.transient, "connection refused")

    @Test func anOutageIsVisibleUntilAWriteGetsThrough() throws {
        let outage = TargetOutage(tolerance: .seconds(60), target: "DynamoDB table T at http://127.0.0.1:9")
        #expect(outage.current == nil)
        try outage.failed(refused)
        try outage.failed(WriteTargetError(.transient, "timed out"))
        let status = try #require(outage.current)
        #expect(status.lastError == "timed out")
        #expect(status.description.contains("DynamoDB table T at http://127.0.0.1:9 UNREACHABLE"))
        #expect(status.description.contains("giving up after 60 s"))
        outage.succeeded()
        #expect(outage.current == nil)
    }

    @Test func pastTheToleranceTheNextFailureEndsTheRunNamingTheTarget() async throws {
        let outage = TargetOutage(tolerance: .milliseconds(30), target: "DynamoDB table T at http://127.0.0.1:9")
        try outage.failed(refused)
        try await Task.sleep(for: .milliseconds(60))
        do {
            try outage.failed(refused)
            Issue.record("a failure past the tolerance ends the run")
        } catch {
            #expect(error.description.contains("http://127.0.0.1:9") && error.description.contains("outage tolerance"))
        }
    }
}
