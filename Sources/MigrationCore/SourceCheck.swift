/// Decides from `SourceFacts` whether a MySQL or MariaDB source can be
/// migrated directly (snapshot, then binlog stream), and says how to fix what
/// cannot. Pure: `billmig check` gathers the facts and prints the report.
public struct SourceCheck: Sendable {
    public struct Requirements: Sendable, Equatable {
        /// How long the full load is expected to run.
        public var expectedLoadSeconds: Double
        /// Extra time the binlog must outlive the load by: the stream starts
        /// at the snapshot's position only once the load is done, and a failed
        /// load or stream must be noticed, fixed and restarted in that time.
        public var retentionMarginSeconds: Double

        /// What the connection to the source must prove about its encryption.
        public var transport: TransportRequirement

        public init(
            expectedLoadSeconds: Double = 24 * 3600, retentionMarginSeconds: Double = 24 * 3600, transport: TransportRequirement = .none
        ) {
            self.expectedLoadSeconds = expectedLoadSeconds
            self.retentionMarginSeconds = retentionMarginSeconds
            self.transport = transport
        }

        public var minimumRetentionSeconds: Double { expectedLoadSeconds + retentionMarginSeconds }
    }

    public enum TransportRequirement: String, Sendable, Equatable {
        /// A plain connection is a warning (`check` without `--require-tls`).
        case none
        /// A plain connection fails the check (`--require-tls`).
        case encrypted
        /// A plain connection, or an encrypted one whose server was not verified, fails (`--require-verified-tls`).
        case verified
    }

    public let requirements: Requirements

    public init(requirements: Requirements = Requirements()) {
        self.requirements = requirements
    }

    public func evaluate(_ facts: SourceFacts) -> SourceCheckReport {
        var findings: [SourceCheckFinding] = []
        if let transport = self.transport(facts) { findings.append(transport) }
        findings.append(logBin(facts))
        findings.append(setting(
            "binlog_format", facts.binlogFormat, wanted: "ROW", facts: facts,
            why: "the stream decodes row events; STATEMENT and MIXED logs carry SQL text instead of rows"))
        findings.append(setting(
            "binlog_row_image", facts.binlogRowImage, wanted: "FULL", facts: facts,
            why: "updates and deletes must carry every column, or items cannot be rebuilt from them"))
        findings.append(retention(facts))
        findings.append(contentsOf: privileges(facts))
        findings.append(contentsOf: tables(facts))
        return SourceCheckReport(account: facts.account, version: facts.version, findings: findings, transport: facts.transport)
    }

    // MARK: Transport

    private func transport(_ facts: SourceFacts) -> SourceCheckFinding? {
        let required = requirements.transport
        let verifyFix = "connect with ssl-mode=VERIFY_IDENTITY&ssl-ca=/path/to/the-server-ca.pem in the source URL "
            + "(Amazon RDS / Aurora: the region's global-bundle.pem)"
        guard let transport = facts.transport else {
            guard required != .none else { return nil }
            return .init(check: "tls", status: .failed, message: "could not tell whether the connection is encrypted")
        }
        guard transport.encrypted else {
            let why = "rows and binlog events would cross the network in clear text"
            let fix = transport.sslMode == "DISABLED"
                ? "remove ssl-mode=DISABLED from the source URL (the default, PREFERRED, uses TLS whenever the server offers it)"
                : """
                    the server offers no TLS: add to its my.cnf under [\(facts.isMariaDB ? "mariadbd" : "mysqld")] and restart:
                      ssl_cert = /etc/mysql/server-cert.pem
                      ssl_key = /etc/mysql/server-key.pem
                      tls_version = TLSv1.2,TLSv1.3
                    then \(verifyFix)
                    """
            return .init(
                check: "tls", status: required == .none ? .warning : .failed,
                message: "the connection is not encrypted (ssl-mode=\(transport.sslMode)): \(why)", fix: fix)
        }
        let negotiated = [transport.tlsVersion, transport.cipher].compactMap { $0 }.joined(separator: ", ")
        let encrypted = "encrypted" + (negotiated.isEmpty ? "" : " (\(negotiated))")
        guard transport.identityVerified else {
            let message = "\(encrypted); the server's identity is not verified (ssl-mode=\(transport.sslMode)): "
                + "a machine in the middle could pose as the server"
            return required == .verified
                ? .init(check: "tls", status: .failed, message: message, fix: verifyFix)
                : .init(check: "tls", status: .passed, message: message)
        }
        return .init(check: "tls", status: .passed, message: "\(encrypted); server identity verified (ssl-mode=\(transport.sslMode))")
    }

    // MARK: Binlog settings

    private func logBin(_ facts: SourceFacts) -> SourceCheckFinding {
        guard facts.logBin == true else {
            return .init(
                check: "log_bin", status: .failed,
                message: facts.logBin == nil
                    ? "could not read @@log_bin: binary logging must be on"
                    : "binary logging is off (log_bin=OFF): changes after the snapshot could not be streamed",
                fix: """
                    add to the server's my.cnf under [\(facts.isMariaDB ? "mariadbd" : "mysqld")] and restart (log_bin is not dynamic):
                      log_bin = \(facts.isMariaDB ? "mariadb-bin" : "mysql-bin")
                      server_id = 1
                    (Amazon RDS: enable automated backups, which turns binary logging on)
                    """)
        }
        return .init(check: "log_bin", status: .passed, message: "binary logging is on")
    }

    private func setting(_ name: String, _ value: String?, wanted: String, facts: SourceFacts, why: String) -> SourceCheckFinding {
        guard let value, value.uppercased() == wanted else {
            return .init(
                check: name, status: .failed,
                message: "\(name) is \(value ?? "unknown"), it must be \(wanted): \(why)",
                fix: """
                    SET GLOBAL \(name) = '\(wanted)';   -- new sessions; existing writers keep theirs until they reconnect
                    and in my.cnf under [\(facts.isMariaDB ? "mariadbd" : "mysqld")] so a restart keeps it:
                      \(name) = \(wanted)
                    (Amazon RDS / Aurora: set \(name) = \(wanted) in the DB parameter group)
                    """)
        }
        return .init(check: name, status: .passed, message: "\(name) = \(wanted)")
    }

    private func retention(_ facts: SourceFacts) -> SourceCheckFinding {
        let needed = requirements.minimumRetentionSeconds
        let neededText = Self.hours(needed)
        let why = "the stream starts at the snapshot's binlog position when the load is done, so that log must still "
            + "exist after the expected load (\(Self.hours(requirements.expectedLoadSeconds))) plus a margin to recover "
            + "from a failure (\(Self.hours(requirements.retentionMarginSeconds)))"
        guard facts.reportsRetention else {
            return .init(
                check: "binlog_retention", status: .warning,
                message: "the server reports neither binlog_expire_logs_seconds nor expire_logs_days; make sure binary logs are kept at least \(neededText): \(why)")
        }
        guard let kept = facts.binlogRetentionSeconds else {
            return .init(
                check: "binlog_retention", status: .passed,
                message: "binary logs never expire (both expiry settings are 0); watch the disk")
        }
        guard kept >= needed else {
            let seconds = Int(needed.rounded(.up))
            let days = Int((needed / 86_400).rounded(.up))
            let hasSeconds = facts.binlogExpireLogsSeconds != nil
            var fix = hasSeconds
                ? "SET GLOBAL binlog_expire_logs_seconds = \(seconds);\nand in my.cnf: binlog_expire_logs_seconds = \(seconds)"
                : "SET GLOBAL expire_logs_days = \(days);\nand in my.cnf: expire_logs_days = \(days)"
            fix += "\n(Amazon RDS: CALL mysql.rds_set_configuration('binlog retention hours', \(Int((needed / 3600).rounded(.up))));)"
            return .init(
                check: "binlog_retention", status: .failed,
                message: "binary logs are kept \(Self.hours(kept)), at least \(neededText) are needed: \(why)",
                fix: fix)
        }
        return .init(check: "binlog_retention", status: .passed, message: "binary logs are kept \(Self.hours(kept)) (at least \(neededText) needed)")
    }

    // MARK: Privileges

    private func privileges(_ facts: SourceFacts) -> [SourceCheckFinding] {
        let grants = SourceGrants(lines: facts.grants)
        let account = Self.quotedAccount(facts.account)
        let roleNote = grants.roles.isEmpty ? "" : " (privileges held through roles \(grants.roles.joined(separator: ", ")) are not counted: grant them to the account itself, or make sure the role is active by default)"
        var findings: [SourceCheckFinding] = []

        let unreadable = facts.tables.filter { !grants.has("SELECT", database: facts.database, table: $0.name) }.map(\.name)
        if unreadable.isEmpty {
            findings.append(.init(check: "privilege_select", status: .passed, message: "SELECT on every migrated table"))
        } else {
            findings.append(.init(
                check: "privilege_select", status: .failed,
                message: "\(facts.account) cannot SELECT from \(unreadable.joined(separator: ", ")) in \(facts.database): the snapshot reads every row\(roleNote)",
                fix: "GRANT SELECT ON `\(facts.database)`.* TO \(account);"))
        }

        if grants.hasGlobal("REPLICATION SLAVE") {
            findings.append(.init(check: "privilege_replication_slave", status: .passed, message: "REPLICATION SLAVE on *.*"))
        } else {
            findings.append(.init(
                check: "privilege_replication_slave", status: .failed,
                message: "\(facts.account) lacks REPLICATION SLAVE on *.*: the stream reads the binlog as a replica does\(roleNote)",
                fix: "GRANT REPLICATION SLAVE ON *.* TO \(account);"))
        }

        // SHOW MASTER STATUS / SHOW BINARY LOGS: where the binlog ends, which files exist.
        let monitorName = usesBinlogMonitorName(facts) ? "BINLOG MONITOR" : "REPLICATION CLIENT"
        let superCounts = !usesBinlogMonitorName(facts) && grants.hasGlobal("SUPER")
        if grants.hasGlobal("BINLOG MONITOR") || superCounts {
            findings.append(.init(check: "privilege_binlog_monitor", status: .passed, message: "\(monitorName) on *.*"))
        } else {
            findings.append(.init(
                check: "privilege_binlog_monitor", status: .failed,
                message: "\(facts.account) lacks \(monitorName) on *.*: SHOW MASTER STATUS and SHOW BINARY LOGS tell where the binlog ends and which files are still kept\(roleNote)",
                fix: "GRANT \(monitorName) ON *.* TO \(account);"))
        }
        return findings
    }

    /// MariaDB 10.5 renamed REPLICATION CLIENT to BINLOG MONITOR (the old name is an alias).
    private func usesBinlogMonitorName(_ facts: SourceFacts) -> Bool {
        guard facts.isMariaDB, let version = facts.majorMinor else { return false }
        return version.major > 10 || (version.major == 10 && version.minor >= 5)
    }

    // MARK: Tables

    private func tables(_ facts: SourceFacts) -> [SourceCheckFinding] {
        var findings: [SourceCheckFinding] = []
        var good: [String] = []
        for table in facts.tables {
            let name = "`\(facts.database)`.`\(table.name)`"
            guard table.exists else {
                findings.append(.init(
                    check: "table", status: .failed, table: table.name,
                    message: "\(name) does not exist (or \(facts.account) cannot see it), but the mapping migrates it",
                    fix: "create it from the schema (schema/billing.sql), or use a mapping without it (--mapping)"))
                continue
            }
            var ok = true
            if let engine = table.engine, engine.lowercased() != "innodb" {
                ok = false
                findings.append(.init(
                    check: "table_engine", status: .failed, table: table.name,
                    message: "\(name) uses \(engine): a consistent snapshot covers InnoDB tables only",
                    fix: "ALTER TABLE \(name) ENGINE = InnoDB;"))
            }
            if table.primaryKey.isEmpty {
                ok = false
                findings.append(.init(
                    check: "primary_key", status: .failed, table: table.name,
                    message: "\(name) has no primary key: the snapshot reads in primary-key chunks, and changes are matched to items by key",
                    fix: "ALTER TABLE \(name) ADD PRIMARY KEY (<the columns that identify a row>);"))
            }
            if !table.mappingDifferences.isEmpty {
                ok = false
                findings.append(.init(
                    check: "mapping", status: .failed, table: table.name,
                    message: "the mapping does not describe \(name) as the source has it: rows would be misread\n"
                        + table.mappingDifferences.map { "  " + $0 }.joined(separator: "\n"),
                    fix: "correct the mapping's columns of \(table.name) to the source's (names, order, types, nullability), or pass the mapping that matches (--mapping)"))
            }
            if ok { good.append(table.name) }
        }
        if !good.isEmpty {
            findings.append(.init(
                check: "tables", status: .passed,
                message: "\(good.count) of \(facts.tables.count) migrated tables are InnoDB with a primary key"))
        }
        return findings
    }

    // MARK: Formatting

    /// A duration for people: `1.5 h`, `24 h`, `7 days`.
    public static func hours(_ seconds: Double) -> String {
        let hours = seconds / 3600
        if hours >= 48 && (hours / 24).rounded() == hours / 24 { return "\(Int(hours / 24)) days" }
        return hours.rounded() == hours ? "\(Int(hours)) h" : String(Int((hours * 10).rounded())) .insertingDecimal() + " h"
    }

    /// `billmig@127.0.0.1` as `'billmig'@'127.0.0.1'`.
    static func quotedAccount(_ account: String) -> String {
        guard let at = account.lastIndex(of: "@") else { return "'\(account)'" }
        return "'\(account[..<at])'@'\(account[account.index(after: at)...])'"
    }
}

private extension String {
    /// `"15"` as `"1.5"`: one decimal place from tenths.
    func insertingDecimal() -> String {
        count <= 1 ? "0." + self : String(dropLast()) + "." + String(last!)
    }
}

/// One verdict of `billmig check`.
public struct SourceCheckFinding: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        case passed
        /// Worth knowing; does not fail the check.
        case warning
        case failed
    }

    /// What was checked: `log_bin`, `binlog_format`, `privilege_select`, `primary_key`...
    public var check: String
    public var status: Status
    /// The table the finding is about, for table checks.
    public var table: String?
    public var message: String
    /// How to fix a failure: the my.cnf line, the SET GLOBAL or the GRANT statement.
    public var fix: String?

    public init(check: String, status: Status, table: String? = nil, message: String, fix: String? = nil) {
        self.check = check
        self.status = status
        self.table = table
        self.message = message
        self.fix = fix
    }
}

/// Everything `billmig check` found.
public struct SourceCheckReport: Sendable, Codable, Equatable {
    public var account: String
    public var version: String
    public var findings: [SourceCheckFinding]
    /// How the check's own connection travelled; nil when not known.
    public var transport: SourceFacts.Transport?

    public init(account: String, version: String, findings: [SourceCheckFinding], transport: SourceFacts.Transport? = nil) {
        self.account = account
        self.version = version
        self.findings = findings
        self.transport = transport
        self.passed = !findings.contains { $0.status == .failed }
    }

    /// No failure (warnings allowed).
    public var passed: Bool
    public var failures: [SourceCheckFinding] { findings.filter { $0.status == .failed } }
}
