import MigrationCore
import Testing

@Suite struct ChangeLedgerTests {
    typealias Ledger = ChangeLedger<Int, String>

    @Test func handsOutChangesOnlyUnderTheWatermarkInOpeningOrder() {
        var ledger = Ledger()
        let first = ledger.open(mark: 1, entity: "BILL", context: "a", writes: 1)
        let second = ledger.open(mark: 2, entity: "BILL", context: "b", writes: 1)
        let third = ledger.open(mark: 3, entity: "CHARGE", context: "c", writes: 1)

        ledger.record(third, .applied)
        ledger.record(second, .skippedStale)
        #expect(ledger.takeSettled().isEmpty)
        #expect(ledger.lastSettledMark == nil)
        #expect(ledger.pendingCount == 3)

        ledger.record(first, .applied)
        let settled = ledger.takeSettled()
        #expect(settled.map(\.mark) == [1, 2, 3])
        #expect(settled.compactMap(\.change?.context) == ["a", "b", "c"])
        #expect(settled.compactMap(\.change?.outcome) == [.applied, .skippedStale, .applied])
        #expect(ledger.lastSettledMark == 3)
        #expect(ledger.isSettled)
        #expect(ledger.takeSettled().isEmpty)
    }

    @Test func aPrimaryKeyChangeSettlesWhenBothWritesAreDone() {
        var ledger = Ledger()
        let change = ledger.open(mark: 7, entity: "SUBSCRIBER", context: "pk", writes: 2)
        ledger.record(change, .skippedStale)
        #expect(ledger.takeSettled().isEmpty)
        ledger.record(change, .applied)
        let settled = ledger.takeSettled()
        #expect(settled.count == 1)
        // One write applied: the change counts as applied, not stale.
        #expect(settled.first?.change?.outcome == .applied)
    }

    @Test func everyWriteStaleMeansTheChangeIsStale() {
        var ledger = Ledger()
        let change = ledger.open(mark: 1, entity: "BILL", context: "x", writes: 2)
        ledger.record(change, .skippedStale)
        ledger.record(change, .skippedStale)
        #expect(ledger.takeSettled().first?.change?.outcome == .skippedStale)
    }

    @Test func aFailedWriteDeadLettersItsChangeWithEveryReason() {
        var ledger = Ledger()
        let change = ledger.open(mark: 1, entity: "SUBSCRIBER", context: "x", writes: 2)
        ledger.record(change, .failed(reason: "old key: rejected"))
        ledger.record(change, .applied)
        let outcome = ledger.takeSettled().first?.change?.outcome
        #expect(outcome == .deadLettered(reason: "old key: rejected"))
    }

    @Test func rejectionsAndMarksKeepTheirPlaceInTheOrder() {
        var ledger = Ledger()
        let first = ledger.open(mark: 1, entity: "BILL", context: "a", writes: 1)
        ledger.reject(mark: 2, entity: "BILL", context: "b", reason: "bad number")
        ledger.mark(3)
        #expect(ledger.takeSettled().isEmpty)

        ledger.record(first, .applied)
        let settled = ledger.takeSettled()
        #expect(settled.map(\.mark) == [1, 2, 3])
        #expect(settled[1].change?.outcome == .deadLettered(reason: "bad number"))
        #expect(settled[2].change == nil)
    }

    @Test func aMarkWithNothingBeforeItSettlesAtOnce() {
        var ledger = Ledger()
        ledger.mark(9)
        #expect(ledger.takeSettled().map(\.mark) == [9])
        #expect(ledger.lastSettledMark == 9)
    }

    @Test func extraAndUnknownRecordsAreIgnored() {
        var ledger = Ledger()
        let change = ledger.open(mark: 1, entity: "BILL", context: "a", writes: 1)
        ledger.record(change, .applied)
        ledger.record(change, .failed(reason: "late duplicate"))
        ledger.record(42, .applied)
        let settled = ledger.takeSettled()
        #expect(settled.count == 1)
        #expect(settled.first?.change?.outcome == .applied)
    }

    @Test func countsAddUpPerOutcome() {
        var counts = ChangeCounts()
        counts.record(.applied)
        counts.record(.skippedStale)
        counts.record(.deadLettered(reason: "x"))
        counts.record(.applied)
        #expect(counts == ChangeCounts(changesRead: 4, applied: 2, skippedStale: 1, deadLettered: 1))
        #expect(counts.unaccounted == 0)
        #expect((counts + counts).changesRead == 8)
        #expect(ApplySummary.status(total: counts, failed: false) == .completedWithDeadLetters)
        #expect(ApplySummary.status(total: ChangeCounts(changesRead: 1, applied: 1), failed: false) == .completed)
        #expect(ApplySummary.status(total: ChangeCounts(changesRead: 2, applied: 1), failed: false) == .failed)
        #expect(ApplySummary.status(total: ChangeCounts(), failed: true) == .failed)
    }
}
