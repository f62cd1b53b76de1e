import Foundation
import BillingModel
import MigrationCore
import Testing

@Suite struct SourceGrantsTests {
    @Test func globalDatabaseAndTableGrants() {
        let grants = SourceGrants(lines: [
            "GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '*ABC'",
            "GRANT SELECT ON `billing`.`CHARGE` TO `app`@`%`",
            "GRANT INSERT, UPDATE ON `billing`.* TO `app`@`%`",
        ])
        #expect(grants.has("SELECT", database: "billing", table: "CHARGE"))
        #expect(!grants.has("SELECT", database: "billing", table: "BILL"))
        #expect(grants.has("update", database: "billing", table: "BILL"))
        #expect(!grants.has("UPDATE", database: "other", table: "BILL"))
        #expect(!grants.hasGlobal("SELECT"))
        #expect(grants.unparsed.isEmpty)
    }

    @Test func allPrivilegesCoverTheirScopeOnly() {
        let database = SourceGrants(lines: ["GRANT ALL PRIVILEGES ON `billing`.* TO `u`@`h` WITH GRANT OPTION"])
        #expect(database.has("SELECT", database: "billing", table: "CHARGE"))
        // Replication privileges exist only globally: ALL on a database does not give them.
        #expect(!database.hasGlobal("REPLICATION SLAVE"))
        let global = SourceGrants(lines: ["GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION"])
        #expect(global.hasGlobal("REPLICATION SLAVE"))
        #expect(global.hasGlobal("BINLOG MONITOR"))
        #expect(global.has("SELECT", database: "anything", table: "T"))
    }

    @Test func mariaDBAndMySQLNamesOfOnePrivilegeAreOne() {
        let mariadb = SourceGrants(lines: ["GRANT SELECT, RELOAD, BINLOG MONITOR, REPLICATION SLAVE ON *.* TO `billmig`@`127.0.0.1`"])
        let mysql = SourceGrants(lines: ["GRANT REPLICATION CLIENT, REPLICATION REPLICA ON *.* TO `billmig`@`%`"])
        for grants in [mariadb, mysql] {
            #expect(grants.hasGlobal("REPLICATION SLAVE"))
            #expect(grants.hasGlobal("REPLICATION CLIENT"))
            #expect(grants.hasGlobal("BINLOG MONITOR"))
        }
        #expect(mariadb.has("SELECT", database: "billing", table: "X"))
        #expect(!mysql.has("SELECT", database: "billing", table: "X"))
    }

    @Test func columnGrantsDoNotAllowReadingWholeRows() {
        let grants = SourceGrants(lines: ["GRANT SELECT (`ban`, `amount`), INSERT ON `billing`.`CHARGE` TO `u`@`%`"])
        #expect(!grants.has("SELECT", database: "billing", table: "CHARGE"))
        #expect(grants.has("INSERT", database: "billing", table: "CHARGE"))
        #expect(grants.grants.first?.columnPrivileges == ["SELECT"])
    }

    @Test func databaseGrantsMatchAsLikePatterns() {
        let grants = SourceGrants(lines: [
            "GRANT SELECT ON `bill%`.* TO `u`@`%`",
            "GRANT INSERT ON `a\\_b`.* TO `u`@`%`",
        ])
        #expect(grants.has("SELECT", database: "billing", table: "T"))
        #expect(grants.has("SELECT", database: "bill", table: "T"))
        #expect(!grants.has("SELECT", database: "bil", table: "T"))
        #expect(grants.has("INSERT", database: "a_b", table: "T"))
        #expect(!grants.has("INSERT", database: "axb", table: "T"), "an escaped underscore is literal")
        #expect(SourceGrants.like("a1c", pattern: "a_c"))
        #expect(!SourceGrants.like("ac", pattern: "a_c"))
    }

    @Test func rolesRoutinesAndQuotedNames() {
        let grants = SourceGrants(lines: [
            "GRANT `reader` TO `u`@`%`",
            "GRANT EXECUTE ON PROCEDURE `billing`.`p` TO `u`@`%`",
            "GRANT PROXY ON ''@'%' TO 'u'@'%'",
            "GRANT SELECT ON `we``ird`.`t.1` TO `u`@`%`",
        ])
        #expect(grants.roles == ["`reader`"])
        #expect(grants.has("SELECT", database: "we`ird", table: "t.1"))
        #expect(grants.grants.count == 1)
        #expect(grants.unparsed.isEmpty)
    }
}

@Suite struct SourceCheckTests {
    static let tables = ["BILLING_ACCOUNT", "CHARGE"]

    /// A source that passes every check (MariaDB 10.11, as scripts/mariadb sets it up).
    static func good() -> SourceFacts {
        SourceFacts(
            version: "10.11.6-MariaDB-0+deb12u1-log", logBin: true, binlogFormat: "ROW", binlogRowImage: "FULL",
            binlogExpireLogsSeconds: 604_800, expireLogsDays: 7, account: "billmig@127.0.0.1",
            grants: [
                "GRANT SELECT, RELOAD, BINLOG MONITOR, REPLICATION SLAVE ON *.* TO `billmig`@`127.0.0.1` IDENTIFIED BY PASSWORD '*X'"
            ],
            database: "billing",
            tables: tables.map { .init(name: $0, exists: true, engine: "InnoDB", primaryKey: ["id"]) })
    }

    static func failed(_ report: SourceCheckReport) -> [String] { report.failures.map(\.check) }

    @Test func aMappingThatDiffersFromATableFailsWithEachDifference() {
        var facts = Self.good()
        facts.tables[1].mappingDifferences = ["CHARGE.a: x", "CHARGE.b: y"]
        let report = SourceCheck().evaluate(facts)
        #expect(!report.passed)
        #expect(Self.failed(report) == ["mapping"])
        #expect(report.failures.first?.table == "CHARGE")
        #expect(report.failures.first?.message.contains("\n  CHARGE.a: x\n  CHARGE.b: y") == true)
        #expect(report.failures.first?.fix?.contains("--mapping") == true)
    }

    @Test func aWellConfiguredSourcePasses() {
        let report = SourceCheck().evaluate(Self.good())
        #expect(report.passed)
        #expect(report.failures.isEmpty)
        #expect(report.findings.filter { $0.status == .passed }.map(\.check) == [
            "log_bin", "binlog_format", "binlog_row_image", "binlog_retention", "privilege_select",
            "privilege_replication_slave", "privilege_binlog_monitor", "tables",
        ])
    }

    @Test func binlogOffWrongFormatAndImageEachFailWithTheirFix() {
        var facts = Self.good()
        facts.logBin = false
        facts.binlogFormat = "MIXED"
        facts.binlogRowImage = "MINIMAL"
        let report = SourceCheck().evaluate(facts)
        #expect(!report.passed)
        #expect(Self.failed(report) == ["log_bin", "binlog_format", "binlog_row_image"])
        let byCheck = Dictionary(report.findings.map { ($0.check, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byCheck["log_bin"]?.fix?.contains("log_bin = mariadb-bin") == true)
        #expect(byCheck["log_bin"]?.fix?.contains("[mariadbd]") == true)
        #expect(byCheck["binlog_format"]?.message.contains("MIXED") == true)
        #expect(byCheck["binlog_format"]?.fix?.contains("SET GLOBAL binlog_format = 'ROW';") == true)
        #expect(byCheck["binlog_row_image"]?.fix?.contains("binlog_row_image = FULL") == true)
    }

    @Test func retentionMustCoverTheLoadAndTheMargin() {
        var facts = Self.good()
        facts.binlogExpireLogsSeconds = 86_400
        facts.expireLogsDays = 1
        // A 10 h load plus a 24 h margin needs 34 h; one day is not enough.
        let strict = SourceCheck(requirements: .init(expectedLoadSeconds: 10 * 3600, retentionMarginSeconds: 24 * 3600))
        let report = strict.evaluate(facts)
        #expect(Self.failed(report) == ["binlog_retention"])
        let finding = report.failures[0]
        #expect(finding.message.contains("24 h") && finding.message.contains("34 h"))
        #expect(finding.fix?.contains("binlog_expire_logs_seconds = 122400") == true)
        #expect(finding.fix?.contains("'binlog retention hours', 34") == true)
        // A 2 h load with a 12 h margin fits in one day.
        let relaxed = SourceCheck(requirements: .init(expectedLoadSeconds: 2 * 3600, retentionMarginSeconds: 12 * 3600))
        #expect(relaxed.evaluate(facts).passed)
    }

    @Test func retentionSettingsAreReadAsTheServerDoes() {
        var facts = Self.good()
        // MySQL 8: a non-zero binlog_expire_logs_seconds wins over expire_logs_days.
        facts.binlogExpireLogsSeconds = 3600
        facts.expireLogsDays = 30
        #expect(facts.binlogRetentionSeconds == 3600)
        #expect(Self.failed(SourceCheck().evaluate(facts)) == ["binlog_retention"])
        // Older MariaDB: only expire_logs_days, fractions allowed; the fix names it.
        facts.binlogExpireLogsSeconds = nil
        facts.expireLogsDays = 0.5
        #expect(facts.binlogRetentionSeconds == 43_200)
        #expect(SourceCheck().evaluate(facts).failures.first?.fix?.contains("expire_logs_days = 2") == true)
        // Both 0: logs never expire, which passes.
        facts.binlogExpireLogsSeconds = 0
        facts.expireLogsDays = 0
        #expect(facts.binlogRetentionSeconds == nil)
        #expect(SourceCheck().evaluate(facts).passed)
        // Neither reported: a warning, not a failure.
        facts.binlogExpireLogsSeconds = nil
        facts.expireLogsDays = nil
        let report = SourceCheck().evaluate(facts)
        #expect(report.passed)
        #expect(report.findings.contains { $0.check == "binlog_retention" && $0.status == .warning })
    }

    @Test func missingPrivilegesNameTheGrantToRun() {
        var facts = Self.good()
        facts.grants = ["GRANT USAGE ON *.* TO `reader`@`%`", "GRANT SELECT ON `billing`.`CHARGE` TO `reader`@`%`"]
        facts.account = "reader@%"
        let report = SourceCheck().evaluate(facts)
        #expect(Self.failed(report) == ["privilege_select", "privilege_replication_slave", "privilege_binlog_monitor"])
        let select = report.failures[0]
        #expect(select.message.contains("BILLING_ACCOUNT") && !select.message.contains("CHARGE"))
        #expect(select.fix == "GRANT SELECT ON `billing`.* TO 'reader'@'%';")
        #expect(report.failures[1].fix == "GRANT REPLICATION SLAVE ON *.* TO 'reader'@'%';")
        #expect(report.failures[2].fix == "GRANT BINLOG MONITOR ON *.* TO 'reader'@'%';")
    }

    @Test func mysqlAndOldMariaDBUseReplicationClientAndSuperCounts() {
        var facts = Self.good()
        facts.version = "8.0.36"
        facts.grants = ["GRANT SELECT, REPLICATION SLAVE ON *.* TO `u`@`%`"]
        let mysql = SourceCheck().evaluate(facts)
        #expect(mysql.failures.map(\.fix) == ["GRANT REPLICATION CLIENT ON *.* TO 'billmig'@'127.0.0.1';"])
        #expect(mysql.failures[0].fix?.contains("BINLOG MONITOR") == false)
        facts.grants = ["GRANT SELECT, SUPER, REPLICATION SLAVE ON *.* TO `u`@`%`"]
        #expect(SourceCheck().evaluate(facts).passed, "SUPER allows SHOW MASTER STATUS on MySQL")
        facts.version = "10.11.6-MariaDB"
        #expect(!SourceCheck().evaluate(facts).passed, "MariaDB 10.5+ split BINLOG MONITOR out of SUPER")
    }

    @Test func rolesAreMentionedWhenPrivilegesAreMissing() {
        var facts = Self.good()
        facts.grants = ["GRANT `migrator` TO `billmig`@`127.0.0.1`", "GRANT USAGE ON *.* TO `billmig`@`127.0.0.1`"]
        let report = SourceCheck().evaluate(facts)
        #expect(report.failures.count == 3)
        #expect(report.failures.allSatisfy { $0.message.contains("`migrator`") })
    }

    @Test func everyMigratedTableNeedsToExistBeInnoDBAndHaveAPrimaryKey() {
        var facts = Self.good()
        facts.tables = [
            .init(name: "BILLING_ACCOUNT", exists: true, engine: "InnoDB", primaryKey: ["ban"]),
            .init(name: "CHARGE", exists: true, engine: "InnoDB", primaryKey: []),
            .init(name: "BILL", exists: true, engine: "MyISAM", primaryKey: ["bill_seq"]),
            .init(name: "SUBSCRIBER", exists: false, engine: nil, primaryKey: []),
        ]
        let report = SourceCheck().evaluate(facts)
        #expect(report.failures.map { "\($0.check):\($0.table ?? "")" } == [
            "primary_key:CHARGE", "table_engine:BILL", "table:SUBSCRIBER",
        ])
        #expect(report.failures[0].fix == "ALTER TABLE `billing`.`CHARGE` ADD PRIMARY KEY (<the columns that identify a row>);")
        #expect(report.failures[1].fix == "ALTER TABLE `billing`.`BILL` ENGINE = InnoDB;")
        #expect(report.findings.contains { $0.check == "tables" && $0.message.hasPrefix("1 of 4") })
    }

    @Test func unknownSettingsFailRatherThanPass() {
        var facts = Self.good()
        facts.logBin = nil
        facts.binlogFormat = nil
        facts.binlogRowImage = nil
        #expect(Self.failed(SourceCheck().evaluate(facts)) == ["log_bin", "binlog_format", "binlog_row_image"])
    }

    @Test func hoursReadNaturally() {
        #expect(SourceCheck.hours(3600) == "1 h")
        #expect(SourceCheck.hours(5400) == "1.5 h")
        #expect(SourceCheck.hours(7 * 86_400) == "7 days")
        #expect(SourceCheck.hours(86_400) == "24 h")
    }
}

@Suite struct SnapshotTableCheckpointTests {
    @Test func keysOfEveryKindSurviveJSON() throws {
        let key: [SourceValue] = [.text("SUB-1"), .bytes([0, 1, 2, 250, 251, 252, 253]), .null, .bytes([]), .text("")]
        let checkpoint = SnapshotTableCheckpoint(
            table: "CHARGE", state: .inProgress, lastKey: key, rowsDone: 42,
            counts: .init(rowsRead: 42, itemsWritten: 41, deadLettered: 1), updatedAt: "2026-01-01T00:00:00Z")
        let decoded = try JSONDecoder().decode(SnapshotTableCheckpoint.self, from: JSONEncoder().encode(checkpoint))
        #expect(decoded == checkpoint)
        #expect(decoded.resumeKey == key)
        for length in 0..<8 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 200) }
            #expect(SnapshotTableCheckpoint.KeyValue(.bytes(bytes)).value == .bytes(bytes))
        }
        #expect(SnapshotTableCheckpoint.KeyValue(.bytes([0xFB, 0xFF])).base64 == "+/8=")
        #expect(checkpoint.fileCheckpoint.file == "snapshot/CHARGE")
        #expect(checkpoint.fileCheckpoint.recordsDone == 42)
        #expect(checkpoint.fileCheckpoint.counts.deadLettered == 1)
    }
}
