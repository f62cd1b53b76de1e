import MigrationCore
import Testing

@Suite struct FileLoadLedgerTests {
    static func letter(_ line: Int, _ stage: DeadLetterRecord.Stage = .map) -> DeadLetterRecord {
        DeadLetterRecord(stage: stage, table: "BILL", source: "LOAD00000001.csv", line: line, reason: "bad", at: "t")
    }

    @Test func countsOnlyWhatIsUnderTheWatermark() {
        var ledger = FileLoadLedger()
        let first = ledger.open(upTo: 25, counts: .init(rowsRead: 25, deadLettered: 1), deadLetters: [Self.letter(3)])
        let second = ledger.open(upTo: 50, counts: .init(rowsRead: 25), deadLetters: [])
        ledger.close(second, written: 25, writeFailures: [])
        #expect(ledger.recordsDone == 0)
        #expect(ledger.doneCounts == EntityCounts())

        ledger.close(first, written: 23, writeFailures: [Self.letter(7, .write)])
        #expect(ledger.recordsDone == 50)
        #expect(ledger.doneCounts == EntityCounts(rowsRead: 50, itemsWritten: 48, deadLettered: 2))
        #expect(ledger.doneCounts.unaccounted == 0)
        #expect(ledger.isSettled)
    }

    @Test func checkpointsHandOutEachDeadLetterOnceWithItsIntervalStart() {
        var ledger = FileLoadLedger(resumeFrom: 100, counts: .init(rowsRead: 100, itemsWritten: 100))
        let unit = ledger.open(upTo: 110, counts: .init(rowsRead: 10, deadLettered: 1), deadLetters: [Self.letter(105)])
        ledger.close(unit, written: 9, writeFailures: [])

        let checkpoint = ledger.takeCheckpoint()
        #expect(checkpoint.fromRecord == 100)
        #expect(checkpoint.deadLetters.map(\.line) == [105])
        #expect(checkpoint.recordsDone == 110)
        #expect(checkpoint.counts == EntityCounts(rowsRead: 110, itemsWritten: 109, deadLettered: 1))

        let next = ledger.takeCheckpoint()
        #expect(next.fromRecord == 110)
        #expect(next.deadLetters.isEmpty)
    }

    @Test func aUnitWithoutWritesSettlesAtOnce() {
        var ledger = FileLoadLedger()
        let unit = ledger.open(upTo: 3, counts: .init(rowsRead: 3, deadLettered: 3), deadLetters: [Self.letter(1), Self.letter(2), Self.letter(3)])
        ledger.close(unit, written: 0, writeFailures: [])
        #expect(ledger.recordsDone == 3)
        #expect(ledger.takeCheckpoint().deadLetters.count == 3)
    }
}
