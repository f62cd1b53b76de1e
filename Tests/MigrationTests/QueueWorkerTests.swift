import BillingModel
import DMSStaging
import Foundation
import Migration
import MigrationCore
import MigrationTestSupport
import Synchronization
import Testing

/// A queue in memory: messages become visible again when their visibility runs out
/// (or is set to zero), and every call is recorded.
final class ScriptedQueue: WorkQueue {
    struct Entry {
        var message: QueuedMessage
        var visibleAt: ContinuousClock.Instant
    }

    enum Call: Equatable {
        case delete(String)
        case visibility(String, Duration)
        case sendAgain(String, Duration)
    }

    private let state = Mutex<(entries: [String: Entry], order: [String], calls: [Call], next: Int, receives: Int, cancelledReceives: Int, pollsStarted: Int)>(
        ([:], [], [], 0, 0, 0, 0))

    /// Calls of `receive` so far.
    var pollsStarted: Int { state.withLock { $0.pollsStarted } }

    /// Long polls cut short by cancellation.
    var cancelledReceives: Int { state.withLock { $0.cancelledReceives } }
    var receives: Int { state.withLock { $0.receives } }

    func send(_ body: String, after delay: Duration = .zero) {
        state.withLock { state in
            state.next += 1
            let id = "m\(state.next)"
            state.entries[id] = Entry(message: QueuedMessage(id: id, receipt: "", body: body, receiveCount: 0), visibleAt: .now + delay)
            state.order.append(id)
        }
    }

    var calls: [Call] { state.withLock { $0.calls } }
    var remaining: [QueuedMessage] { state.withLock { state in state.order.compactMap { state.entries[$0]?.message } } }

    func receive(wait: Duration, visibility: Duration) async throws -> QueuedMessage? {
        state.withLock { $0.pollsStarted += 1 }
        let deadline = ContinuousClock.now + wait
        repeat {
            let found = state.withLock { state -> QueuedMessage? in
                let now = ContinuousClock.now
                for id in state.order {
                    guard var entry = state.entries[id], entry.visibleAt <= now else { continue }
                    entry.message.receiveCount += 1
                    entry.message.receipt = "\(id)#\(entry.message.receiveCount)"
                    entry.visibleAt = now + visibility
                    state.entries[id] = entry
                    // Round robin, as SQS spreads its messages: a released one does not starve the others.
                    state.order.removeAll { $0 == id }
                    state.order.append(id)
                    state.receives += 1
                    return entry.message
                }
                return nil
            }
            if let found { return found }
            do {
                try await Task.sleep(for: .milliseconds(5))
            } catch {
                state.withLock { $0.cancelledReceives += 1 }
                throw error
            }
        } while ContinuousClock.now < deadline
        return nil
    }

    func delete(_ message: QueuedMessage) async throws {
        state.withLock { state in
            state.calls.append(.delete(message.id))
            state.entries[message.id] = nil
            state.order.removeAll { $0 == message.id }
        }
    }

    func setVisibility(_ message: QueuedMessage, _ duration: Duration) async throws {
        state.withLock { state in
            state.calls.append(.visibility(message.id, duration))
            state.entries[message.id]?.visibleAt = .now + duration
        }
    }

    func sendAgain(_ message: QueuedMessage, after delay: Duration) async throws {
        state.withLock { $0.calls.append(.sendAgain(message.id, delay)) }
        send(message.body, after: delay)
    }
}

@Suite("QueueWorker: S3 notifications to loads and applies")
struct QueueWorkerTests {
    static func event(_ key: String, bucket: String = "stage", name: String = "ObjectCreated:Put", size: Int) -> String {
        let encoded = key.replacingOccurrences(of: " ", with: "+")
        return #"{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"\#(name)","s3":{"bucket":{"name":"\#(bucket)"},"object":{"key":"\#(encoded)","size":\#(size)}}}]}"#
    }

    static func configuration() -> WorkerConfiguration {
        WorkerConfiguration(
            queueDescription: "memory://queue", sourceBucket: "stage", ownPrefixes: ["dms/_billmig/"], concurrency: 2,
            wait: .milliseconds(20), visibility: .seconds(30), heartbeat: .milliseconds(10),
            waitForFullLoadDelay: .milliseconds(50), load: FullLoadTests.configuration(),
            apply: ChangeFileApplyTests.configuration())
    }

    /// Runs a worker until `done` holds (or 10 s), then stops it.
    static func work(
        _ queue: ScriptedQueue, source: InMemoryObjectStore, target: ScriptedWriteTarget, state: InMemoryObjectStore,
        until done: @escaping @Sendable () -> Bool
    ) async throws -> WorkerSummary {
        let stop = StopSignal()
        let worker = QueueWorker(
            configuration: configuration(), queue: queue, source: source, target: target,
            state: StateLocation(store: state, prefix: "dms/_billmig/T"), stop: stop)
        async let summary = worker.run()
        let deadline = ContinuousClock.now + .seconds(10)
        while !done(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        stop.stop()
        return await summary
    }

    @Test func loadsFullLoadFilesHoldsChangeFilesBackUntilThenAndDeletesWhatIsDone() async throws {
        let source = try await FullLoadTests.stagedStore()
        let history = ChangeFileApplyTests.workload(seed: 3, count: 40)
        let changeKeys = try await ChangeFileApplyTests.stage([Array(history[..<20]), Array(history[20...])], in: source)
        // A SUBSCRIBER full-load file, so the change files have a full load to wait for.
        let subscriberLoad = "dms/billing/SUBSCRIBER/LOAD00000001.csv"
        try await source.put(key: subscriberLoad, bytes: [])
        let queue = ScriptedQueue()
        // Change files first: they must wait for SUBSCRIBER's full load.
        for key in changeKeys { queue.send(Self.event(key, size: try await source.head(key: key)!.size.asInt)) }
        queue.send(#"{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"stage"}"#)
        for key in ["dms/billing/BILLING_ACCOUNT/LOAD00000001.csv", "dms/billing/CHARGE/LOAD00000001.csv", subscriberLoad] {
            queue.send(Self.event(key, size: try await source.head(key: key)!.size.asInt))
        }
        // Not for workers: a removal, the worker's own state.
        queue.send(Self.event(changeKeys[0], name: "ObjectRemoved:Delete", size: 0))
        queue.send(Self.event("dms/_billmig/T/checkpoints/x.json", size: 10))

        let target = ScriptedWriteTarget()
        let state = InMemoryObjectStore()
        let summary = try await Self.work(queue, source: source, target: target, state: state) { queue.remaining.isEmpty }

        #expect(queue.remaining.isEmpty, "every message deleted: \(queue.remaining)")
        #expect(summary.error == nil)
        #expect(summary.stopped)
        #expect(summary.files.fullLoadLoaded == 3)
        #expect(summary.files.changeFilesApplied == 2)
        #expect(summary.rows.rowsRead == 7 && summary.rows.itemsWritten == 5 && summary.rows.deadLettered == 2)
        #expect(summary.changes.changesRead == history.count)
        #expect(summary.messages.leftForDeadLetterQueue == 0)
        // A change file received before its table's full load was complete went back
        // as a new message (so waiting does not count towards the dead-letter limit).
        #expect(summary.messages.waitingForFullLoad >= 1)
        #expect(queue.calls.contains { if case .sendAgain = $0 { true } else { false } })
        // The table holds the change history's end state.
        let expected = try ChangeWorkload.reference(
            try await ChangeFileApplyTests.readBack(changeKeys, from: source), mapper: ChangeFileApplyTests.mapper, ttl: 0)
        #expect(!expected.isEmpty)
        #expect(ChangeFileApplyTests.withoutTTL(target.stored.filter { expected[$0.key] != nil }) == ChangeFileApplyTests.withoutTTL(expected))
    }

    @Test func anUnknownObjectIsReleasedForTheDeadLetterQueueNotDeleted() async throws {
        let source = try await FullLoadTests.stagedStore()
        let queue = ScriptedQueue()
        queue.send(Self.event("dms/billing/CHARGE/notes.txt", size: 5))
        queue.send(Self.event("dms/billing/NOT_MAPPED/LOAD00000001.csv", size: 5))
        queue.send(Self.event("dms/billing/CHARGE/LOAD00000001.csv", bucket: "other", size: 5))
        queue.send("not an event")
        let target = ScriptedWriteTarget()
        let summary = try await Self.work(queue, source: source, target: target, state: InMemoryObjectStore()) {
            queue.calls.filter { if case .visibility(_, .zero) = $0 { true } else { false } }.count >= 8
        }
        // Released (visibility 0) each time it came, never deleted: the redrive policy moves it.
        #expect(!queue.calls.contains { if case .delete = $0 { true } else { false } })
        #expect(queue.remaining.count == 4)
        #expect(queue.remaining.allSatisfy { $0.receiveCount >= 2 })
        #expect(summary.messages.leftForDeadLetterQueue >= 8)
        let reasons = summary.problems.map(\.reason).joined(separator: "\n")
        #expect(reasons.contains("not a DMS file name"))
        #expect(reasons.contains("NOT_MAPPED, which the mapping does not have"))
        #expect(reasons.contains("bucket other"))
        #expect(reasons.contains("not an S3 event notification"))
        #expect(target.stored.isEmpty)
    }

    @Test func aFileThatFailsIsLeftForRedeliveryNotReleasedNorDeleted() async throws {
        let source = try await FullLoadTests.stagedStore()
        let queue = ScriptedQueue()
        queue.send(Self.event("dms/billing/CHARGE/LOAD00000001.csv", size: 5))
        // The table is not there: the file cannot be loaded now.
        let target = ScriptedWriteTarget(answers: Array(repeating: .fail(WriteTargetError(.missingTable, "table gone")), count: 50))
        let summary = try await Self.work(queue, source: source, target: target, state: InMemoryObjectStore()) {
            queue.receives >= 1 && target.calls >= 1
        }
        #expect(summary.messages.failed == 1)
        #expect(queue.remaining.count == 1, "not deleted")
        // Neither deleted nor released: its visibility timeout is the pause before the next try.
        #expect(!queue.calls.contains { if case .delete = $0 { true } else { false } })
        #expect(!queue.calls.contains { $0 == .visibility("m1", .zero) })
        #expect(summary.problems.first?.reason.contains("table gone") == true, "\(summary.problems)")
    }

    @Test func theHeartbeatKeepsAMessageHiddenWhileItsFileIsWorkedOn() async throws {
        let source = InMemoryObjectStore()
        let history = ChangeFileApplyTests.workload(seed: 5, count: 30)
        let keys = try await ChangeFileApplyTests.stage([history], in: source)
        let queue = ScriptedQueue()
        queue.send(Self.event(keys[0], size: 10))
        // Each write takes 20 ms: the file takes far longer than a heartbeat (10 ms).
        let target = ScriptedWriteTarget(latency: { _ in .milliseconds(20) })
        let summary = try await Self.work(queue, source: source, target: target, state: InMemoryObjectStore()) {
            queue.remaining.isEmpty
        }
        #expect(summary.files.changeFilesApplied == 1)
        let extensions = queue.calls.filter { $0 == .visibility("m1", .seconds(30)) }.count
        #expect(extensions >= 2, "\(queue.calls)")
        #expect(queue.calls.last == .delete("m1"))
    }

    @Test func aStopReleasesAChangeFileInHandWithItsProgressCheckpointed() async throws {
        let source = InMemoryObjectStore(chunkSize: 64)
        let history = ChangeFileApplyTests.workload(seed: 8, count: 80)
        let keys = try await ChangeFileApplyTests.stage([history], in: source)
        let queue = ScriptedQueue()
        queue.send(Self.event(keys[0], size: 10))
        let target = ScriptedWriteTarget(latency: { _ in .milliseconds(10) })
        let state = InMemoryObjectStore()
        let summary = try await Self.work(queue, source: source, target: target, state: state) {
            target.versionedWrites.count >= 3
        }
        #expect(summary.stopped && summary.error == nil)
        #expect(summary.messages.released == 1)
        #expect(summary.files.changeFilesApplied == 0)
        // Back to the queue at once for another worker, not deleted.
        #expect(queue.calls.last == .visibility("m1", .zero))
        #expect(queue.remaining.map(\.id) == ["m1"])
        // What settled is checkpointed: the next worker resumes there, not from the start.
        let checkpoint = try #require(
            try await StateLocation(store: state, prefix: "dms/_billmig/T").read(StateFolder.changeFileCheckpoints.file(keys[0])))
        #expect(checkpoint.lastFile == nil)
        #expect((checkpoint.inProgress?.recordsDone ?? 0) > 0)
    }

    @Test func aStopCutsTheLongPollsShort() async throws {
        let queue = ScriptedQueue()
        var configuration = Self.configuration()
        configuration.wait = .seconds(600)
        let stop = StopSignal()
        let worker = QueueWorker(
            configuration: configuration, queue: queue, source: InMemoryObjectStore(), target: ScriptedWriteTarget(),
            state: StateLocation(store: InMemoryObjectStore(), prefix: "state"), stop: stop)
        async let summary = worker.run()
        while queue.pollsStarted < 2 { try await Task.sleep(for: .milliseconds(5)) }
        stop.stop()
        let result = await summary
        #expect(result.stopped && result.error == nil)
        // Both slots' polls were cancelled, not waited out.
        #expect(queue.cancelledReceives == 2)
    }
}

extension Int64 {
    var asInt: Int { Int(self) }
}
