import AWSCore
import BillingModel
import BillingService
import Cutover
import CutoverCore
import DynamoDB
import DynamoDBModel
import Foundation
import Migration
import MigrationCore
import MySQLSource
import Testing

/// One version order across a write switch and its rollback, against MariaDB and
/// moto_server: the billing service writes subscribers in DynamoDB in epoch 1, a
/// rollback is recorded (epoch 2 from MySQL's position then), and `billmig stream`
/// carries MySQL's later updates of those rows into DynamoDB, while a binlog change
/// from before the rollback position leaves the service's items alone.
@Suite("stream after a rollback: MySQL's epoch-2 changes win over the service's epoch-1 writes", .serialized)
struct StreamAfterRollbackTests {
    @Test("after a rollback the stream's updates of items last written by the service arrive; older binlog changes do not")
    func updatesAfterARollbackArrive() async throws {
        try await ServiceFixture.with("rollback") { fixture in
            let subscribers = fixture.rows(.subscriber).prefix(6).map { row in
                (ban: UInt64(fixture.column(.subscriber, "ban", of: row)!)!, number: fixture.column(.subscriber, "subscriber_no", of: row)!)
            }
            #expect(subscribers.count == 6)
            let updatedInMySQL = Set(subscribers.prefix(3).map(\.number))
            func key(_ subscriber: (ban: UInt64, number: String)) -> ItemKey { ItemKey(pk: "BAN#\(subscriber.ban)", sk: "SUB#\(subscriber.number)") }
            func inList(_ numbers: some Sequence<String>) -> String { numbers.map { "'\($0)'" }.joined(separator: ", ") }

            // The forward stream's state: it stopped (at the write switch) where the binlog ends now.
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("billmig-rollback-\(UInt32.random(in: 0...UInt32.max))")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let switched = try await MariaDBSupport.binlogEnd(database: fixture.database)
            let snapshot = SnapshotPosition(binlogFile: switched.file, binlogPosition: switched.position, gtid: nil, source: "test", takenAt: "")
            try JSONEncoder().encode(snapshot).write(to: folder.appendingPathComponent(StateFile.snapshotPosition.path))

            // Epoch 1: DynamoDB is the write primary; the service suspends the subscribers there.
            let control = DynamoDBCutoverControl(client: fixture.dynamoDB, tableName: fixture.tableName)
            var state = CutoverState()
            state.epochs.switchToDynamoDB()
            state.revision = 1
            try await control.saveCutover(state, expectedRevision: 0)
            for (step, subscriber) in subscribers.enumerated() {
                let clock = 1_800_000_000_000_000 + UInt64(step)
                _ = try await fixture.dynamodb.execute(
                    .changeSubscriberStatus(ban: subscriber.ban, subscriberNo: subscriber.number, status: "S", statusDate: BillingDate("2025-03-01")!),
                    context: WriteContext(now: BillingTimestamp(epochMilliseconds: Int64(clock / 1_000)), version: ApplicationVersion(epoch: 1, clock: clock)))
            }
            var serviceItems: [ItemKey: Item] = [:]
            for subscriber in subscribers {
                let item = try #require(try await fixture.dynamoDB.getItem(fixture.tableName, key: key(subscriber).attributes, consistentRead: true))
                let version = item[MigrationAttribute.sourceVersion]?.stringValue ?? ""
                #expect(ItemVersion.epoch(ofOrderingKey: version) == SwitchEpoch(1) && ApplicationVersion(orderingKey: version) != nil, "\(version)")
                serviceItems[key(subscriber)] = item
            }

            // A MySQL change made before the rollback position (a stray write while DynamoDB was primary,
            // or a reverse write replayed): epoch 1 is DynamoDB's, so it is older than the service's items.
            try await MariaDBSupport.withConnection(database: fixture.database) { mysql in
                try await mysql.execute(
                    "UPDATE SUBSCRIBER SET sub_status = 'C', sub_status_date = '2025-02-01' WHERE subscriber_no IN (\(inList(subscribers.map(\.number))))")
            }

            // Rollback: epoch 2 opens with MySQL as primary from its position now (as the executor records it).
            let resume = try await MariaDBSupport.binlogEnd(database: fixture.database)
            state.epochs.switchToMySQL(resumingAt: resume.sourcePosition(rowIndex: 0))
            state.revision = 2
            try await control.saveCutover(state, expectedRevision: 1)
            #expect(try await control.loadCutover().epochs.current.mysqlStartKey == resume.sourcePosition(rowIndex: 0).orderingKey)

            // Epoch 2: the application updates half of the same rows in MySQL.
            try await MariaDBSupport.withConnection(database: fixture.database) { mysql in
                try await mysql.execute(
                    "UPDATE SUBSCRIBER SET sub_status = 'R', sub_status_date = '2025-04-01' WHERE subscriber_no IN (\(inList(updatedInMySQL)))")
            }

            var environment = fixture.awsEnvironment
            environment["BILLMIG_MYSQL_PASSWORD"] = MariaDBSupport.password
            let result = try await BillmigCLI.run(
                ["stream", "--from", try await MariaDBSupport.url(database: fixture.database), "--table", fixture.tableName,
                 "--state", folder.path, "--quiet", "--json", "--until-caught-up"],
                environment: environment)
            #expect(result.status == 0, "\(result.stderr)")
            let summary = try JSONDecoder().decode(StreamSummary.self, from: Data(result.stdout.utf8))
            #expect(summary.ending == .caughtUp)
            // Six changes before the rollback, all stale; three after it, all applied.
            #expect(summary.total.changesRead == 9 && summary.total.applied == 3 && summary.total.skippedStale == 6, "\(summary.total)")

            let mapper = try ItemMapper(mapping: .billing)
            let rows = try await MariaDBSupport.withConnection(database: fixture.database) { mysql in
                try await mysql.query(
                    "SELECT \(Mapping.billing.tables.first { $0.table == "SUBSCRIBER" }!.columns.map { "`\($0.name)`" }.joined(separator: ", ")) "
                        + "FROM SUBSCRIBER WHERE subscriber_no IN (\(inList(subscribers.map(\.number))))"
                ).rows
            }
            var mysqlItems: [ItemKey: Item] = [:]
            for row in rows {
                let (itemKey, item) = try mapper.item(table: "SUBSCRIBER", row: row, version: "")
                mysqlItems[itemKey] = StreamMariaDB.withoutVersion(item)
            }
            for subscriber in subscribers {
                let item = try #require(try await fixture.dynamoDB.getItem(fixture.tableName, key: key(subscriber).attributes, consistentRead: true))
                let version = item[MigrationAttribute.sourceVersion]?.stringValue ?? ""
                if updatedInMySQL.contains(subscriber.number) {
                    // The update made after the rollback arrived, with epoch 2's version.
                    #expect(StreamMariaDB.withoutVersion(item) == mysqlItems[key(subscriber)], "\(subscriber.number)")
                    #expect(ItemVersion.epoch(ofOrderingKey: version) == SwitchEpoch(2), "\(version)")
                    #expect(version.hasPrefix("V0000000002B"), "\(version)")
                } else {
                    // The change from before the rollback position did not overwrite the service's write.
                    #expect(item == serviceItems[key(subscriber)], "\(subscriber.number)")
                    #expect(StreamMariaDB.withoutVersion(item) != mysqlItems[key(subscriber)], "MySQL holds the older 'C' state")
                }
            }
        }
    }
}
