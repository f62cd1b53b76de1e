import MigrationTestSupport
import BillingModel
import DynamoDBModel
import Migration
import MigrationCore
import Testing

@Suite struct ChangeApplierTests {
    static let now: Int64 = 1_700_000_000
    static let tombstoneTTL = now + 7 * 86_400
    static let mapper = try! ItemMapper(mapping: .billing)

    static func applier(
        _ target: ScriptedWriteTarget, lanes: Int = 8, maxAttempts: Int = 4, outage: Duration = .seconds(5)
    ) -> ChangeApplier {
        ChangeApplier(
            target: target, throttle: WriteThrottle(configuration: .init()),
            configuration: .init(
                lanes: lanes, laneCapacity: 4, maxAttempts: maxAttempts, backoffBase: .milliseconds(1),
                backoffCap: .milliseconds(2), outageTolerance: outage),
            now: { now })
    }

    /// Applies `changes` in the given order; returns each change's outcome by its index in `changes`.
    @discardableResult
    static func apply(
        _ changes: [SourceChange], to target: ScriptedWriteTarget, lanes: Int = 8
    ) async throws -> [ChangeOutcome] {
        let tracker = ChangeTracker<Int, Int>()
        try await applier(target, lanes: lanes).run(tracker: tracker) { submitter in
            for (index, change) in changes.enumerated() {
                try await submitter.submit(try mapper.map(change), entity: change.table, mark: index, context: index)
            }
        }
        let settled = tracker.takeSettled()
        #expect(settled.map(\.mark) == Array(changes.indices))
        return settled.map { $0.change!.outcome }
    }

    static func subscriber(
        _ operation: SourceChange.Operation, _ number: String, sequence: Int, ban: Int = 1, status: String = "A",
        before: SourceRow? = nil
    ) -> SourceChange {
        SourceChange(
            table: "SUBSCRIBER", operation: operation,
            row: ChangeWorkload.row(number, ban: ban, status: status, plan: "PLAN1", sequence: sequence),
            before: before, position: .changeSequence(String(sequence)),
            origin: RowOrigin(source: "test", line: sequence))
    }

    static let key = ItemKey(pk: "BAN#1", sk: "SUB#5550001")

    // MARK: Order and idempotence

    @Test(arguments: [UInt64(1), 2, 3])
    func shuffledTwiceOrReversedEndsLikeInOrder(seed: UInt64) async throws {
        let workload = ChangeWorkload(seed: seed, count: 400, keys: 30)
        let changes = workload.changes
        #expect(changes.contains { $0.operation == .delete })
        #expect(changes.contains { $0.operation == .update && (try? Self.mapper.map($0).count) == 2 })

        let reference = try ChangeWorkload.reference(changes, mapper: Self.mapper, ttl: Self.tombstoneTTL)
        // The reference is the source table: a row item for every live row, a
        // tombstone at every other key that ever held one.
        let liveKeys = try Set(workload.liveRows.values.map { try Self.mapper.key(table: "SUBSCRIBER", row: $0) })
        for (key, item) in reference {
            #expect(TombstoneBuilder.isTombstone(item) == !liveKeys.contains(key))
        }
        #expect(liveKeys.isSubset(of: Set(reference.keys)))

        // Different completion times per key, so lanes finish out of order.
        let latency: @Sendable (ItemKey) -> Duration? = { .microseconds(KeyLanes(count: 7).lane(for: $0) * 150) }

        let inOrder = ScriptedWriteTarget(latency: latency)
        try await Self.apply(changes, to: inOrder)
        #expect(inOrder.stored == reference)

        var random = SeededGenerator(seed: seed &* 7919)
        let shuffled = ScriptedWriteTarget(latency: latency)
        try await Self.apply(changes.shuffled(using: &random), to: shuffled)
        #expect(shuffled.stored == reference)

        let twice = ScriptedWriteTarget(latency: latency)
        try await Self.apply(changes, to: twice)
        let second = try await Self.apply(changes, to: twice)
        #expect(twice.stored == reference)
        #expect(second.allSatisfy { $0 == .skippedStale })

        let reversed = ScriptedWriteTarget(latency: latency)
        try await Self.apply(Array(changes.reversed()), to: reversed)
        #expect(reversed.stored == reference)

        let duplicatedAndShuffled = ScriptedWriteTarget(latency: latency)
        try await Self.apply((changes + changes).shuffled(using: &random), to: duplicatedAndShuffled, lanes: 3)
        #expect(duplicatedAndShuffled.stored == reference)
    }

    @Test func writesToOneKeyKeepTheirOrder() async throws {
        let changes = [Self.subscriber(.insert, "5550001", sequence: 1)]
            + (2...60).map { Self.subscriber(.update, "5550001", sequence: $0, status: $0 % 2 == 0 ? "S" : "A") }
        let target = ScriptedWriteTarget(latency: { _ in .microseconds(100) })
        let outcomes = try await Self.apply(changes, to: target, lanes: 16)
        // Had two writes of the key run at once, a later one could land first and
        // the earlier one would be skipped as stale.
        #expect(outcomes.allSatisfy { $0 == .applied })
        #expect(target.versionedWrites.map(\.version) == changes.map(\.position.orderingKey))
        #expect(target.stored[Self.key]?[MigrationAttribute.sourceVersion] == .s(changes.last!.position.orderingKey))
    }

    @Test func writesToDifferentKeysRunInParallel() async throws {
        let changes = (1...64).map { Self.subscriber(.insert, "555\(String(format: "%04d", $0))", sequence: $0) }
        let target = ScriptedWriteTarget(latency: { _ in .milliseconds(5) })
        let outcomes = try await Self.apply(changes, to: target, lanes: 8)
        #expect(outcomes.allSatisfy { $0 == .applied })
        #expect(target.stored.count == 64)
        #expect(target.maxInFlight > 1)
        #expect(target.maxInFlight <= 8)
    }

    // MARK: Tombstones

    @Test func aTombstoneStopsAReplayedOlderInsert() async throws {
        let insert = Self.subscriber(.insert, "5550001", sequence: 1)
        let delete = Self.subscriber(.delete, "5550001", sequence: 2)
        let target = ScriptedWriteTarget()
        let outcomes = try await Self.apply([insert, delete, insert], to: target)
        #expect(outcomes == [.applied, .applied, .skippedStale])

        let tombstone = try #require(target.stored[Self.key])
        #expect(tombstone == [
            "PK": .s("BAN#1"), "SK": .s("SUB#5550001"), "Deleted": .bool(true),
            "SourceVersion": .s(delete.position.orderingKey), "TTL": .n(String(Self.tombstoneTTL)),
        ])
    }

    @Test func aDeleteThenReinsertEndsWithTheRowInAnyOrder() async throws {
        let changes = [
            Self.subscriber(.insert, "5550001", sequence: 1, status: "A"),
            Self.subscriber(.delete, "5550001", sequence: 2, status: "A"),
            Self.subscriber(.insert, "5550001", sequence: 3, status: "S"),
        ]
        for order in [changes, Array(changes.reversed()), [changes[2], changes[0], changes[1]]] {
            let target = ScriptedWriteTarget()
            try await Self.apply(order, to: target)
            let item = try #require(target.stored[Self.key])
            #expect(!TombstoneBuilder.isTombstone(item))
            #expect(item["sub_status"] == .s("S"))
            #expect(item["SourceVersion"] == .s(changes[2].position.orderingKey))
        }
    }

    @Test func aPrimaryKeyChangeKeepsBothWrites() async throws {
        let old = ChangeWorkload.row("5550001", ban: 1, status: "A", plan: "PLAN1", sequence: 1)
        let insert = SourceChange(
            table: "SUBSCRIBER", operation: .insert, row: old, position: .changeSequence("1"), origin: RowOrigin(source: "t"))
        let move = Self.subscriber(.update, "5550002", sequence: 2, ban: 2, before: old)
        let target = ScriptedWriteTarget()
        let outcomes = try await Self.apply([insert, move], to: target)
        #expect(outcomes == [.applied, .applied])
        #expect(target.stored[Self.key].map(TombstoneBuilder.isTombstone) == true)
        let moved = try #require(target.stored[ItemKey(pk: "BAN#2", sk: "SUB#5550002")])
        #expect(moved["SourceVersion"] == .s(move.position.orderingKey))
        let writes = target.versionedWrites.filter { $0.version == move.position.orderingKey }
        #expect(writes.count == 2)
        #expect(writes.filter(\.isTombstone).map(\.key) == [Self.key])
    }

    @Test func everyChangeWinsOverAFullLoadItem() async throws {
        let (key, loaded) = try Self.mapper.item(
            table: "SUBSCRIBER", row: ChangeWorkload.row("5550001", ban: 1, status: "A", plan: "PLAN1", sequence: 0),
            version: SourcePosition.fullLoad(file: "LOAD00000001.csv", line: 1).orderingKey)
        #expect(loaded["SourceVersion"] == .s("0"))
        for position in [SourcePosition.changeFile(name: "20240101-000000000", line: 1), .changeSequence("1"), .binlog(fileSequence: 1, position: 4, rowIndex: 0)] {
            let target = ScriptedWriteTarget()
            target.seed([loaded])
            var update = Self.subscriber(.update, "5550001", sequence: 1, status: "S")
            update.position = position
            #expect(try await Self.apply([update], to: target) == [.applied])
            #expect(target.stored[key]?["sub_status"] == .s("S"))
        }
    }

    // MARK: Failures

    @Test func throttledWritesAreRetried() async throws {
        let target = ScriptedWriteTarget(answers: [.leaveUnprocessed(1), .leaveUnprocessed(1), .acceptAll])
        let outcomes = try await Self.apply([Self.subscriber(.insert, "5550001", sequence: 1)], to: target)
        #expect(outcomes == [.applied])
        #expect(target.calls == 3)
    }

    @Test func aWriteStillThrottledAfterTheBudgetDeadLettersItsChange() async throws {
        let target = ScriptedWriteTarget(answers: Array(repeating: .leaveUnprocessed(1), count: 4))
        let outcomes = try await Self.apply(
            [Self.subscriber(.insert, "5550001", sequence: 1), Self.subscriber(.insert, "5550002", sequence: 2)],
            to: target, lanes: 1)
        guard case .deadLettered(let reason) = outcomes[0] else {
            Issue.record("expected a dead letter, got \(outcomes[0])")
            return
        }
        #expect(reason.contains("still throttled after 4 attempts"))
        #expect(reason.contains("SUB#5550001"))
        #expect(outcomes[1] == .applied)
    }

    /// A hot key throttled far past the budget while the table keeps taking other
    /// writes is busy, not refusing it: the change waits and is applied, in order.
    @Test func aHotKeyThrottledWhileOtherKeysAreWrittenIsAppliedNotDeadLettered() async throws {
        let hot = ItemKey(pk: "BAN#1", sk: "SUB#5550000")
        let target = ScriptedWriteTarget(
            latency: { $0 == hot ? nil : .milliseconds(1) }, throttledKeys: [hot: 10])
        // The other keys are in other lanes, so they keep being written while the hot one waits.
        let lanes = KeyLanes(count: 4)
        let others = (1...600).map { "55\(10_000 + $0)" }
            .filter { lanes.lane(for: ItemKey(pk: "BAN#1", sk: "SUB#\($0)")) != lanes.lane(for: hot) }
            .prefix(300)
        let changes = [Self.subscriber(.insert, "5550000", sequence: 0)]
            + others.enumerated().map { Self.subscriber(.insert, $0.element, sequence: $0.offset + 1) }
            + [Self.subscriber(.update, "5550000", sequence: 301, status: "S")]
        let outcomes = try await Self.apply(changes, to: target, lanes: 4)
        #expect(outcomes.allSatisfy { $0 == .applied })
        #expect(target.stored[hot]?["sub_status"] == .s("S"))
        let hotWrites = target.versionedWrites.filter { $0.key == hot }
        #expect(hotWrites.map(\.version) == hotWrites.map(\.version).sorted())
        #expect(hotWrites.count == 2)
    }

    @Test func aRejectedWriteDeadLettersItsChangeAndTheRestGoOn() async throws {
        let target = ScriptedWriteTarget(rejectWhen: { $0["SK"] == .s("SUB#5550002") })
        let outcomes = try await Self.apply(
            (1...3).map { Self.subscriber(.insert, "555000\($0)", sequence: $0) }, to: target)
        #expect(outcomes[0] == .applied)
        #expect(outcomes[2] == .applied)
        guard case .deadLettered(let reason) = outcomes[1] else {
            Issue.record("expected a dead letter, got \(outcomes[1])")
            return
        }
        #expect(reason.contains("rejected by DynamoDB"))
    }

    @Test func anOutageLongerThanTheToleranceStopsTheRunAndKeepsWhatSettled() async throws {
        let target = ScriptedWriteTarget(
            answers: [.acceptAll] + Array(repeating: .fail(WriteTargetError(.transient, "connection refused")), count: 10_000))
        let tracker = ChangeTracker<Int, Int>()
        let applier = Self.applier(target, lanes: 1, outage: .milliseconds(30))
        await #expect(throws: WriteTargetUnavailable.self) {
            try await applier.run(tracker: tracker) { submitter in
                for sequence in 1...5 {
                    let change = Self.subscriber(.insert, "555000\(sequence)", sequence: sequence)
                    try await submitter.submit(try Self.mapper.map(change), entity: "SUBSCRIBER", mark: sequence, context: sequence)
                }
            }
        }
        let settled = tracker.takeSettled()
        #expect(settled.map(\.mark) == [1])
        #expect(target.stored.count == 1)
    }

    @Test func rejectionsAndMarksSettleInOrderWithTheWrites() async throws {
        let target = ScriptedWriteTarget(latency: { _ in .milliseconds(2) })
        let tracker = ChangeTracker<Int, String>()
        try await Self.applier(target).run(tracker: tracker) { submitter in
            let change = Self.subscriber(.insert, "5550001", sequence: 1)
            try await submitter.submit(try Self.mapper.map(change), entity: "SUBSCRIBER", mark: 1, context: "one")
            submitter.reject(entity: "SUBSCRIBER", mark: 2, context: "two", reason: "bad date")
            submitter.mark(3)
        }
        let settled = tracker.takeSettled()
        #expect(settled.map(\.mark) == [1, 2, 3])
        #expect(settled[0].change?.outcome == .applied)
        #expect(settled[1].change?.outcome == .deadLettered(reason: "bad date"))
        #expect(settled[2].change == nil)
    }
}
