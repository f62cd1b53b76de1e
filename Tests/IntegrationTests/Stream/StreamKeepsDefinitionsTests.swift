import AWSCore
import DMSStaging
import BillingModel
import DynamoDB
import DynamoDBModel
import Foundation
import MariaDBTestSupport
import Migration
import MigrationCore
import MySQLSource
import NIOCore
import Testing

extension BinlogToDynamoDBTests {
    /// A table altered while the stream is stopped: the rows logged before the
    /// ALTER are decoded as the table was when they were written (the definitions
    /// kept with the checkpoint), and the ALTER stops the stream at its position.
    @Suite("stream: table definitions kept with the checkpoint", .serialized)
    struct StreamKeepsDefinitionsTests {
        static func account(_ database: String, _ ban: UInt64, type: String, subType: String) -> String {
            "INSERT INTO `\(database)`.BILLING_ACCOUNT (ban, account_type, account_sub_type, ban_status, status_date, bill_cycle, "
                + "credit_class, credit_limit, currency, start_service_date, created_at, updated_at) VALUES (\(ban), '\(type)', "
                + "'\(subType)', 'O', '2024-01-01', 'MONTHLY', NULL, 1.00, 'USD', '2024-01-01', '2024-01-01 00:00:00.000', "
                + "'2024-01-01 00:00:00.000')"
        }

        @Test func rowsLoggedBeforeAnAlterAreDecodedAsTheyWereWrittenAndTheAlterStopsTheStream() async throws {
            let configuration = try await ScratchBillingDatabase.create("defs_\(UInt32.random(in: 0...UInt32.max))")
            let database = configuration.database
            defer { Task { await MariaDBSupport.dropDatabase(database) } }
            let writer = try await MySQLConnection.connect(configuration)
            let start = try await StreamMariaDB.binlogEnd(writer)
            try await writer.execute(Self.account(database, 9_300_000_001, type: "I", subType: "RE"))

            try await MotoTestServer.withClient { client in
                let table = MotoTestServer.uniqueName("stream-defs")
                try await createTable(client, name: table)
                let state = StateLocation(store: InMemoryObjectStore(), prefix: "run")
                func stream(from start: BinlogStreamConfiguration.ExplicitStart? = nil) -> BinlogChangeStream {
                    BinlogChangeStream(
                        configuration: BinlogStreamConfiguration(
                            connection: configuration, tableName: table, start: start, stop: .untilCaughtUp,
                            applier: BinlogChangeStreamTests.applier),
                        target: DynamoDBWriteTarget(aws: client, tableName: table), state: state)
                }
                let first = try await stream(from: .coordinates(file: start.file, position: start.position)).run()
                #expect(first.total.applied == 1, "\(first)")
                let saved = try #require(try await state.read(.binlogCheckpoint))
                let kept = try #require(saved.definitions?["BILLING_ACCOUNT"], "the checkpoint keeps the definitions it decoded with")
                #expect(kept.columns.prefix(3).map(\.name) == ["ban", "account_type", "account_sub_type"])

                // While the stream is stopped: a row, then the two CHAR columns swapped, then a row in the new order.
                try await writer.execute(Self.account(database, 9_300_000_002, type: "B", subType: "SM"))
                try await writer.execute("ALTER TABLE `\(database)`.BILLING_ACCOUNT MODIFY account_sub_type CHAR(2) NOT NULL AFTER ban")
                try await writer.execute(Self.account(database, 9_300_000_003, type: "G", subType: "FE"))

                let resumed = try await stream().run()
                #expect(resumed.startedFrom == .checkpoint)
                #expect(resumed.ending == .failed)
                let error = try #require(resumed.error)
                #expect(error.contains("ALTER TABLE"), "\(error)")
                #expect(resumed.total.applied == 1, "the row before the ALTER is written before the stream stops")

                let dynamoDB = DynamoDBClient(client: client)
                func account(_ ban: UInt64) async throws -> Item? {
                    try await dynamoDB.getItem(
                        table, key: [ItemKey.partitionKeyName: .s("BAN#\(ban)"), ItemKey.sortKeyName: .s("ACCOUNT")],
                        consistentRead: true)
                }
                let before = try #require(try await account(9_300_000_002))
                #expect(before["account_type"]?.stringValue == "B")
                #expect(before["account_sub_type"]?.stringValue == "SM")
                #expect(try await account(9_300_000_003) == nil, "the stream stops at the ALTER")
                let after = try #require(try await state.read(.binlogCheckpoint))
                #expect(after.definitions == saved.definitions, "still the definitions of the binlog before the ALTER")
                #expect(after.counts.values.reduce(0) { $0 + $1.applied } == 2, "the checkpoint ends right before the ALTER")
            }
            await writer.close()
        }
    }
}
