import AWSCore
import BillingModel
import DynamoDB
import DMSStaging
import DynamoDBModel
import Foundation
import Migration
import MigrationCore
import MySQLSource
import Testing
import Validation
import ValidationCore

/// A stand-in for `billmig stream`: asked for its position, it first applies
/// the changes it was handed (as the stream would, with their binlog version),
/// then answers the source's current position.
actor CatchingUpStream: AppliedStreamPosition {
    let fixture: MigratedFixture
    var backlog: [(table: String, account: UInt64)] = []
    var applied = 0

    init(fixture: MigratedFixture) {
        self.fixture = fixture
    }

    func owe(table: String, account: UInt64) {
        backlog.append((table, account))
    }

    func appliedPosition() async throws -> BinlogCoordinates? {
        let connection = try await MySQLConnection.connect(fixture.source)
        let reader = ValidationSourceReader(connection: connection, database: fixture.source.database, mapping: .billing)
        let position = try await reader.currentPosition()
        for change in backlog {
            for row in try await reader.rows(tables: [change.table], accounts: [change.account]) {
                let version = position!.sourcePosition(rowIndex: 0).orderingKey
                try await fixture.put(try fixture.mapper.item(table: row.table, row: row.row, version: version).item)
                applied += 1
            }
        }
        backlog = []
        await connection.close()
        return position
    }
}

@Suite("validate --live against MariaDB and moto_server")
struct LiveValidationTests {
    @Test func changesInFlightSettleAndALastingMismatchStays() async throws {
        try await MigratedFixture.with { fixture in
            let account = fixture.accounts[5]
            // A change the source has and the stream has not applied yet.
            try await fixture.sql("UPDATE CUSTOMER SET city = 'Moved' WHERE ban = \(account)")
            let stream = CatchingUpStream(fixture: fixture)
            await stream.owe(table: "CUSTOMER", account: account)
            // A real corruption.
            let bill = try #require(try await fixture.items(ofAccount: fixture.accounts[6]).first { $0.entity == "BILL" })
            var broken = bill
            broken["amount_due"] = .n("123456.78")
            try await fixture.put(broken)

            let configuration = ValidationConfiguration(
                table: fixture.table, concurrency: 2, scanSegments: 2, rowsPerRange: 80,
                sourceDescription: fixture.source.description)
            let validator = try Validator(configuration: configuration, source: fixture.source, dynamoDB: fixture.dynamoDB)
            let report = try await validator.runLive(
                stream: stream, options: LiveValidationOptions(rounds: 3, streamWait: .seconds(20)))
            #expect(report.mismatches.map(\.key) == [bill.key])
            #expect(report.mismatches.map(\.kind) == [.different])
            #expect(report.live?.settled == 1)
            #expect(report.live?.lasting == 1)
            #expect(report.live?.unconfirmed == 0)
            #expect(report.entities["CUSTOMER"]?.different == 0)
            #expect(report.entities["BILL"]?.different == 1)
            #expect(await stream.applied == 1)
        }
    }

    @Test func theCheckpointReaderReadsWhatTheStreamWrites() async throws {
        let state = StateLocation(store: InMemoryObjectStore(), prefix: "run")
        let progress = BinlogCheckpointProgress(state: state)
        #expect(try await progress.appliedPosition() == nil)
        try await state.write(BinlogCheckpoint(file: "mariadb-bin.000004", position: 1234, source: "test"), to: .binlogCheckpoint)
        #expect(try await progress.appliedPosition() == BinlogCoordinates(file: "mariadb-bin.000004", position: 1234))
        #expect(try await state.store.exists(key: "run/changes/binlog.json"), "the key the stream's checkpoint is documented at")
    }
}
