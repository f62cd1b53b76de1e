import Foundation
import MySQLSource
import Testing

struct MySQLConfigurationTests {
    @Test func parsesTheURLAndItsOptions() throws {
        let configuration = try MySQLConnectionConfiguration(
            url: "mysql://billmig@db.internal:3310/billing?ssl-mode=verify_identity&ssl-ca=/etc/ca.pem"
                + "&cert=/etc/client.pem&key=/etc/client.key&connect-timeout=5&read-timeout=90&write-timeout=7")
        #expect(configuration.user == "billmig")
        #expect(configuration.host == "db.internal")
        #expect(configuration.port == 3310)
        #expect(configuration.database == "billing")
        #expect(configuration.tls == .init(mode: .verifyIdentity, caFile: "/etc/ca.pem", certificateFile: "/etc/client.pem", keyFile: "/etc/client.key"))
        #expect(configuration.connectTimeoutSeconds == 5)
        #expect(configuration.readTimeoutSeconds == 90)
        #expect(configuration.writeTimeoutSeconds == 7)
        #expect(configuration.password == .environment("BILLMIG_MYSQL_PASSWORD"))
    }

    @Test func aBackupRouteIsTriedAfterThePrimary() throws {
        let configuration = try MySQLConnectionConfiguration(url: "mysql://billmig@10.0.1.5:3310/billing?backup=10.0.2.5:3311")
        #expect(configuration.endpoints.map(\.description) == ["10.0.1.5:3310", "10.0.2.5:3311"])
        #expect(configuration.description.contains("backup=10.0.2.5:3311"))
        // The backup's port defaults to the primary's.
        #expect(try MySQLConnectionConfiguration(url: "mysql://billmig@a:3310/billing?backup=b").backup?.port == 3310)
        #expect(try MySQLConnectionConfiguration(url: "mysql://billmig@a/billing").endpoints.count == 1)
        #expect(throws: MySQLError.self) { try MySQLConnectionConfiguration(url: "mysql://billmig@a/billing?backup=b:99999") }
        #expect(BinlogCoordinates(fileSequence: 12, position: 4, siblingOf: "mariadb-bin.000003") == BinlogCoordinates(file: "mariadb-bin.000012", position: 4))
    }

    @Test func defaultsArePlainTCPOnPort3306() throws {
        let configuration = try MySQLConnectionConfiguration(url: "mysql://reader@127.0.0.1/billing")
        #expect(configuration.port == 3306)
        #expect(configuration.tls.mode == .preferred)
        #expect(configuration.unixSocket == nil)
        #expect(configuration.sessionTimeZone == "+00:00")
    }

    @Test func modesSayWhetherTheyRequireAndVerifyTLS() {
        typealias Mode = MySQLConnectionConfiguration.TLSMode
        #expect([Mode.disabled, .preferred, .required, .verifyCA, .verifyIdentity].map(\.requiresEncryption) == [false, false, true, true, true])
        #expect([Mode.disabled, .preferred, .required, .verifyCA, .verifyIdentity].map(\.verifiesServer) == [false, false, false, true, true])
        #expect(MySQLConnectionConfiguration.TLS.allowedVersions == "TLSv1.2,TLSv1.3")
        #expect(MySQLTransportSecurity(encrypted: false, identityVerified: true).identityVerified == false, "no verification without TLS")
    }

    @Test(arguments: [
        "postgres://u@h/billing", "mysql://h/billing", "mysql://u@h/", "mysql://u@h/billing?bogus=1",
        "mysql://u@h/billing?ssl-mode=SOMETIMES", "mysql://u@h/billing?ssl-mode=VERIFY_CA",
        "mysql://u@h/billing?connect-timeout=soon", "mysql://u@h/billing?cert=/c.pem",
    ])
    func rejectsUnusableURLs(url: String) {
        #expect(throws: MySQLError.self) { try MySQLConnectionConfiguration(url: url) }
    }

    @Test func refusesAPasswordInTheURLWithoutRepeatingIt() throws {
        do {
            _ = try MySQLConnectionConfiguration(url: "mysql://billmig:hunter2@127.0.0.1/billing")
            Issue.record("a password in the URL was accepted")
        } catch {
            #expect(error.code == .configuration)
            #expect(!error.description.contains("hunter2"))
            #expect(error.description.contains("BILLMIG_MYSQL_PASSWORD"))
        }
    }

    @Test func passwordComesFromTheEnvironmentOrAFileAndIsNeverDescribed() throws {
        let fromEnvironment = try MySQLConnectionConfiguration(url: "mysql://u@h/billing?password-env=SOURCE_DB_PASSWORD")
        #expect(try fromEnvironment.resolvePassword(environment: ["SOURCE_DB_PASSWORD": "s3cret"]) == "s3cret")
        #expect(!fromEnvironment.description.contains("s3cret"))
        #expect(fromEnvironment.description.contains("SOURCE_DB_PASSWORD"))

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("billmig-password-\(UUID().uuidString)")
        try "from-file\nignored second line\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let fromFile = try MySQLConnectionConfiguration(url: "mysql://u@h/billing?password-file=\(file.path)")
        #expect(try fromFile.resolvePassword(environment: [:]) == "from-file")

        var literal = fromFile
        literal.password = .literal(.init("literal-secret"))
        #expect(!literal.description.contains("literal-secret"))
        #expect(!"\(literal)".contains("literal-secret"))
        #expect(!String(reflecting: MySQLConnectionConfiguration.Secret("x-secret")).contains("x-secret"))

        let missing = try MySQLConnectionConfiguration(url: "mysql://u@h/billing?password-file=/nonexistent/billmig")
        #expect(throws: MySQLError.self) { try missing.resolvePassword(environment: [:]) }
    }

    @Test func theLinkedConnectorReportsItsVersion() {
        let parts = mariaDBClientVersion.split(separator: ".")
        #expect(parts.count == 3 && parts.allSatisfy { Int($0) != nil }, "\(mariaDBClientVersion)")
    }

    @Test func retryDelaysGrowAndAreCapped() {
        let policy = MySQLRetryPolicy(maxAttempts: 10, initialDelay: .milliseconds(100), maxDelay: .seconds(1), multiplier: 2)
        #expect(policy.delay(afterAttempt: 1) == .milliseconds(100))
        #expect(policy.delay(afterAttempt: 2) == .milliseconds(200))
        #expect(policy.delay(afterAttempt: 4) == .milliseconds(800))
        #expect(policy.delay(afterAttempt: 5) == .seconds(1))
        #expect(policy.delay(afterAttempt: 9) == .seconds(1))
        #expect(MySQLRetryPolicy.none.maxAttempts == 1)
    }

    @Test func chunkQueriesCompareCompositeKeysColumnByColumn() throws {
        let query = try PrimaryKeyChunkQuery(
            database: "billing", table: "CHARGE", columns: ["ban", "charge_seq", "activity_num", "amount"],
            keyColumns: ["ban", "charge_seq", "activity_num"], limit: 500)
        #expect(query.sql(afterLiterals: nil)
            == "SELECT `ban`, `charge_seq`, `activity_num`, `amount` FROM `billing`.`CHARGE` ORDER BY `ban`, `charge_seq`, `activity_num` LIMIT 500")
        #expect(query.sql(afterLiterals: ["'7'", "'9'", "'A-1'"])
            == "SELECT `ban`, `charge_seq`, `activity_num`, `amount` FROM `billing`.`CHARGE` WHERE `ban` > '7'"
            + " OR (`ban` = '7' AND `charge_seq` > '9') OR (`ban` = '7' AND `charge_seq` = '9' AND `activity_num` > 'A-1')"
            + " ORDER BY `ban`, `charge_seq`, `activity_num` LIMIT 500")
        #expect(query.keyIndexes == [0, 1, 2])
        #expect(query.key(of: [.text("1"), .text("2"), .text("x"), .text("0.5")]) == [.text("1"), .text("2"), .text("x")])
        #expect(PrimaryKeyChunkQuery.identifier("we`ird") == "`we``ird`")
        #expect(throws: MySQLError.self) {
            try PrimaryKeyChunkQuery(database: "billing", table: "T", columns: ["a"], keyColumns: ["b"], limit: 10)
        }
        #expect(throws: MySQLError.self) {
            try PrimaryKeyChunkQuery(database: "billing", table: "T", columns: ["a"], keyColumns: [], limit: 10)
        }
    }

    @Test func aBackfillsDateRangeIsAConditionBesideTheKeyScan() throws {
        var query = try PrimaryKeyChunkQuery(
            database: "billing", table: "CHARGE", columns: ["ban", "charge_seq", "charge_creation_date"],
            keyColumns: ["ban", "charge_seq"], limit: 100)
        query.condition = PrimaryKeyChunkQuery.dateRangeCondition(column: "charge_creation_date", since: "2024-03-01", before: "2024-04-01")
        #expect(query.sql(afterLiterals: nil)
            == "SELECT `ban`, `charge_seq`, `charge_creation_date` FROM `billing`.`CHARGE`"
            + " WHERE (`charge_creation_date` >= DATE '2024-03-01' AND `charge_creation_date` < DATE '2024-04-01')"
            + " ORDER BY `ban`, `charge_seq` LIMIT 100")
        #expect(query.sql(afterLiterals: ["'7'", "'9'"])
            == "SELECT `ban`, `charge_seq`, `charge_creation_date` FROM `billing`.`CHARGE`"
            + " WHERE (`charge_creation_date` >= DATE '2024-03-01' AND `charge_creation_date` < DATE '2024-04-01')"
            + " AND (`ban` > '7' OR (`ban` = '7' AND `charge_seq` > '9'))"
            + " ORDER BY `ban`, `charge_seq` LIMIT 100")
        #expect(PrimaryKeyChunkQuery.dateRangeCondition(column: "d", since: nil, before: "2024-01-01") == "`d` < DATE '2024-01-01'")
        #expect(PrimaryKeyChunkQuery.dateRangeCondition(column: "d", since: "2024-01-01", before: nil) == "`d` >= DATE '2024-01-01'")
        #expect(PrimaryKeyChunkQuery.dateRangeCondition(column: "d", since: nil, before: nil) == nil)
    }

    @Test func binlogCoordinatesOrderByFileNumberThenPosition() {
        let early = BinlogCoordinates(file: "mariadb-bin.000009", position: 90_000)
        let late = BinlogCoordinates(file: "mariadb-bin.000010", position: 4)
        #expect(early < late)
        #expect(late.fileSequence == 10)
        #expect(late.sourcePosition(rowIndex: 3) == .binlog(fileSequence: 10, position: 4, rowIndex: 3))
        #expect(early.sourcePosition(rowIndex: 0).orderingKey < late.sourcePosition(rowIndex: 0).orderingKey)
    }
}
