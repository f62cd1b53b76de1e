import ArgumentParser
import Foundation
import Migration
import MigrationCore
import MySQLSource

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check that a MySQL/MariaDB source can be migrated directly (snapshot, then binlog stream).",
        discussion: """
            Verifies binary logging (log_bin), binlog_format=ROW, binlog_row_image=FULL, binlog \
            retention of at least the expected load time plus a margin (the stream starts at the \
            snapshot's position once the load is done, so that log must still exist), the \
            account's privileges (SELECT on the migrated tables, REPLICATION SLAVE, and \
            REPLICATION CLIENT, called BINLOG MONITOR on MariaDB 10.5+), an InnoDB table with \
            a primary key for every table the mapping migrates, and whether the connection \
            is encrypted (TLS version, cipher) and the server's identity verified. Each failure \
            says how to fix it.

            A plain connection is a warning; --require-tls makes it a failure, and \
            --require-verified-tls (for production) also fails an encrypted connection whose \
            server certificate was not checked (ssl-mode=VERIFY_IDENTITY&ssl-ca=...).

            Exit status: 0 every check passed (warnings allowed); 1 a check failed or the \
            source could not be reached.
            """
    )

    @Option(name: [.customLong("from"), .customLong("source")], help: "The source database: mysql://USER@HOST:PORT/DATABASE[?ssl-mode=...].")
    var source: String

    @Option(name: .long, help: "The environment variable holding the password (default BILLMIG_MYSQL_PASSWORD).")
    var passwordEnv: String?

    @Option(name: .long, help: "A file whose first line is the password (wins over --password-env).")
    var passwordFile: String?

    @Option(name: .long, help: "A mapping file (JSON); the billing mapping by default. Its tables are the ones checked.")
    var mapping: String?

    @Option(name: .long, help: "How long the full load is expected to take, in hours.")
    var expectedLoadHours = 24.0

    @Option(name: .long, help: "How much longer than the load the binlog must be kept, in hours (time to notice and recover from a failure).")
    var retentionMarginHours = 24.0

    @Flag(name: .customLong("require-tls"), help: "Fail when the connection to the source is not encrypted.")
    var requireTLS = false

    @Flag(name: .customLong("require-verified-tls"), help: "Fail unless the connection is encrypted and the server's identity verified (ssl-mode=VERIFY_IDENTITY): for production.")
    var requireVerifiedTLS = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard expectedLoadHours > 0, retentionMarginHours >= 0 else {
            throw ValidationError("--expected-load-hours must be positive and --retention-margin-hours not negative")
        }
    }

    func run() async throws {
        let connection = try MySQLSourceOptions.connection(url: source, passwordEnv: passwordEnv, passwordFile: passwordFile, flag: "--from")
        let mapping = try loadMapping(path: mapping)
        let facts: SourceFacts
        do {
            facts = try await SourceFactsReader.read(connection, mapping: mapping, retry: MySQLRetryPolicy(maxAttempts: 2))
        } catch {
            note("billmig check: cannot read \(connection.sourceText): \(error)")
            throw ExitCode(ExitStatus.failure.rawValue)
        }
        let check = SourceCheck(requirements: .init(
            expectedLoadSeconds: expectedLoadHours * 3600, retentionMarginSeconds: retentionMarginHours * 3600,
            transport: requireVerifiedTLS ? .verified : requireTLS ? .encrypted : .none))
        let report = check.evaluate(facts)
        if output.json {
            try output.printJSON(report)
        } else {
            print(Self.render(report, source: connection.sourceText))
        }
        if !report.passed { throw ExitCode(ExitStatus.failure.rawValue) }
    }

    static func render(_ report: SourceCheckReport, source: String) -> String {
        var lines = ["billmig check \(source) as \(report.account) (\(report.version))", ""]
        for finding in report.findings {
            let mark: String
            switch finding.status {
            case .passed: mark = "ok  "
            case .warning: mark = "warn"
            case .failed: mark = "FAIL"
            }
            lines.append("\(mark) \(finding.check): \(finding.message)")
            if let fix = finding.fix, finding.status != .passed {
                lines.append(contentsOf: fix.split(separator: "\n", omittingEmptySubsequences: false).map { "       " + $0 })
            }
        }
        let failed = report.failures.count
        lines.append("")
        lines.append(failed == 0 ? "the source is ready for a direct migration" : "\(failed) check\(failed == 1 ? "" : "s") failed")
        return lines.joined(separator: "\n")
    }
}

extension MySQLConnectionConfiguration {
    /// The source without secrets or options: `mysql://billmig@127.0.0.1:3307/billing`.
    var sourceText: String { "mysql://\(user)@\(host):\(port)/\(database)" }
}
