import AWSCore
import BillingModel
import BillingService
import BillingStores
import DynamoDB
import DynamoDBModel
import Migration
import MySQLSource
import SampleData

/// The same generated billing data in a scratch MariaDB database and a moto
/// table (loaded as the migration's snapshot writes it), with both stores over them.
struct ServiceFixture {
    let data: SampleDataSet
    let database: String
    let tableName: String
    let dynamoDB: DynamoDBClient
    let pool: MySQLConnectionPool
    /// The `AWS_*` variables pointing a child `billmig` at the moto server.
    let awsEnvironment: [String: String]
    let mysql: MySQLBillingStore
    let dynamodb: DynamoDBBillingStore

    static let configuration = SampleDataConfiguration(seed: 11, accounts: 5, billsPerAccount: 3, chargesPerBill: 1...4)

    static func with<R>(_ label: String, _ body: (ServiceFixture) async throws -> R) async throws -> R {
        let data = SampleDataSet(configuration)
        let database = try await MariaDBSupport.freshDatabase(label)
        do {
            try await MariaDBSupport.insert(data, into: database)
            let result = try await LocalAWS.withMotoServer(authenticated: false) { aws in
              try await AWSClient.withClient(aws.configuration) { client in
                let dynamoDB = DynamoDBClient(client: client)
                let table = MotoTestServer.uniqueName(label)
                _ = try await TableSetup(client: dynamoDB).ensure(.billingSystem(name: table))
                let mapper = try ItemMapper(mapping: .billing)
                var requests: [WriteRequest] = []
                for sampleTable in SampleTable.allCases {
                    for row in data.rows(of: sampleTable) {
                        requests.append(.put(try mapper.item(table: sampleTable.name, row: row, version: "0").item))
                    }
                }
                let loaded = try await dynamoDB.batchWriteAll(table, requests: requests)
                precondition(loaded.unwritten.isEmpty, "moto left items unwritten")
                let pool = MySQLConnectionPool(configuration: try await MariaDBSupport.configuration(database: database), maxConnections: 4)
                let fixture = ServiceFixture(
                    data: data, database: database, tableName: table, dynamoDB: dynamoDB, pool: pool,
                    awsEnvironment: aws.environment, mysql: try MySQLBillingStore(pool: pool), dynamodb: try DynamoDBBillingStore(client: dynamoDB, tableName: table))
                do {
                    let result = try await body(fixture)
                    await pool.close()
                    return result
                } catch {
                    await pool.close()
                    throw error
                }
              }
            }
            await MariaDBSupport.dropDatabase(database)
            return result
        } catch {
            await MariaDBSupport.dropDatabase(database)
            throw error
        }
    }

    func rows(_ table: SampleTable) -> [SourceRow] { Array(data.rows(of: table)) }

    func column(_ table: SampleTable, _ name: String, of row: SourceRow) -> String? {
        guard let index = table.index(of: name), case .text(let text) = row[index] else { return nil }
        return text
    }

    /// Queries of every pattern over the generated data: wide and narrow ranges.
    func queries() -> [BillingQuery] {
        var out: [BillingQuery] = []
        let accounts = rows(.billingAccount).compactMap { column(.billingAccount, "ban", of: $0).flatMap(UInt64.init) }
        for ban in accounts {
            out.append(.account(ban: ban))
            out.append(.accountEntity(ban: ban, sortKey: "ACCOUNT"))
            out.append(.accountEntity(ban: ban, sortKey: "CUSTOMER"))
        }
        out.append(.account(ban: 999))
        for row in rows(.subscriber).prefix(4) {
            let number = column(.subscriber, "subscriber_no", of: row)!
            let ban = column(.subscriber, "ban", of: row)!
            out.append(.subscriber(subscriberNo: number))
            out.append(.accountEntity(ban: UInt64(ban)!, sortKey: "SUB#\(number)"))
            out.append(.subscriberCharges(subscriberNo: number, from: BillingDate("2000-01-01")!, to: BillingDate("2099-12-31")!))
            out.append(.subscriberCharges(subscriberNo: number, from: BillingDate("2024-02-01")!, to: BillingDate("2024-02-29")!))
        }
        let cycles = Set(rows(.bill).compactMap { column(.bill, "cycle_code", of: $0) })
        for cycle in cycles.sorted() {
            out.append(.cycleBills(cycleCode: cycle, from: BillingDate("2000-01-01")!, to: BillingDate("2099-12-31")!))
            out.append(.cycleBills(cycleCode: cycle, from: BillingDate("2024-02-01")!, to: BillingDate("2024-03-31")!))
        }
        let features = Set(rows(.charge).compactMap { column(.charge, "feature_code", of: $0) })
        for feature in features.sorted().prefix(4) {
            out.append(.featureCharges(featureCode: feature, from: BillingDate("2000-01-01")!, to: BillingDate("2099-12-31")!))
            out.append(.featureCharges(featureCode: feature, from: BillingDate("2024-01-10")!, to: BillingDate("2024-02-20")!))
        }
        return out
    }

    /// Every page of a query, following the store's own `next`.
    static func allPages(_ store: any BillingStore, _ query: BillingQuery, pageSize: Int) async throws -> [[PositionedRecord]] {
        var pages: [[PositionedRecord]] = []
        var after: PagePosition?
        repeat {
            let page = try await store.page(query, after: after, limit: pageSize)
            pages.append(page.records)
            after = page.next
            if pages.count > 10_000 { throw StoreError(.unavailable, "paging does not end") }
        } while after != nil
        return pages
    }

    /// What plain SQL answers for a query, as a set of records (no order, no paging).
    func plainSQL(_ query: BillingQuery) async throws -> Set<BillingRecord> {
        func q(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
        var selects: [(String, String)] = []
        switch query {
        case .account(let ban):
            selects = SampleTable.allCases.map { ($0.name, "ban = \(ban)") }
        case .accountEntity(let ban, let sortKey):
            if sortKey == "ACCOUNT" { selects = [("BILLING_ACCOUNT", "ban = \(ban)")] }
            if sortKey == "CUSTOMER" { selects = [("CUSTOMER", "ban = \(ban)")] }
            if sortKey.hasPrefix("SUB#") { selects = [("SUBSCRIBER", "ban = \(ban) AND subscriber_no = \(q(String(sortKey.dropFirst(4))))")] }
        case .subscriber(let number):
            selects = [("SUBSCRIBER", "subscriber_no = \(q(number))"), ("SERVICE_AGREEMENT", "subscriber_no = \(q(number))")]
        case .subscriberCharges(let number, let from, let to):
            selects = [("CHARGE", "subscriber_no = \(q(number)) AND charge_creation_date BETWEEN \(q(from.text)) AND \(q(to.text))")]
        case .cycleBills(let cycle, let from, let to):
            selects = [("BILL", "cycle_code = \(q(cycle)) AND cycle_close_date BETWEEN \(q(from.text)) AND \(q(to.text))")]
        case .featureCharges(let feature, let from, let to):
            selects = [("CHARGE", "feature_code = \(q(feature)) AND charge_creation_date BETWEEN \(q(from.text)) AND \(q(to.text))")]
        }
        var out: Set<BillingRecord> = []
        for (table, filter) in selects {
            let columns = Mapping.billing.table(table)!.columns.map { "`\($0.name)`" }.joined(separator: ", ")
            let rows = try await pool.withConnection { connection in try connection.query("SELECT \(columns) FROM `\(table)` WHERE \(filter)").rows }
            for row in rows { out.insert(try BillingRecord(table: table, row: row)) }
        }
        return out
    }
}
