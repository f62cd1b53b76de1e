import BillingModel
import DynamoDBModel
import Migration
import MigrationCore
import Testing

@Suite struct BatchApplierTests {
    static func puts(_ count: Int) -> [PendingPut] {
        (0..<count).map { index in
            let key = ItemKey(pk: "BAN#\(index)", sk: "ACCOUNT")
            var item = key.attributes
            item["ban"] = .n(String(index))
            return PendingPut(
                item: item, key: key, entity: "BILLING_ACCOUNT",
                origin: RowOrigin(source: "LOAD00000001.csv", line: index + 1), row: [.text(String(index))])
        }
    }

    static let fast = BatchApplier.Configuration(
        maxAttempts: 4, backoffBase: .milliseconds(1), backoffCap: .milliseconds(2),
        outageTolerance: .milliseconds(50))

    func applier(_ target: ScriptedWriteTarget) -> BatchApplier {
        BatchApplier(target: target, throttle: WriteThrottle(configuration: .init()), configuration: Self.fast)
    }

    @Test func resendsUnprocessedItemsUntilWritten() async throws {
        let target = ScriptedWriteTarget(answers: [.leaveUnprocessed(10), .leaveUnprocessed(3), .acceptAll])
        let outcome = try await applier(target).apply(Self.puts(25))
        #expect(outcome.written == 25)
        #expect(outcome.failed.isEmpty)
        #expect(target.stored.count == 25)
        #expect(target.calls == 3)
    }

    @Test func deadLettersWhatStaysUnprocessedAfterTheBudget() async throws {
        let target = ScriptedWriteTarget(answers: Array(repeating: .leaveUnprocessed(2), count: 10))
        let outcome = try await applier(target).apply(Self.puts(5))
        #expect(outcome.written == 3)
        #expect(outcome.failed.count == 2)
        #expect(outcome.failed.allSatisfy { $0.reason.contains("unprocessed") })
        // The first call wrote three; then the budget of calls that wrote nothing.
        #expect(target.calls == 1 + Self.fast.maxAttempts)
    }

    @Test func aBatchThatKeepsGoingInIsNeverDeadLettered() async throws {
        // A table at its capacity takes part of every call: more calls than the budget, all written.
        let answers: [ScriptedWriteTarget.Answer] = [20, 16, 12, 9, 6, 4, 2, 1].map { .leaveUnprocessed($0) } + [.acceptAll]
        let target = ScriptedWriteTarget(answers: answers)
        let outcome = try await applier(target).apply(Self.puts(25))
        #expect(outcome.failed.isEmpty)
        #expect(outcome.written == 25)
        #expect(target.calls == answers.count)
    }

    @Test func throttlingErrorsAreRetriedAndSlowTheThrottle() async throws {
        let throttle = WriteThrottle(configuration: .init(window: .zero))
        let target = ScriptedWriteTarget(answers: [
            .fail(.init(.throttled, "ProvisionedThroughputExceededException")), .acceptAll,
        ])
        let applier = BatchApplier(target: target, throttle: throttle, configuration: Self.fast)
        let outcome = try await applier.apply(Self.puts(4))
        #expect(outcome.written == 4)
        #expect(throttle.throttledUnits == 4)
        #expect(throttle.currentRate != nil)
    }

    @Test func aRejectedBatchIsSplitToFindTheBadItem() async throws {
        let target = ScriptedWriteTarget(rejectWhen: { $0["ban"] == .n("3") })
        let outcome = try await applier(target).apply(Self.puts(6))
        #expect(outcome.written == 5)
        #expect(target.stored.keys.map(\.pk).sorted() == ["BAN#0", "BAN#1", "BAN#2", "BAN#4", "BAN#5"])
        #expect(outcome.failed.map(\.put.key.pk) == ["BAN#3"])
        #expect(outcome.failed[0].reason.contains("parameter values were invalid"))
    }

    @Test func transientErrorsAreRetriedWithinTheTolerance() async throws {
        let target = ScriptedWriteTarget(answers: [.fail(.init(.transient, "HTTP 503")), .acceptAll])
        let outcome = try await applier(target).apply(Self.puts(2))
        #expect(outcome.written == 2)
    }

    @Test func aBookkeepingItemWaitsOutThrottlingInsteadOfFailingTheLoad() async throws {
        let throttled = WriteTargetError(.throttled, "ProvisionedThroughputExceededException")
        let target = ScriptedWriteTarget(answers: [.fail(throttled), .fail(throttled), .fail(throttled), .acceptAll])
        try await applier(target).put(Self.puts(1)[0].item)
        #expect(target.stored.count == 1)
        #expect(target.calls == 4)

        let saturated = ScriptedWriteTarget(answers: Array(repeating: .fail(throttled), count: 10))
        await #expect(throws: WriteTargetError.self) { try await applier(saturated).put(Self.puts(1)[0].item) }
        #expect(saturated.calls == Self.fast.maxAttempts)
    }

    @Test func aMissingTableStopsTheLoadInsteadOfDeadLetteringEveryRow() async throws {
        let target = ScriptedWriteTarget(answers: [.fail(.init(.missingTable, "table T does not exist"))])
        await #expect(throws: WriteTargetError.self) { _ = try await applier(target).apply(Self.puts(3)) }
        #expect(target.calls == 1)
    }

    @Test func aLongOutageStopsTheLoadInsteadOfDroppingRows() async throws {
        let target = ScriptedWriteTarget(
            answers: Array(repeating: .fail(.init(.transient, "connection refused")), count: 1_000))
        await #expect(throws: WriteTargetUnavailable.self) {
            _ = try await applier(target).apply(Self.puts(2))
        }
    }
}
