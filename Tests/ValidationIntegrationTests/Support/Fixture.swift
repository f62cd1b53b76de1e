import AWSCore
import BillingModel
import DynamoDB
import DynamoDBModel
import Migration
import MySQLSource
import SampleData

/// A small billing data set in a MariaDB database of its own and, mapped, in a
/// moto table: a clean migration to corrupt.
struct MigratedFixture: Sendable {
    let source: MySQLConnectionConfiguration
    let dynamoDB: DynamoDBClient
    let client: AWSClient
    let table: String
    let mapper: ItemMapper
    let accounts: [UInt64]

    static let data = SampleDataConfiguration(
        seed: 4, accounts: 8, billsPerAccount: 2, chargesPerBill: 1...3, firstBan: 7_000_001)

    /// A fixture on a moto_server of its own; its database is dropped afterwards.
    static func with(
        data: SampleDataConfiguration = MigratedFixture.data, _ body: (MigratedFixture) async throws -> Void
    ) async throws {
        try await ValidationMoto.withClient { client, _ in
            let fixture = try await make(client: client, data: data)
            do {
                try await body(fixture)
                await fixture.cleanUp()
            } catch {
                await fixture.cleanUp()
                throw error
            }
        }
    }

    static func make(client: AWSClient, data: SampleDataConfiguration = MigratedFixture.data) async throws -> MigratedFixture {
        let source = try await ValidationMariaDB.database()
        let dynamoDB = DynamoDBClient(client: client)
        let table = "Validation\(UInt32.random(in: 0...UInt32.max))"
        _ = try await TableSetup(client: dynamoDB).ensure(.billingSystem(name: table))
        let mapper = try ItemMapper(mapping: .billing)
        let dataSet = SampleDataSet(data)
        let connection = try await MySQLConnection.connect(source)
        var requests: [WriteRequest] = []
        for sampleTable in SampleTable.allCases {
            let rows = Array(dataSet.rows(of: sampleTable))
            try await insert(rows, into: sampleTable, connection: connection)
            for row in rows {
                requests.append(.put(try mapper.item(table: sampleTable.name, row: row, version: "0").item))
            }
        }
        await connection.close()
        let written = try await dynamoDB.batchWriteAll(table, requests: requests)
        guard written.unwritten.isEmpty else { throw SetupError("\(written.unwritten.count) items not written") }
        let accounts = (0..<UInt64(data.accounts)).map { data.firstBan + $0 }
        return MigratedFixture(source: source, dynamoDB: dynamoDB, client: client, table: table, mapper: mapper, accounts: accounts)
    }

    static func insert(_ rows: [SourceRow], into table: SampleTable, connection: MySQLConnection) async throws {
        for start in stride(from: 0, to: rows.count, by: 200) {
            var tuples: [String] = []
            for row in rows[start..<min(start + 200, rows.count)] {
                var literals: [String] = []
                for value in row { literals.append(try await connection.literal(value)) }
                tuples.append("(" + literals.joined(separator: ", ") + ")")
            }
            _ = try await connection.execute(
                "INSERT INTO \(table.name) (\(table.columns.joined(separator: ", "))) VALUES " + tuples.joined(separator: ", "))
        }
    }

    func sql(_ statement: String) async throws {
        let connection = try await MySQLConnection.connect(source)
        _ = try await connection.execute(statement)
        await connection.close()
    }

    /// Every item of one account.
    func items(ofAccount account: UInt64) async throws -> [Item] {
        try await dynamoDB.queryAll(QueryInput(
            tableName: table, keyCondition: "PK = :pk", values: [":pk": .s("BAN#\(account)")], consistentRead: true))
    }

    func item(_ key: ItemKey) async throws -> Item? {
        try await dynamoDB.getItem(table, key: key.attributes, consistentRead: true)
    }

    func put(_ item: Item) async throws {
        try await dynamoDB.putItem(table, item: item)
    }

    func delete(_ key: ItemKey) async throws {
        try await dynamoDB.deleteItem(table, key: key.attributes)
    }

    func cleanUp() async {
        await ValidationMariaDB.drop(source)
    }
}

extension Item {
    var key: ItemKey { ItemKey(pk: self["PK"]!.stringValue!, sk: self["SK"]!.stringValue!) }
    var entity: String? { self["EntityType"]?.stringValue }
}
