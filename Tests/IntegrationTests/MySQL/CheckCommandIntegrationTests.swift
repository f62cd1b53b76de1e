import Foundation
import MariaDBTestSupport
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
        #expect(Self.failures(result.report) == ["table:SERVICE_AGREEMENT", "table_engine:BILL", "primary_key:CHARGE", "mapping:CHARGE"])
        #expect(result.report?.failures.first { $0.check == "primary_key" }?.fix?.contains("ALTER TABLE `\(database)`.`CHARGE` ADD PRIMARY KEY") == true)
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

    /// The billing mapping with CUSTOMER's first_name and last_name swapped and
    /// BILL's total_due declared `int`, written to a temporary file.
    static func misorderedMapping() throws -> URL {
        let url = MariaDBTestServer.packageRoot.appendingPathComponent("mappings/billing.json")
        var mapping = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        var tables = mapping["tables"] as! [[String: Any]]
        for index in tables.indices {
            var columns = tables[index]["columns"] as! [[String: Any]]
            if tables[index]["table"] as? String == "CUSTOMER" {
                let first = columns.firstIndex { $0["name"] as? String == "first_name" }!
                let last = columns.firstIndex { $0["name"] as? String == "last_name" }!
                columns.swapAt(first, last)
            }
            if tables[index]["table"] as? String == "BILL" {
                let due = columns.firstIndex { ($0["type"] as? String)?.hasPrefix("decimal") == true }!
                columns[due]["type"] = "int"
            }
            tables[index]["columns"] = columns
        }
        mapping["tables"] = tables
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("misordered-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: mapping).write(to: file)
        return file
    }

    @Test func aMappingThatDiffersFromTheSourceIsRefusedByCheckAndStream() async throws {
        let database = try await MariaDBSupport.freshDatabase("checkmapping")
        let mapping = try Self.misorderedMapping()
        defer { try? FileManager.default.removeItem(at: mapping) }
        let result = try await Self.check(database, extra: ["--mapping", mapping.path])
        #expect(result.status == 1)
        #expect(Self.failures(result.report) == ["mapping:CUSTOMER", "mapping:BILL"])
        let messages = (result.report?.failures ?? []).map(\.message).joined(separator: "\n")
        #expect(messages.contains("CUSTOMER.first_name: listed after last_name"))
        #expect(messages.contains("the mapping declares int, the source has decimal("))

        let stream = try await BillmigCLI.run(
            ["stream", "--from", try await MariaDBSupport.url(database: database), "--mapping", mapping.path,
             "--until-caught-up", "--state", FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path],
            environment: ["BILLMIG_MYSQL_PASSWORD": MariaDBSupport.password])
        #expect(stream.status != 0)
        #expect(stream.stderr.contains("the mapping does not match"), "\(stream.stderr)")
        #expect(stream.stderr.contains("BILL.previous_balance: the mapping declares int"), "\(stream.stderr)")
        await MariaDBSupport.dropDatabase(database)
    }

    @Test func statusRefusesAPasswordInTheURLAsOtherCommandsDo() async throws {
        let result = try await BillmigCLI.run(
            ["status", "--from", "mysql://billmig:secret-pw@127.0.0.1:1/billing"], environment: [:])
        #expect(result.status != 0)
        #expect(result.stderr.contains("not in the URL"), "\(result.stderr)")
        #expect(!result.stderr.contains("secret-pw") && !result.stdout.contains("secret-pw"))
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
