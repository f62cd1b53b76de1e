import AWSCore
import BillingModel
import DynamoDB
import DynamoDBModel
import MariaDBTestSupport
import Migration
import MySQLSource
import MySQLWorkload
import Testing
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
        try await LocalAWS.withMotoServer(authenticated: false) { aws in
            try await AWSClient.withClient(aws.configuration) { client in
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
    }

    static func make(client: AWSClient, data: SampleDataConfiguration = MigratedFixture.data) async throws -> MigratedFixture {
        let source = try await ScratchBillingDatabase.create("val_\(UInt32.random(in: 0...UInt32.max))")
        let dynamoDB = DynamoDBClient(client: client)
        let table = "Validation\(UInt32.random(in: 0...UInt32.max))"
        _ = try await TableSetup(client: dynamoDB).ensure(.billingSystem(name: table))
        let mapper = try ItemMapper(mapping: .billing)
        let dataSet = SampleDataSet(data)
        let connection = try await MySQLConnection.connect(source)
        try await MySQLSampleWriter(connection: connection).write(dataSet)
        var requests: [WriteRequest] = []
        for sampleTable in SampleTable.allCases {
            for row in dataSet.rows(of: sampleTable) {
                requests.append(.put(try mapper.item(table: sampleTable.name, row: row, version: "0").item))
            }
        }
        await connection.close()
        let written = try await dynamoDB.batchWriteAll(table, requests: requests)
        #expect(written.unwritten.isEmpty, "items not written")
        let accounts = (0..<UInt64(data.accounts)).map { data.firstBan + $0 }
        return MigratedFixture(source: source, dynamoDB: dynamoDB, client: client, table: table, mapper: mapper, accounts: accounts)
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
        await MariaDBTestServer.rootSQL("DROP DATABASE IF EXISTS `\(source.database)`;")
    }
}

extension Item {
    var key: ItemKey { ItemKey(pk: self["PK"]!.stringValue!, sk: self["SK"]!.stringValue!) }
    var entity: String? { self["EntityType"]?.stringValue }
}
