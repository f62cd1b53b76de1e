import DynamoDBModel
import Migration
import Synchronization

/// An in-memory table whose answers a test scripts: which calls throttle,
/// fail, or leave items unprocessed.
final class ScriptedWriteTarget: ItemWriteTarget {
    enum Answer {
        case acceptAll
        case leaveUnprocessed(Int)
        case fail(WriteTargetError)
    }

    private struct State {
        var answers: [Answer]
        var stored: [ItemKey: Item] = [:]
        var calls = 0
        var rejectWhen: @Sendable (Item) -> Bool
    }

    private let state: Mutex<State>

    init(answers: [Answer] = [], rejectWhen: @escaping @Sendable (Item) -> Bool = { _ in false }) {
        state = Mutex(State(answers: answers, rejectWhen: rejectWhen))
    }

    var stored: [ItemKey: Item] { state.withLock { $0.stored } }
    var calls: Int { state.withLock { $0.calls } }

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
}
