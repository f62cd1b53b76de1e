import AWSCore
import BillingModel
import DynamoDBModel
import Foundation
import MariaDBTestSupport
import MySQLSource
import Testing

/// The stream tests share one binlog: their suites run one after the other.
@Suite("stream against MariaDB and moto_server", .serialized)
struct BinlogToDynamoDBTests {}

/// The private MariaDB of the stream tests (`scripts/mariadb start` on
/// `BILLMIG_MYSQL_PORT`, default 3307), or `BILLMIG_MYSQL_URL` when set. The
/// tests fail with the reason when neither works (`RequiredServer`).
enum StreamMariaDB {
    static var password: String { ProcessInfo.processInfo.environment["BILLMIG_MYSQL_PASSWORD"] ?? "billmig" }

    /// The `billing` database's URL as the CLI takes it (the password goes in the environment).
    static func url() async throws -> String {
        let server = try await MariaDBTestServer.configuration()
        return "mysql://\(server.user)@\(server.host):\(server.port)/\(server.database)?read-timeout=30&connect-timeout=5"
    }

    static func configuration() async throws -> MySQLConnectionConfiguration {
        try MySQLConnectionConfiguration(url: try await url(), password: .literal(.init(password)))
    }

    /// Creates the contract's tables when missing, from `schema/billing.sql`.
    static func ensureSchema(_ connection: MySQLConnection) async throws {
        let url = MariaDBTestServer.packageRoot.appendingPathComponent("schema/billing.sql")
        let text = try String(contentsOf: url, encoding: .utf8)
        for chunk in text.split(separator: ";") {
            let statement = chunk.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }
                .joined(separator: "\n")
            guard statement.contains("CREATE TABLE") else { continue }
            try await connection.execute(
                statement.contains("IF NOT EXISTS")
                    ? statement : statement.replacingOccurrences(of: "CREATE TABLE ", with: "CREATE TABLE IF NOT EXISTS "))
        }
    }

    /// Removes the rows of the accounts in `bans` from every contract table, children first.
    static func deleteAccounts(_ connection: MySQLConnection, _ bans: ClosedRange<UInt64>) async throws {
        for table in ["CHARGE", "BILL", "SERVICE_AGREEMENT", "SUBSCRIBER", "CUSTOMER", "BILLING_ACCOUNT"] {
            try await connection.execute("DELETE FROM billing.\(table) WHERE ban BETWEEN \(bans.lowerBound) AND \(bans.upperBound)")
        }
    }

    static func binlogEnd(_ connection: MySQLConnection) async throws -> BinlogCoordinates {
        try #require(try await connection.binlogEnd(), "the binlog is off: scripts/mariadb turns it on")
    }

    /// Runs statements as one transaction.
    static func transaction(_ connection: MySQLConnection, _ statements: [String], commit: Bool = true) async throws {
        try await connection.execute("START TRANSACTION")
        for statement in statements { try await connection.execute(statement) }
        try await connection.execute(commit ? "COMMIT" : "ROLLBACK")
    }

    /// The items the mapper makes of the accounts' rows as `SELECT` shows them now,
    /// without `SourceVersion` (which only the stream knows).
    static func expectedItems(_ connection: MySQLConnection, mapping: Mapping, bans: ClosedRange<UInt64>) async throws
        -> [ItemKey: Item]
    {
        let mapper = try ItemMapper(mapping: mapping)
        var items: [ItemKey: Item] = [:]
        for table in mapping.tables {
            let columns = table.columns.map { "`\($0.name)`" }.joined(separator: ", ")
            let rows = try await connection.query(
                "SELECT \(columns) FROM billing.\(table.table) WHERE ban BETWEEN \(bans.lowerBound) AND \(bans.upperBound)").rows
            for row in rows {
                let (key, item) = try mapper.item(table: table.table, row: row, version: "")
                items[key] = withoutVersion(item)
            }
        }
        return items
    }

    static func withoutVersion(_ item: Item) -> Item {
        var item = item
        item[MigrationAttribute.sourceVersion] = nil
        item[MigrationAttribute.ttl] = nil
        return item
    }

    /// The items of the accounts in `bans`, split into live items (without
    /// version) and tombstone keys. Other tests' changes in the same binlog are
    /// left out.
    static func tableState(_ client: AWSClient, table: String, bans: ClosedRange<UInt64>) async throws
        -> (live: [ItemKey: Item], tombstones: Set<ItemKey>)
    {
        var live: [ItemKey: Item] = [:]
        var tombstones: Set<ItemKey> = []
        for (key, item) in try await rowItems(client, table: table) {
            guard key.pk.hasPrefix("BAN#"), let ban = UInt64(key.pk.dropFirst(4)), bans.contains(ban) else { continue }
            if TombstoneBuilder.isTombstone(item) { tombstones.insert(key) } else { live[key] = withoutVersion(item) }
        }
        return (live, tombstones)
    }

    // MARK: Rows

    static func account(_ ban: UInt64, status: String = "O", limit: String = "10.50") -> String {
        "INSERT INTO billing.BILLING_ACCOUNT VALUES (\(ban), 'I', 'RE', '\(status)', '2024-01-01', 'MONTHLY', NULL, \(limit), "
            + "'USD', '2024-01-01', '2024-01-01 00:00:00.000', '2024-01-01 00:00:00.000')"
    }

    static func subscriber(_ ban: UInt64) -> String {
        "INSERT INTO billing.SUBSCRIBER VALUES ('S\(ban)', \(ban), 'A', '2024-01-15', 'C', 'PP-UNL', NULL, "
            + "'2024-01-15 10:00:00.000', '2024-01-15 10:00:00.000')"
    }

    static func agreement(_ ban: UInt64, soc: String) -> String {
        "INSERT INTO billing.SERVICE_AGREEMENT VALUES (\(ban), 'S\(ban)', '\(soc)', 'O', '2024-01-15', NULL, -5.25, "
            + "'2024-01-15 10:00:00.000', '2024-01-15 10:00:00.000')"
    }

    static func bill(_ ban: UInt64, sequence: Int) -> String {
        "INSERT INTO billing.BILL VALUES (\(ban), \(sequence), 'MONTHLY', '2024-01-31', '2024-02-01', '2024-02-21', 0.00, "
            + "-150.00, 123.45, 12.35, -14.20, 'O', '2024-02-01 00:00:00.000', '2024-02-01 00:00:00.000')"
    }
}
