import AWSCore
import BillingModel
import DMSStaging
import DynamoDB
import DynamoDBModel
import Foundation
import MariaDBTestSupport
import Migration
import MigrationCore
import MySQLSource
import Testing

/// Reverse replication against moto (DynamoDB Streams) and MariaDB: the application's
/// writes of the DynamoDB epoch arrive in MySQL, older epochs' do not, a replay from
/// scratch changes nothing, and a resumed run starts after its checkpoint.
@Suite("Reverse replication")
struct ReverseReplicationTests {
    static let account: [String?] = [
        "1000000001", "I", "01", "O", "2024-01-15", "MONTHLY", nil, "5000.00", "USD", "2023-06-01",
        "2024-01-15 10:22:31.120", "2024-02-01 08:00:00.000",
    ]
    static let subscriber: [String?] = [
        "4165550101", "1000000001", "A", "2024-01-10", "C", "PP", nil, "2023-06-01 00:00:00.000", "2024-01-10 12:00:00.500",
    ]
    static let charge: [String?] = [
        "1000000001", "123456789", "ACT-0001", nil, "VOICE", "2024-01-03", "-2.5000", "0.3250", nil, "",
        "2024-01-03 18:44:09.001", "2024-01-06 02:00:00.000",
    ]

    @Test func streamRecordsOfTheEpochReachMySQLAndReplaysConverge() async throws {
        let database = try await MariaDBSupport.freshDatabase("reverse")
        let mysql = try await MySQLConnection.connect(try await MariaDBSupport.configuration(database: database))
        do {
            try await run(mysql: mysql)
            await mysql.close()
        } catch {
            await mysql.close()
            throw error
        }
    }

    private func run(mysql: MySQLConnection) async throws {
        try await MotoTestServer.withClient { client in
            let dynamo = DynamoDBClient(client: client)
            let table = MotoTestServer.uniqueName("reverse")
            _ = try await dynamo.createTable(.billingSystem(name: table))
            _ = try await dynamo.waitUntilActive(table, timeout: .seconds(60), pollInterval: .milliseconds(200))
            let streamArn = try await dynamo.enableStream(table)

            var epochs = SwitchEpochHistory()
            let mapper = try ItemMapper(mapping: .billing)
            func item(_ table: String, _ values: [String?], _ version: String) throws -> Item {
                let change = SourceChange(
                    table: table, operation: .insert, row: values.map { $0.map(SourceValue.text) ?? .null },
                    position: .fullLoad(file: "app", line: 1), origin: RowOrigin(source: "test"))
                guard case .put(var item) = try mapper.map(change)[0].action else { throw DynamoDBClientError("no put") }
                item[MigrationAttribute.sourceVersion] = .s(version)
                return item
            }
            // Before the switch: the forward stream's write of a charge (epoch 0). MySQL has it already.
            let forwardVersion = epochs.version(ofMySQLChangeAt: .binlog(fileSequence: 1, position: 500, rowIndex: 0)).orderingKey
            try await dynamo.putItem(table, item: try item("CHARGE", Self.charge, forwardVersion))
            let epoch = epochs.switchToDynamoDB()
            var clock: UInt64 = 1_800_000_000_000_000
            func version() -> String {
                clock += 1
                return ItemVersion(epoch: epoch, position: .applicationClock(clock)).orderingKey
            }
            // The application's writes in epoch 1: an account, a subscriber, its suspension, a charge deleted.
            try await dynamo.putItem(table, item: try item("BILLING_ACCOUNT", Self.account, version()))
            try await dynamo.putItem(table, item: try item("SUBSCRIBER", Self.subscriber, version()))
            var suspended = Self.subscriber
            suspended[2] = "S"
            try await dynamo.putItem(table, item: try item("SUBSCRIBER", suspended, version()))
            let chargeKey = try #require(ItemKey(item: try item("CHARGE", Self.charge, "0")))
            try await dynamo.putItem(table, item: TombstoneBuilder(mapping: .billing).item(key: chargeKey, version: version(), nowEpochSeconds: 1_800_000_000))

            // MySQL as the forward stream left it: the charge row exists (it is deleted in epoch 1).
            _ = try await mysql.execute("SET SESSION foreign_key_checks = 0")
            let insertCharge = try await MySQLRowWriteTarget.statement(
                .upsert(table: "CHARGE", columns: Mapping.billing.table("CHARGE")!.columns.map(\.name), values: Self.charge.map { $0.map(SourceValue.text) ?? .null }),
                literal: { try await mysql.literal($0) })
            _ = try await mysql.execute(insertCharge)

            let store = InMemoryObjectStore()
            func replicate() async throws -> ReverseReplication.Summary {
                let configuration = ReverseReplication.Configuration(
                    streamArn: streamArn, epochs: epochs, reverseEpoch: epoch, pageSize: 2, pollInterval: .milliseconds(50), stopWhenCaughtUp: true)
                return try await ReverseReplication(
                    configuration: configuration, streams: DynamoDBStreamsClient(client: client), target: MySQLRowWriteTarget(connection: mysql),
                    state: StateLocation(store: store, prefix: "state")
                ).run()
            }
            func rows() async throws -> [String] {
                var result: [String] = []
                for (table, order) in [("BILLING_ACCOUNT", "ban"), ("SUBSCRIBER", "subscriber_no"), ("CHARGE", "ban, charge_seq")] {
                    let answer = try await mysql.query("SELECT * FROM \(table) ORDER BY \(order)")
                    result += answer.rows.map { table + ": " + $0.map { $0.text ?? "NULL" }.joined(separator: ",") }
                }
                return result
            }

            let first = try await replicate()
            #expect(first.records == 5)
            #expect(first.skippedOlderEpoch == 1)
            #expect(first.rowWrites == 4)
            #expect(first.deadLettered == 0)
            let expected = [
                "BILLING_ACCOUNT: " + Self.account.map { $0 ?? "NULL" }.joined(separator: ","),
                "SUBSCRIBER: " + suspended.map { $0 ?? "NULL" }.joined(separator: ","),
            ]
            #expect(try await rows() == expected)

            // Resumed: nothing after the checkpoint, nothing applied.
            let resumed = try await replicate()
            #expect(resumed.records == 0)

            // One more application write, then a replay from scratch (checkpoint lost): MySQL ends the same.
            var reactivated = suspended
            reactivated[2] = "A"
            try await dynamo.putItem(table, item: try item("SUBSCRIBER", reactivated, version()))
            try await store.delete(key: "state/reverse/checkpoint.json")
            let replay = try await replicate()
            #expect(replay.records == 6)
            #expect(replay.rowWrites == 5)
            #expect(try await rows() == [expected[0], "SUBSCRIBER: " + reactivated.map { $0 ?? "NULL" }.joined(separator: ",")])
        }
    }
}
