import AWSCore
import BillingModel
import DMSStaging
import DynamoDB
import DynamoDBModel
import Foundation
import Migration
import MigrationCore
import MySQLSource
import NIOCore
import Testing

/// `BinlogChangeStream` against the private MariaDB and moto_server: changes made
/// with SQL after a recorded position arrive in DynamoDB as the mapper makes
/// items of the rows `SELECT` shows.
extension BinlogToDynamoDBTests {
    @Suite("stream: binlog to DynamoDB against MariaDB and moto_server", .serialized)
    struct BinlogChangeStreamTests {
        static let applier = ChangeApplier.Configuration(lanes: 8, backoffBase: .milliseconds(5), backoffCap: .milliseconds(200))

        @Test("inserts, updates, deletes, primary-key changes, multi-row transactions and a rollback arrive as SELECT shows them")
        func changesAfterAPositionArriveAsTheMapperMakesThem() async throws {
            let configuration = try await StreamMariaDB.configuration()
            let bans: ClosedRange<UInt64> = 9_200_000_000...9_200_000_999
            let (b1, b2, b3, b4, b5): (UInt64, UInt64, UInt64, UInt64, UInt64) =
                (9_200_000_001, 9_200_000_002, 9_200_000_003, 9_200_000_004, 9_200_000_005)
            let writer = try await MySQLConnection.connect(configuration)
            try await StreamMariaDB.ensureSchema(writer)
            try await StreamMariaDB.deleteAccounts(writer, bans)
            let start = try await StreamMariaDB.binlogEnd(writer)

            // A multi-row transaction over several tables.
            try await StreamMariaDB.transaction(writer, [
                StreamMariaDB.account(b1), StreamMariaDB.account(b2), StreamMariaDB.account(b3),
                StreamMariaDB.subscriber(b1), StreamMariaDB.agreement(b1, soc: "ROAM"),
                StreamMariaDB.bill(b1, sequence: 1), StreamMariaDB.bill(b2, sequence: 1),
            ])
            try await writer.execute("UPDATE billing.BILLING_ACCOUNT SET ban_status = 'S', credit_limit = NULL WHERE ban = \(b2)")
            try await writer.execute("DELETE FROM billing.BILLING_ACCOUNT WHERE ban = \(b3)")
            // Primary-key changes: the old item becomes a tombstone, the new one appears.
            try await writer.execute("UPDATE billing.SERVICE_AGREEMENT SET soc = 'ROAM2', monthly_rate = 0.00 WHERE ban = \(b1)")
            try await writer.execute("UPDATE billing.BILL SET bill_seq_number = 7 WHERE ban = \(b1) AND bill_seq_number = 1")
            // A rollback leaves nothing.
            try await StreamMariaDB.transaction(
                writer, [StreamMariaDB.account(b4), "UPDATE billing.BILLING_ACCOUNT SET ban_status = 'C' WHERE ban = \(b1)"],
                commit: false)
            try await StreamMariaDB.transaction(writer, [
                "UPDATE billing.BILLING_ACCOUNT SET bill_cycle = 'C05' WHERE ban = \(b1)",
                StreamMariaDB.account(b5, status: "N", limit: "-0.01"),
                "DELETE FROM billing.BILL WHERE ban = \(b2)",
            ])
            let end = try await StreamMariaDB.binlogEnd(writer)
            let expected = try await StreamMariaDB.expectedItems(writer, mapping: .billing, bans: bans)
            #expect(expected.count == 6, "accounts 1, 2, 5, a subscriber, an agreement, a bill")

            try await MotoTestServer.withClient { client in
                let table = MotoTestServer.uniqueName("stream")
                try await createTable(client, name: table)
                let state = InMemoryObjectStore()
                let stream = BinlogChangeStream(
                    configuration: BinlogStreamConfiguration(
                        connection: configuration, tableName: table,
                        start: .coordinates(file: start.file, position: start.position), stop: .untilCaughtUp,
                        applier: Self.applier),
                    target: DynamoDBWriteTarget(aws: client, tableName: table), state: StateLocation(store: state, prefix: "run"))
                let summary = try await stream.run()
                #expect(summary.status == .completed, "\(summary)")
                #expect(summary.ending == .caughtUp)
                #expect(summary.startedFrom == .explicit)
                #expect(summary.total.changesRead == 14)
                #expect(summary.total.deadLettered == 0)
                #expect(summary.transactions == 6)
                #expect(summary.health.lagSource == .eventTimestamps)
                #expect(summary.health.lagSamples == 6)

                let after = try await StreamMariaDB.tableState(client, table: table, bans: bans)
                #expect(after.live == expected)
                // Account 3, the old agreement, bill (1, 1) and bill (2, 1).
                #expect(after.tombstones.count == 4)
                #expect(after.live.keys.allSatisfy { !after.tombstones.contains($0) })

                // The checkpoint is the end of the last transaction, at or past the end seen before.
                let saved = try JSONDecoder().decode(
                    BinlogCheckpoint.self, from: Data(try await state.get(key: "run/changes/binlog.json").readableBytesView))
                #expect(BinlogCoordinates(file: saved.file, position: saved.position) >= end)
                #expect(saved.counts.values.reduce(0) { $0 + $1.changesRead } == 14)
                #expect(saved.health?.lagSamples == 6)
                // The applied position is published where every billing service instance reads it.
                let published = try await DynamoDBClient(client: client).getItem(
                    table, key: [ItemKey.partitionKeyName: .s(ControlItems.partitionKey), ItemKey.sortKeyName: .s(ControlItems.streamSortKey)],
                    consistentRead: true)
                #expect(
                    published?["Position"]?.stringValue
                        == BinlogCoordinates(file: saved.file, position: saved.position).sourcePosition(rowIndex: 0).orderingKey)

                // Streamed again from the same start: every change is stale, nothing moves.
                let again = try await BinlogChangeStream(
                    configuration: BinlogStreamConfiguration(
                        connection: configuration, tableName: table,
                        start: .coordinates(file: start.file, position: start.position), stop: .stopAt(file: end.file, position: end.position),
                        applier: Self.applier),
                    target: DynamoDBWriteTarget(aws: client, tableName: table), state: StateLocation(store: InMemoryObjectStore(), prefix: "run")
                ).run()
                #expect(again.ending == .stopPositionReached)
                #expect(again.total.changesRead == 14)
                #expect(again.total.skippedStale == 14)
                let replayed = try await StreamMariaDB.tableState(client, table: table, bans: bans)
                #expect(replayed.live == after.live)
                #expect(replayed.tombstones == after.tombstones)

                // Resumed from its checkpoint with nothing new: nothing to do.
                let resumed = try await BinlogChangeStream(
                    configuration: BinlogStreamConfiguration(
                        connection: configuration, tableName: table, stop: .untilCaughtUp, applier: Self.applier),
                    target: DynamoDBWriteTarget(aws: client, tableName: table), state: StateLocation(store: state, prefix: "run")
                ).run()
                #expect(resumed.startedFrom == .checkpoint)
                #expect(resumed.total.changesRead == 0)
            }
            try await StreamMariaDB.deleteAccounts(writer, bans)
            await writer.close()
        }

        @Test("without a checkpoint, a snapshot position or an explicit start, the stream says what to do")
        func noStartPositionIsAClearError() async throws {
            let configuration = try await StreamMariaDB.configuration()
            let stream = BinlogChangeStream(
                configuration: BinlogStreamConfiguration(connection: configuration, stop: .untilCaughtUp),
                target: DiscardingWriteTarget(), state: StateLocation(store: InMemoryObjectStore(), prefix: "empty"))
            await #expect {
                _ = try await stream.run()
            } throws: { error in
                guard let error = error as? BinlogStreamError else { return false }
                return error.code == .noStartPosition && error.description.contains("--start-position")
            }
        }

        @Test("a stream starts at the snapshot position that load saved, and measures lag with a heartbeat row")
        func startsAtTheSnapshotPositionWithHeartbeatLag() async throws {
            let configuration = try await StreamMariaDB.configuration()
            let bans: ClosedRange<UInt64> = 9_200_001_000...9_200_001_999
            let writer = try await MySQLConnection.connect(configuration)
            try await StreamMariaDB.ensureSchema(writer)
            try await StreamMariaDB.deleteAccounts(writer, bans)
            // A row before the snapshot position must not be streamed.
            try await writer.execute(StreamMariaDB.account(9_200_001_001))
            let snapshot = try await StreamMariaDB.binlogEnd(writer)
            for offset in 2...40 as ClosedRange<UInt64> {
                try await writer.execute(StreamMariaDB.account(9_200_001_000 + offset))
            }
            try await writer.execute("UPDATE billing.BILLING_ACCOUNT SET ban_status = 'C' WHERE ban = 9200001001")

            try await MotoTestServer.withClient { client in
                let table = MotoTestServer.uniqueName("stream-snap")
                try await createTable(client, name: table)
                let state = InMemoryObjectStore()
                let position = SnapshotPosition(
                    binlogFile: snapshot.file, binlogPosition: snapshot.position, gtid: nil, source: "test", takenAt: "")
                try await state.put(key: "run/snapshot.json", bytes: ByteBuffer(bytes: try JSONEncoder().encode(position)))
                let summary = try await BinlogChangeStream(
                    configuration: BinlogStreamConfiguration(
                        connection: configuration, tableName: table, stop: .untilCaughtUp,
                        heartbeat: .init(interval: .milliseconds(50)), applier: Self.applier),
                    target: DynamoDBWriteTarget(aws: client, tableName: table), state: StateLocation(store: state, prefix: "run")
                ).run()
                #expect(summary.startedFrom == .snapshot)
                #expect(summary.total.changesRead == 40, "39 inserts and one update after the snapshot")
                #expect(summary.health.lagSource == .heartbeat)
                let live = try await StreamMariaDB.tableState(client, table: table, bans: bans).live
                // The update carries the whole row, so the account inserted before the snapshot is there too.
                #expect(live == (try await StreamMariaDB.expectedItems(writer, mapping: .billing, bans: bans)))
                // No heartbeat row reached the table.
                #expect(live.values.allSatisfy { $0[MigrationAttribute.entityType] != .s("billmig_heartbeat") })
            }
            try await StreamMariaDB.deleteAccounts(writer, bans)
            await writer.close()
        }
    }
}
