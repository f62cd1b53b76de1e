import Foundation
import MySQLSource
import Testing

/// A database of its own with the six billing tables (schema/billing.sql), for
/// tests that empty, fill or churn whole tables without disturbing the tests
/// that share `billing`. Named `billing_*`, which `scripts/mariadb` grants to
/// the test user.
public enum ScratchBillingDatabase {
    /// Drops and recreates `billing_{name}`; returns a configuration pointing at it.
    public static func create(_ name: String) async throws -> MySQLConnectionConfiguration {
        var configuration = try await MariaDBTestServer.configuration()
        let database = "billing_" + name
        let connection = try await MySQLConnection.connect(configuration, retry: .none)
        var denied = false
        do {
            try await connection.execute("DROP DATABASE IF EXISTS `\(database)`")
            try await connection.execute("CREATE DATABASE `\(database)` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        } catch {
            await connection.close()
            // ER_DBACCESS_DENIED_ERROR: a server of BILLMIG_MYSQL_URL without scripts/mariadb's grants.
            guard error.errorNumber == 1044 else { throw error }
            denied = true
        }
        if denied {
            try RequiredServer.unavailable(
                "MariaDB", reason: "the test user may not create \(database): grant ALL ON `billing\\_%`.* as scripts/mariadb does")
        }
        try await connection.execute("USE `\(database)`")
        for statement in try tableStatements() {
            try await connection.execute(statement)
        }
        await connection.close()
        configuration.database = database
        return configuration
    }

    /// The CREATE TABLE statements of schema/billing.sql.
    public static func tableStatements() throws -> [String] {
        let schema = try String(
            contentsOf: MariaDBTestServer.packageRoot.appendingPathComponent("schema/billing.sql"), encoding: .utf8)
        let withoutComments = schema.split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in line.range(of: "--").map { String(line[..<$0.lowerBound]) } ?? String(line) }
            .joined(separator: "\n")
        return withoutComments.split(separator: ";")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { $0.hasPrefix("CREATE TABLE") }
    }
}
