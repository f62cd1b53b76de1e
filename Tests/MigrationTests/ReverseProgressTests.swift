import BillingModel
import Foundation
import MigrationCore
import MySQLSource
import Testing

@testable import Migration

/// The reverse stream's lag and caught-up state, its status line, and which MySQL
/// failures dead-letter rows rather than end the run.
@Suite struct ReverseProgressTests {
    static func progress() -> ReverseStreamProgress {
        ReverseStreamProgress(streamArn: "arn", epoch: SwitchEpoch(1), updatedAtSeconds: 0, updatedAt: "")
    }

    @Test func lagIsTheNewestRecordsAgeUntilARoundFindsNothing() {
        var progress = Self.progress()
        progress.refreshLag()
        #expect(progress.lagSeconds == nil)
        #expect(progress.statusLine.contains("lag -"))

        progress.newestRecordSeconds = Date().timeIntervalSince1970 - 30
        progress.pendingRecords = 7
        progress.refreshLag()
        #expect(progress.lagSeconds.map { (29.0...40.0).contains($0) } == true)
        #expect(progress.statusLine.contains("lag 3"))
        #expect(progress.statusLine.contains("7 pending"))
        #expect(!progress.isDrained(since: 0))

        var checkpoint = StreamCheckpoint(streamArn: "arn")
        checkpoint.markApplied(shard: "shardId-1", through: StreamSequenceNumber("000120")!)
        progress.markCaughtUp(roundStartedAt: 1_800_000_000, checkpoint: checkpoint)
        progress.refreshLag()
        #expect(progress.lagSeconds == 0)
        #expect(progress.pendingRecords == 0)
        #expect(progress.checkpoints == ["shardId-1": "120"])
        // It vouches for changes made up to the round's start less the stream's visibility margin.
        #expect(progress.caughtUpThroughMilliseconds == 1_799_999_999_000)
        #expect(progress.caughtUpAt?.hasPrefix("2027-01-15T07:59:59") == true)
        #expect(progress.isDrained(since: 1_799_999_999_000))
        #expect(!progress.isDrained(since: 1_800_000_000_000))
        #expect(progress.statusLine.contains("caught up (lag 0 s)"))
    }

    @Test func onlyRefusedRowsAreDeadLettered() {
        func rejects(_ error: any Error) -> Bool { MySQLRowWriteTarget.isRowRejection(error) }
        // ER_DATA_TOO_LONG, ER_DUP_ENTRY on a unique key: the rows' fault.
        #expect(rejects(MySQLError(code: .statement, errorNumber: 1406, message: "Data too long")))
        #expect(rejects(MySQLError(code: .statement, errorNumber: 1062, message: "Duplicate entry")))
        // Deadlock, lock wait, a lost connection, anything else: end the run, a rerun resumes.
        #expect(!rejects(MySQLError(code: .statement, errorNumber: 1213, message: "Deadlock")))
        #expect(!rejects(MySQLError(code: .statement, errorNumber: 1205, message: "Lock wait timeout")))
        #expect(!rejects(MySQLError(code: .statement, errorNumber: 2013, message: "Lost connection")))
        #expect(!rejects(MySQLError(code: .connection, message: "cannot connect")))
        #expect(!rejects(CancellationError()))
    }
}
