import Foundation
import MigrationCore
import Testing

/// `billmig check` against the private MariaDB, with each misconfiguration
/// that can be produced locally.
@Suite(.serialized)
struct CheckCommandIntegrationTests {
    static func check(_ database: String, user: String = "billmig", password: String = MariaDBSupport.password, extra: [String] = [])
        async throws -> (status: Int32, report: SourceCheckReport?, stderr: String)
    {
        let result = try await BillmigCLI.run(
            ["check", "--source", try await MariaDBSupport.url(database: database, user: user), "--password-env", "SNAPTEST_PASSWORD", "--json"] + extra,
            environment: ["SNAPTEST_PASSWORD": password])
        return (result.status, try? JSONDecoder().decode(SourceCheckReport.self, from: Data(result.stdout.utf8)), result.stderr)
    }

    static func failures(_ report: SourceCheckReport?) -> [String] {
        (report?.failures ?? []).map { finding in finding.table.map { "\(finding.check):\($0)" } ?? finding.check }
    }

    @Test func theScriptedServerPassesAndItsTextSaysSo() async throws {
        let database = try await MariaDBSupport.freshDatabase("checkok")
        let (status, report, stderr) = try await Self.check(database)
        #expect(status == 0, "\(stderr)")
        #expect(report?.passed == true)
        #expect(report?.account == "billmig@127.0.0.1")
        #expect(report?.findings.contains { $0.check == "binlog_retention" && $0.status == .passed } == true)

        let text = try await BillmigCLI.run(
            ["check", "--source", try await MariaDBSupport.url(database: database)], environment: ["BILLMIG_MYSQL_PASSWORD": MariaDBSupport.password])
        #expect(text.status == 0)
        #expect(text.stdout.contains("the source is ready for a direct migration"))
        // The default scripts keep binlogs 7 days; a 10-day load needs more.
        let long = try await Self.check(database, extra: ["--expected-load-hours", "240"])
        #expect(long.status == 1)
        #expect(Self.failures(long.report) == ["binlog_retention"])
        await MariaDBSupport.dropDatabase(database)
    }

    @Test func tablesWithoutPrimaryKeyOrInnoDBOrAtAllAreFound() async throws {
        let database = try await MariaDBSupport.freshDatabase("checktables")
        let (status, output) = await MariaDBSupport.rootSQL("""
            SET FOREIGN_KEY_CHECKS = 0;
            DROP TABLE CHARGE;
            CREATE TABLE CHARGE (ban BIGINT UNSIGNED NOT NULL, amount DECIMAL(12,4)) ENGINE=InnoDB;
            DROP TABLE SERVICE_AGREEMENT;
            ALTER TABLE BILL DROP FOREIGN KEY fk_bill_ban;
            ALTER TABLE BILL ENGINE = MyISAM;
            """, database: database)
        #expect(status == 0, "\(output)")
        let result = try await Self.check(database)
        #expect(result.status == 1)
        #expect(Self.failures(result.report) == ["table:SERVICE_AGREEMENT", "table_engine:BILL", "primary_key:CHARGE"])
        #expect(result.report?.failures.last?.fix?.contains("ALTER TABLE `\(database)`.`CHARGE` ADD PRIMARY KEY") == true)
        await MariaDBSupport.dropDatabase(database)
    }

    @Test func anAccountLackingGrantsIsToldWhichToGet() async throws {
        let database = try await MariaDBSupport.freshDatabase("checkgrants")
        let user = "snapreader"
        let (status, output) = await MariaDBSupport.rootSQL("""
            CREATE USER IF NOT EXISTS '\(user)'@'127.0.0.1' IDENTIFIED BY 'reader-pw';
            GRANT SELECT ON `\(database)`.`CHARGE` TO '\(user)'@'127.0.0.1';
            """)
        #expect(status == 0, "\(output)")
        let result = try await Self.check(database, user: user, password: "reader-pw")
        #expect(result.status == 1)
        let failures = Self.failures(result.report)
        #expect(failures.starts(with: ["privilege_select", "privilege_replication_slave", "privilege_binlog_monitor"]))
        let fixes = (result.report?.failures ?? []).compactMap(\.fix)
        #expect(fixes.contains("GRANT SELECT ON `\(database)`.* TO '\(user)'@'127.0.0.1';"))
        #expect(fixes.contains("GRANT REPLICATION SLAVE ON *.* TO '\(user)'@'127.0.0.1';"))
        #expect(fixes.contains("GRANT BINLOG MONITOR ON *.* TO '\(user)'@'127.0.0.1';"))
        // Tables it cannot see look missing, and say so.
        #expect(failures.contains("table:BILL"))
        #expect(!failures.contains("table:CHARGE"))

        // Granting what the check said makes it pass.
        await MariaDBSupport.rootSQL("""
            GRANT SELECT ON `\(database)`.* TO '\(user)'@'127.0.0.1';
            GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO '\(user)'@'127.0.0.1';
            """)
        let fixed = try await Self.check(database, user: user, password: "reader-pw")
        #expect(fixed.status == 0, "\(Self.failures(fixed.report))")
        await MariaDBSupport.rootSQL("DROP USER '\(user)'@'127.0.0.1';")
        await MariaDBSupport.dropDatabase(database)
    }

    @Test func aMinimalRowImageIsFound() async throws {
        let database = try await MariaDBSupport.freshDatabase("checkimage")
        // A global setting: restored at once (other tests only read rows).
        await MariaDBSupport.rootSQL("SET GLOBAL binlog_row_image = 'MINIMAL';")
        let result = try await Self.check(database)
        await MariaDBSupport.rootSQL("SET GLOBAL binlog_row_image = 'FULL';")
        #expect(result.status == 1)
        #expect(Self.failures(result.report) == ["binlog_row_image"])
        #expect(result.report?.failures.first?.fix?.contains("SET GLOBAL binlog_row_image = 'FULL';") == true)
        await MariaDBSupport.dropDatabase(database)
    }

    @Test func anUnreachableSourceFailsWithAMessage() async throws {
        let result = try await BillmigCLI.run(
            ["check", "--source", "mysql://billmig@127.0.0.1:1/billing"], environment: ["BILLMIG_MYSQL_PASSWORD": "x"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot read mysql://billmig@127.0.0.1:1/billing"))
        #expect(!result.stderr.contains("password: x"))
    }
}
