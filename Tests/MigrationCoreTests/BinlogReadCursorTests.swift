import MigrationCore
import Testing

@Suite struct BinlogReadCursorTests {
    @Test func aCommitMovesTheReaderAndEndsTheTransaction() {
        var cursor = BinlogReadCursor(stopRule: .init(mode: .stopAt(file: "bin.000002", position: 500)), position: ("bin.000002", 100))
        cursor.readChanges()
        #expect(cursor.inTransaction)
        cursor.committed(file: "bin.000002", position: 500)
        #expect(!cursor.inTransaction)
        #expect(cursor.position?.position == 500)
        #expect(cursor.readingDone)
        #expect(cursor.doneEnding == .stopPositionReached)
    }

    /// Inside a transaction neither a heartbeat nor a rotation moves the reader,
    /// and reading is never done there, even past the target.
    @Test func insideATransactionNothingMovesTheReader() {
        var cursor = BinlogReadCursor(stopRule: .init(mode: .untilCaughtUp), position: ("bin.000001", 100))
        cursor.readChanges()
        let wasIdle = cursor.idle(file: "bin.000001", position: 900)
        #expect(!wasIdle)
        cursor.rotated(file: "bin.000002", position: 4)
        #expect(cursor.position?.file == "bin.000001" && cursor.position?.position == 100)
        #expect(!cursor.readingDone)
        cursor.reopened()
        #expect(!cursor.inTransaction)
    }

    @Test func anIdleServerBetweenTransactionsIsTheEndForUntilCaughtUp() {
        var cursor = BinlogReadCursor(stopRule: .init(mode: .untilCaughtUp), position: ("bin.000001", 100))
        #expect(!cursor.readingDone)
        let wasIdle = cursor.idle(file: "bin.000001", position: 300)
        #expect(wasIdle)
        #expect(cursor.position?.position == 300)
        #expect(cursor.readingDone)
        #expect(cursor.doneEnding == .caughtUp)
    }

    /// The reader never moves back, and a rotation's zero position (a fake rotate
    /// at connect) does not move it.
    @Test func theReaderOnlyMovesForward() {
        var cursor = BinlogReadCursor(stopRule: .init(mode: .never), position: ("bin.000003", 700))
        cursor.idle(file: "bin.000003", position: 200)
        cursor.rotated(file: "bin.000004", position: 0)
        #expect(cursor.position?.file == "bin.000003" && cursor.position?.position == 700)
        cursor.rotated(file: "bin.000004", position: 4)
        #expect(cursor.position?.file == "bin.000004" && cursor.position?.position == 4)
        #expect(!cursor.readingDone)
    }

    @Test func aGTIDStartLearnsItsPositionFromTheServer() {
        var cursor = BinlogReadCursor(stopRule: .init(mode: .never), position: nil)
        cursor.rotated(file: "bin.000005", position: 4)
        #expect(cursor.position?.file == "bin.000005")
    }
}
