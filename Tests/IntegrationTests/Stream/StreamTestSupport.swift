import AWSCore
import BillingModel
import DynamoDBModel
import Foundation
import MySQLSource
import Testing

/// The stream tests share one binlog: their suites run one after the other.
@Suite("stream against MariaDB and moto_server", .serialized)
struct BinlogToDynamoDBTests {}

/// The private MariaDB of the stream tests (`scripts/mariadb start` on
/// `BILLMIG_MYSQL_PORT`, default 3307), or `BILLMIG_MYSQL_URL` when set. The
/// tests are cancelled (skipped) with the reason when neither works.
enum StreamMariaDB {
    private static let startup = Startup()

    static var password: String { ProcessInfo.processInfo.environment["BILLMIG_MYSQL_PASSWORD"] ?? "billmig" }

    /// The `billing` database's URL as the CLI takes it (the password goes in the environment).
    static func url() async throws -> String {
        switch await startup.result() {
        case .success(let url): return url
        case .failure(let reason): try Test.cancel("MariaDB is not available, skipping: \(reason.message)")
        }
    }

    static func configuration() async throws -> MySQLConnectionConfiguration {
        try MySQLConnectionConfiguration(url: try await url(), password: .literal(.init(password)))
    }

    struct Unavailable: Error { var message: String }

    private actor Startup {
        private var outcome: Result<String, Unavailable>?

        func result() async -> Result<String, Unavailable> {
            if let outcome { return outcome }
            let outcome = await StreamMariaDB.start()
            self.outcome = outcome
            return outcome
        }
    }

    private static func start() async -> Result<String, Unavailable> {
        let environment = ProcessInfo.processInfo.environment
        if let url = environment["BILLMIG_MYSQL_URL"] { return .success(url) }
        let script = MotoTestServer.packageRoot.appendingPathComponent("scripts/mariadb").path
        let (status, output) = await run(script, ["start"])
        guard status == 0 else {
            return .failure(Unavailable(message: "scripts/mariadb start failed (\(status)): \(output.suffix(400))"))
        }
        let port = environment["BILLMIG_MYSQL_PORT"] ?? "3307"
        let url = "mysql://billmig@127.0.0.1:\(port)/billing?read-timeout=30&connect-timeout=5"
        do {
            let connection = try await MySQLConnection.connect(
                try MySQLConnectionConfiguration(url: url, password: .literal(.init(password))), retry: .none)
            await connection.close()
        } catch {
            return .failure(Unavailable(message: "\(error)"))
        }
        return .success(url)
    }

    static func run(_ executable: String, _ arguments: [String]) async -> (Int32, String) {
        // Output goes to a file, not a pipe: the script starts mariadbd, which
        // inherits the pipe's write end and would keep it open (no end of file) forever.
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("billmig-script-\(UInt32.random(in: 0...UInt32.max)).log")
        guard FileManager.default.createFile(atPath: log.path, contents: nil),
            let handle = try? FileHandle(forWritingTo: log)
        else { return (-1, "cannot create \(log.path)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return (-1, "\(error)")
        }
        // Polled with waitpid rather than a termination handler, which was seen
        // never to fire here; bounded, so a stuck script fails instead of hanging.
        let pid = process.processIdentifier
        let deadline = ContinuousClock.now + .seconds(180)
        var status: Int32 = -1
        while ContinuousClock.now < deadline {
            var raw: Int32 = 0
            let reaped = waitpid(pid, &raw, WNOHANG)
            if reaped == pid {
                status = (raw >> 8) & 0xFF
                break
            }
            if reaped == -1 {
                // Foundation reaped it first.
                status = process.isRunning ? 0 : process.terminationStatus
                break
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        if ContinuousClock.now >= deadline {
            process.terminate()
        }
        try? handle.close()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: log)
        return (status, output)
    }

    /// Creates the contract's tables when missing, from `schema/billing.sql`.
    static func ensureSchema(_ connection: MySQLConnection) async throws {
        let url = MotoTestServer.packageRoot.appendingPathComponent("schema/billing.sql")
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
        let row = try #require(try await connection.query("SHOW MASTER STATUS").rows.first)
        return BinlogCoordinates(file: try #require(row[0].text), position: try #require(row[1].text.flatMap { UInt64($0) }))
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
