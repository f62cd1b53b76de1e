import Foundation
import BillingModel
import MigrationCore
import MySQLSource
import Testing

@testable import Migration

@Suite struct StreamPartsTests {
    static let connection = MySQLConnectionConfiguration(user: "billmig", database: "billing")

    /// A binlog change's batch id (on its dead letter and log lines) is its rows event's position.
    @Test func aBinlogChangesBatchIsItsEventsPosition() {
        let change = SourceChange(
            table: "SUBSCRIBER", operation: .insert, row: [.text("1")],
            position: BinlogCoordinates(file: "mariadb-bin.000003", position: 4567).sourcePosition(rowIndex: 2),
            origin: RowOrigin(source: "binlog mariadb-bin.000003:4567 SUBSCRIBER", line: 3))
        // The file read so far names the sequence's base; a rotation since is followed.
        #expect(BinlogChangeStream.batchID(of: change, binlogFile: "mariadb-bin.000002") == "mariadb-bin.000003:4567")
        // Before any file is known (a GTID start), the change's origin stands in.
        #expect(BinlogChangeStream.batchID(of: change, binlogFile: nil) == "binlog mariadb-bin.000003:4567 SUBSCRIBER")
    }

    @Test func aHeartbeatRowOfThisStreamGivesItsTimeToTheMillisecond() {
        let heartbeat = SourceHeartbeat(configuration: .init(rowID: 42), connection: Self.connection)
        // 2026-11-22T06:00:00.123456Z
        let beat = heartbeat.beat(in: [.text("42"), .text("2026-11-22 06:00:00.123456")])
        #expect(beat == 1_795_327_200_123)
        #expect(heartbeat.beat(in: [.text("7"), .text("2026-11-22 06:00:00.123456")]) == nil, "another stream's row")
        #expect(heartbeat.beat(in: [.text("42"), .null]) == nil)
        #expect(heartbeat.writeStatement.contains("NOW(6)"))
        #expect(heartbeat.writeStatement.contains("`billing`.`billmig_heartbeat`"))
    }

    @Test func theProgressLineShowsChangesLagAndPosition() {
        var snapshot = StreamProgress.Snapshot()
        snapshot.changesRead = 120
        snapshot.changesSettled = 100
        snapshot.readPosition = "mariadb-bin.000002:4711"
        #expect(snapshot.statusLine == "100/120 changes applied | lag - | at mariadb-bin.000002:4711")
        var lag = LagHistogram()
        lag.record(milliseconds: 250)
        snapshot.health = ReplicationHealth(
            lagSource: .heartbeat, lag: lag, changesPerSecond: 10, recentChangesPerSecond: 12, appliedPosition: nil,
            lastCommitTime: nil, updatedAt: "")
        snapshot.deadLettered = 2
        snapshot.reconnects = 1
        let line = snapshot.statusLine
        #expect(line.contains("lag 250 ms (p50 250 ms, p99 250 ms, heartbeat) | 12 changes/s now, 10 on average"))
        #expect(line.contains("2 dead-lettered"))
        #expect(line.contains("1 reconnects"))
        #expect(!line.contains("UNREACHABLE"))

        snapshot.sourceOutage = .init(
            since: Date(timeIntervalSince1970: 1_796_550_000), started: .now - .seconds(42), lastError: "connection refused")
        #expect(snapshot.statusLine.contains("source UNREACHABLE for 42 s (since 2026-12-06T09:40:00"), "\(snapshot.statusLine)")
        #expect(snapshot.sourceOutage!.seconds >= 42)
    }
}
