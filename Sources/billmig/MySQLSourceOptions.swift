import ArgumentParser
import BillingModel
import DMSStaging
import Migration
import MySQLSource

/// Which MySQL database a command reads, which table it writes, with which
/// mapping, and where it keeps its state: shared by the commands that talk to
/// MySQL directly (`load --from mysql://`, `stream`, `stage`, `check`, `validate`).
///
/// The password never appears on the command line: it comes from the variable
/// named by `--password-env` (default `BILLMIG_MYSQL_PASSWORD`) or from `--password-file`.
struct MySQLSourceOptions: ParsableArguments {
    @Option(name: [.customLong("from"), .customLong("source")], help: "The source database: mysql://USER@HOST:PORT/DATABASE[?ssl-mode=REQUIRED&ssl-ca=FILE&read-timeout=30...].")
    var from: String

    @Option(name: .long, help: "The environment variable holding the password (default BILLMIG_MYSQL_PASSWORD).")
    var passwordEnv: String?

    @Option(name: .long, help: "A file whose first line is the password (wins over --password-env).")
    var passwordFile: String?

    @Option(name: .long, help: "The DynamoDB table.")
    var table = "BillingSystem"

    @Option(name: .long, help: "A mapping file (JSON, see docs/mapping-format.md); the billing mapping by default.")
    var mapping: String?

    @Option(name: .long, help: "Where checkpoints, the snapshot position and dead letters are kept (s3://… or a folder). Default: .billmig/{table}/.")
    var state: String?

    var isMySQL: Bool { Self.isMySQL(from) }

    /// True when `location` names a MySQL source (`mysql://…`, any case) rather than
    /// staged files: the one place every command tells the two apart.
    static func isMySQL(_ location: String) -> Bool { location.lowercased().hasPrefix("mysql://") }

    /// The connection settings, the state location and the mapping.
    func resolve() throws -> (connection: MySQLConnectionConfiguration, state: StagingLocation, mapping: Mapping) {
        let connection = try Self.connection(url: from, passwordEnv: passwordEnv, passwordFile: passwordFile)
        let stateLocation = try StagingLocation(parsing: state ?? Self.defaultState(table: table))
        return (connection, stateLocation, try loadMapping(path: mapping))
    }

    /// `resolve()`, refusing a mapping that does not describe the source's tables.
    func resolveVerified() async throws -> (connection: MySQLConnectionConfiguration, state: StagingLocation, mapping: Mapping) {
        let resolved = try resolve()
        try await Self.verify(resolved.mapping, against: resolved.connection)
        return resolved
    }

    /// Refuses a mapping that differs from the source's tables (each difference
    /// named). An unreachable source is left to the command's own connection
    /// handling, which retries and names it.
    static func verify(_ mapping: Mapping, against connection: MySQLConnectionConfiguration) async throws {
        do {
            try await connection.verify(mapping)
        } catch let error as SourceMappingError {
            throw CommandError(error.description)
        } catch {
            return
        }
    }

    /// The default state location of a direct MySQL run.
    static func defaultState(table: String) -> String { ".billmig/\(table)" }

    /// Connection settings from a mysql:// URL and the password flags (for
    /// commands that declare their own source flag, e.g. `check`).
    static func connection(url: String, passwordEnv: String?, passwordFile: String?, flag: String = "--from") throws -> MySQLConnectionConfiguration {
        let password: MySQLConnectionConfiguration.PasswordSource =
            passwordFile.map { .file($0) }
            ?? .environment(passwordEnv ?? MySQLConnectionConfiguration.defaultPasswordVariable)
        do {
            return try MySQLConnectionConfiguration(url: url, password: password)
        } catch {
            throw CommandError("\(flag): \(error)")
        }
    }
}
