import BillingModel
import Foundation
import MySQLSource
import SampleData
import Testing

/// The private MariaDB of `scripts/mariadb` for the direct-MySQL tests: each
/// test gets a database of its own (`snaptest_…`) with the billing schema, so
/// tests do not see each other's rows.
///
/// Live tests run with `BILLMIG_MYSQL_LIVE_TESTS=1` (as MySQLSourceTests) and
/// `BILLMIG_MYSQL_PORT` naming the instance's port; otherwise they are skipped.
enum MariaDBSupport {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var port: String { ProcessInfo.processInfo.environment["BILLMIG_MYSQL_PORT"] ?? "3307" }
    static var password: String { ProcessInfo.processInfo.environment["BILLMIG_MYSQL_PASSWORD"] ?? "billmig" }
    static var isEnabled: Bool { ProcessInfo.processInfo.environment["BILLMIG_MYSQL_LIVE_TESTS"] == "1" }

    private static let startup = Startup()

    private actor Startup {
        private var result: Result<Void, Failure>?
        struct Failure: Error { var message: String }

        func ensure() async throws {
            if result == nil {
                let (status, output) = await MariaDBSupport.script(["start"])
                result = status == 0 ? .success(()) : .failure(Failure(message: "scripts/mariadb start failed: \(output.suffix(500))"))
                // Test databases are named snaptest_*: let the test account use them all.
                if status == 0 {
                    let (grant, text) = await MariaDBSupport.rootSQL(
                        "GRANT ALL PRIVILEGES ON `snaptest\\_%`.* TO 'billmig'@'127.0.0.1', 'billmig'@'localhost';")
                    if grant != 0 { result = .failure(Failure(message: "cannot grant: \(text)")) }
                }
            }
            if case .failure(let failure) = result { try Test.cancel("MariaDB is not available: \(failure.message)") }
        }
    }

    /// A fresh database with the billing schema; returns its name.
    static func freshDatabase(_ label: String) async throws -> String {
        guard isEnabled else { try Test.cancel("live MariaDB tests run with BILLMIG_MYSQL_LIVE_TESTS=1") }
        try await startup.ensure()
        let name = "snaptest_\(label)_\(UInt32.random(in: 0...UInt32.max))"
        var schema = try String(contentsOf: packageRoot.appendingPathComponent("schema/billing.sql"), encoding: .utf8)
        schema = schema.replacingOccurrences(of: "CREATE DATABASE IF NOT EXISTS billing CHARACTER SET utf8mb4;", with: "")
            .replacingOccurrences(of: "USE billing;", with: "")
        let (status, output) = await rootSQL(
            "CREATE DATABASE `\(name)` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci; USE `\(name)`;\n" + schema)
        guard status == 0 else { throw SupportError(message: "cannot create \(name): \(output)") }
        return name
    }

    static func url(database: String, user: String = "billmig") -> String {
        "mysql://\(user)@127.0.0.1:\(port)/\(database)"
    }

    static func configuration(database: String, user: String = "billmig", password: String? = nil) throws -> MySQLConnectionConfiguration {
        try MySQLConnectionConfiguration(url: url(database: database, user: user), password: .literal(.init(password ?? self.password)))
    }

    /// Inserts every row of the data set with plain multi-row INSERTs, parents first.
    static func insert(_ data: SampleDataSet, into database: String) async throws {
        let connection = try await MySQLConnection.connect(try configuration(database: database))
        do {
            for table in SampleTable.allCases {
                let columns = table.columns.map(PrimaryKeyChunkQuery.identifier).joined(separator: ", ")
                var values: [String] = []
                func flush() async throws {
                    guard !values.isEmpty else { return }
                    try await connection.execute("INSERT INTO `\(database)`.`\(table.name)` (\(columns)) VALUES " + values.joined(separator: ","))
                    values.removeAll(keepingCapacity: true)
                }
                for row in data.rows(of: table) {
                    var literals: [String] = []
                    for value in row { literals.append(try await connection.literal(value)) }
                    values.append("(" + literals.joined(separator: ",") + ")")
                    if values.count == 200 { try await flush() }
                }
                try await flush()
            }
            await connection.close()
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Runs SQL as the instance's root (over its socket).
    @discardableResult
    static func rootSQL(_ sql: String, database: String? = nil) async -> (Int32, String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("snaptest-\(UUID().uuidString).sql")
        do {
            try sql.write(to: file, atomically: true, encoding: .utf8)
        } catch {
            return (-1, "\(error)")
        }
        defer { try? FileManager.default.removeItem(at: file) }
        let script = packageRoot.appendingPathComponent("scripts/mariadb").path
        let quotedScript = "'" + script.replacingOccurrences(of: "'", with: "'\\''") + "'"
        return await run("/bin/sh", ["-c", "\(quotedScript) sql \(database ?? "") < '\(file.path)'"])
    }

    static func script(_ arguments: [String]) async -> (Int32, String) {
        await run(packageRoot.appendingPathComponent("scripts/mariadb").path, arguments)
    }

    /// Runs a program to its end without blocking a cooperative thread.
    static func run(_ executable: String, _ arguments: [String]) async -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        return await withCheckedContinuation { continuation in
            process.terminationHandler = { process in
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                continuation.resume(returning: (process.terminationStatus, String(decoding: data, as: UTF8.self)))
            }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(returning: (-1, "\(error)"))
            }
        }
    }

    static func dropDatabase(_ name: String) async {
        await rootSQL("DROP DATABASE IF EXISTS `\(name)`;")
    }

    struct SupportError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
