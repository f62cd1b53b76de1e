import BillingModel
import Foundation
import MariaDBTestSupport
import MySQLSource
import MySQLWorkload
import SampleData
import Testing

/// The direct-MySQL tests' view of the private MariaDB (MariaDBTestSupport):
/// each test gets a scratch database of its own with the billing schema, so
/// tests do not see each other's rows, and addresses it by URL for the CLI.
enum MariaDBSupport {
    static var password: String { ProcessInfo.processInfo.environment["BILLMIG_MYSQL_PASSWORD"] ?? "billmig" }

    /// A fresh scratch database with the billing schema; returns its name.
    static func freshDatabase(_ label: String) async throws -> String {
        try await ScratchBillingDatabase.create("\(label)_\(UInt32.random(in: 0...UInt32.max))").database
    }

    /// Runs `body` with a fresh database and drops it afterwards, whether `body` threw or not.
    static func withFreshDatabase(_ label: String, _ body: (String) async throws -> Void) async throws {
        let database = try await freshDatabase(label)
        do {
            try await body(database)
        } catch {
            await dropDatabase(database)
            throw error
        }
        await dropDatabase(database)
    }

    static func url(database: String, user: String = "billmig") async throws -> String {
        let server = try await MariaDBTestServer.configuration()
        return "mysql://\(user)@\(server.host):\(server.port)/\(database)"
    }

    static func configuration(database: String, user: String = "billmig", password: String? = nil) async throws -> MySQLConnectionConfiguration {
        try MySQLConnectionConfiguration(
            url: try await url(database: database, user: user), password: .literal(.init(password ?? self.password)))
    }

    /// Inserts every row of the data set, parents first.
    static func insert(_ data: SampleDataSet, into database: String) async throws {
        let connection = try await MySQLConnection.connect(try await configuration(database: database))
        do {
            try await MySQLSampleWriter(connection: connection, options: .init(allowExistingRows: true)).write(data)
            await connection.close()
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Where the binlog ends now, read on a connection to `database`.
    static func binlogEnd(database: String) async throws -> BinlogCoordinates {
        try await withConnection(database: database) { connection in
            try #require(try await connection.binlogEnd(), "the binlog is off: scripts/mariadb turns it on")
        }
    }

    /// Waits (30 s at most) until something is committed after `start`: a background writer has begun.
    static func waitForWrites(after start: BinlogCoordinates, database: String) async throws -> Bool {
        try await withConnection(database: database) { connection in
            try await waitUntil(timeout: .seconds(30)) {
                guard let end = try await connection.binlogEnd() else { return false }
                return end > start
            }
        }
    }

    /// Runs `body` on a connection to `database`, closed afterwards whether `body` threw or not.
    static func withConnection<Result>(
        database: String, isolation: isolated (any Actor)? = #isolation, _ body: (MySQLConnection) async throws -> Result
    ) async throws -> Result {
        let connection = try await MySQLConnection.connect(try await configuration(database: database))
        do {
            let result = try await body(connection)
            await connection.close()
            return result
        } catch {
            await connection.close()
            throw error
        }
    }

    @discardableResult
    static func rootSQL(_ sql: String, database: String? = nil) async -> (Int32, String) {
        await MariaDBTestServer.rootSQL(sql, database: database)
    }

    static func dropDatabase(_ name: String) async {
        await rootSQL("DROP DATABASE IF EXISTS `\(name)`;")
    }
}
