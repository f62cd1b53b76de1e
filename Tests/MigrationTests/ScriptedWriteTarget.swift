import BillingModel
import DynamoDBModel
import Migration
import Synchronization

/// An in-memory table whose answers a test scripts: which calls throttle,
/// fail, or leave items unprocessed. Conditional writes follow the same script
/// (a `leaveUnprocessed` answer throttles them) and then the version rule of
/// `VersionedItems.mayReplace`, as DynamoDB evaluates the condition.
final class ScriptedWriteTarget: ItemWriteTarget {
    enum Answer {
        case acceptAll
        case leaveUnprocessed(Int)
        case fail(WriteTargetError)
    }

    /// One conditional write as the table saw it.
    struct VersionedWrite: Sendable, Equatable {
        var key: ItemKey
        var version: String
        var isTombstone: Bool
        var outcome: VersionedWriteOutcome
    }

    private struct State {
        var answers: [Answer]
        var stored: [ItemKey: Item] = [:]
        var calls = 0
        var rejectWhen: @Sendable (Item) -> Bool
        var versionedWrites: [VersionedWrite] = []
        var inFlight = 0
        var maxInFlight = 0
        /// Conditional writes still to throttle, per key (a hot partition).
        var throttledKeys: [ItemKey: Int]
    }

    private let state: Mutex<State>
    /// Time a conditional write takes, per key (none by default).
    private let latency: @Sendable (ItemKey) -> Duration?

    init(
        answers: [Answer] = [],
        rejectWhen: @escaping @Sendable (Item) -> Bool = { _ in false },
        latency: @escaping @Sendable (ItemKey) -> Duration? = { _ in nil },
        throttledKeys: [ItemKey: Int] = [:]
    ) {
        state = Mutex(State(answers: answers, rejectWhen: rejectWhen, throttledKeys: throttledKeys))
        self.latency = latency
    }

    var stored: [ItemKey: Item] { state.withLock { $0.stored } }
    var calls: Int { state.withLock { $0.calls } }
    /// Conditional writes in the order they were answered.
    var versionedWrites: [VersionedWrite] { state.withLock { $0.versionedWrites } }
    /// The most conditional writes that were in flight at once.
    var maxInFlight: Int { state.withLock { $0.maxInFlight } }

    /// Replaces the answers still to come.
    func script(_ answers: [Answer]) {
        state.withLock { $0.answers = answers }
    }

    /// Puts items as they are (seeding the table, as a full load would).
    func seed(_ items: [Item]) {
        state.withLock { state in
            for item in items { state.stored[ItemKey(item: item)!] = item }
        }
    }

    func batchPut(_ items: [Item]) async throws(WriteTargetError) -> [Item] {
        let result: Result<[Item], WriteTargetError> = state.withLock { state in
            state.calls += 1
            if items.contains(where: state.rejectWhen) {
                return .failure(WriteTargetError(.rejected, "One or more parameter values were invalid"))
            }
            let answer = state.answers.isEmpty ? .acceptAll : state.answers.removeFirst()
            switch answer {
            case .acceptAll:
                for item in items { state.stored[ItemKey(item: item)!] = item }
                return .success([])
            case .leaveUnprocessed(let count):
                let kept = items.suffix(min(count, items.count))
                for item in items.dropLast(kept.count) { state.stored[ItemKey(item: item)!] = item }
                return .success(Array(kept))
            case .fail(let error):
                return .failure(error)
            }
        }
        return try result.get()
    }

    func put(_ item: Item) async throws(WriteTargetError) {
        _ = try await batchPut([item])
    }

    func putIfNewer(_ item: Item, version: String) async throws(WriteTargetError) -> VersionedWriteOutcome {
        try await conditionalPut(item, version: version)
    }

    func tombstoneIfNewer(key: ItemKey, version: String, ttl: Int64) async throws(WriteTargetError)
        -> VersionedWriteOutcome
    {
        try await conditionalPut(VersionedItems.tombstone(key: key, version: version, ttl: ttl), version: version)
    }

    private func conditionalPut(_ item: Item, version: String) async throws(WriteTargetError) -> VersionedWriteOutcome {
        let key = ItemKey(item: item)!
        state.withLock { state in
            state.inFlight += 1
            state.maxInFlight = max(state.maxInFlight, state.inFlight)
        }
        if let latency = latency(key) {
            try? await Task.sleep(for: latency)
        }
        let result: Result<VersionedWriteOutcome, WriteTargetError> = state.withLock { state in
            state.inFlight -= 1
            state.calls += 1
            if state.rejectWhen(item) {
                return .failure(WriteTargetError(.rejected, "One or more parameter values were invalid"))
            }
            if let left = state.throttledKeys[key], left > 0 {
                state.throttledKeys[key] = left - 1
                return .failure(WriteTargetError(.throttled, "ProvisionedThroughputExceededException"))
            }
            let answer = state.answers.isEmpty ? .acceptAll : state.answers.removeFirst()
            switch answer {
            case .acceptAll:
                let outcome: VersionedWriteOutcome
                if VersionedItems.mayReplace(state.stored[key], with: version) {
                    state.stored[key] = item
                    outcome = .applied
                } else {
                    outcome = .skippedNewer
                }
                state.versionedWrites.append(VersionedWrite(
                    key: key, version: version, isTombstone: TombstoneBuilder.isTombstone(item), outcome: outcome))
                return .success(outcome)
            case .leaveUnprocessed:
                return .failure(WriteTargetError(.throttled, "ProvisionedThroughputExceededException"))
            case .fail(let error):
                return .failure(error)
            }
        }
        return try result.get()
    }
}
