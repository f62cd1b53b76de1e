import BillingModel
import Foundation
import MariaDBTestSupport
import MySQLSource
import Testing

/// Against the private MariaDB (`scripts/mariadb start`): write rows with
/// tricky values, stream the binlog, and compare with what `SELECT` returns.
/// Serialized: the scenarios read the binlog between their own positions.
@Suite(.serialized)
struct BinlogStreamIntegrationTests {
    /// Creates the contract's tables when they are missing, from the project's
    /// `schema/billing.sql`.
    static func ensureContractSchema(_ connection: MySQLConnection) async throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("schema/billing.sql")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw FixtureError(message: "schema/billing.sql is missing")
        }
        let text = try String(contentsOf: url, encoding: .utf8)
        let statements = text.split(separator: ";").map { chunk in
            chunk.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }.joined(separator: "\n")
        }
        for statement in statements where statement.contains("CREATE TABLE") {
            try await connection.execute(
                statement.contains("IF NOT EXISTS")
                    ? statement : statement.replacingOccurrences(of: "CREATE TABLE ", with: "CREATE TABLE IF NOT EXISTS "))
        }
    }

    /// Removes rows of accounts in `bans` from every contract table, children first.
    static func deleteAccounts(_ connection: MySQLConnection, _ bans: ClosedRange<UInt64>) async throws {
        let condition = "ban BETWEEN \(bans.lowerBound) AND \(bans.upperBound)"
        for table in ["CHARGE", "BILL", "SERVICE_AGREEMENT", "SUBSCRIBER", "CUSTOMER", "BILLING_ACCOUNT"] {
            try await connection.execute("DELETE FROM billing.\(table) WHERE \(condition)")
        }
    }

    @Test func contractTablesStreamAsSelectShowsThem() async throws {
        let configuration = try await MariaDBTestServer.configuration()
        let bans: ClosedRange<UInt64> = 9_100_000_000...9_100_000_999
        let setup = try await MySQLConnection.connect(configuration)
        try await Self.ensureContractSchema(setup)
        try await Self.deleteAccounts(setup, bans)
        await setup.close()

        let notes = "line one\nline two, with \"double\" and 'single' quotes; a\\backslash\ttab — Zoë 日本語 🎉"
        let scenario = BinlogScenario(
            name: "contract-tables",
            tables: ["BILLING_ACCOUNT", "CUSTOMER", "SUBSCRIBER", "SERVICE_AGREEMENT", "BILL", "CHARGE"],
            rowFilter: "ban BETWEEN \(bans.lowerBound) AND \(bans.upperBound)",
            steps: [
                [
                    """
                    INSERT INTO billing.BILLING_ACCOUNT VALUES
                    (9100000001, 'B', 'CO', 'O', '2024-01-15', 'MONTHLY', 'A', 1234567890.12, 'USD', '2023-12-31',
                     '2024-01-15 10:22:31.120', '2024-01-15 10:22:31.999'),
                    (9100000002, 'I', 'RE', 'N', '1999-02-28', 'C05', NULL, NULL, 'EUR', '1999-03-01',
                     '1970-01-01 00:00:00.000', '2038-01-19 03:14:07.001'),
                    (9100000003, 'G', 'FD', 'S', '2024-02-29', 'Q1', 'C', -0.01, 'CAD', '2024-02-29',
                     '2024-02-29 23:59:59.999', '2024-03-01 00:00:00.000')
                    """,
                    """
                    INSERT INTO billing.CUSTOMER VALUES
                    (1, 9100000001, 'O', NULL, NULL, 'Acme, "Inc." — Ünïcödé', 'billing@example.com', '+1 555 0100',
                     '1 Main St', NULL, 'Springfield', 'IL', '62701', 'US', NULL, \(sqlString(notes)),
                     '2024-01-15 10:22:31.120', '2024-01-15 10:22:31.120'),
                    (2, 9100000002, 'P', 'Zoë', 'O''Brien', NULL, NULL, NULL, 'Straße 5', 'c/o 山田', 'München', NULL,
                     '80331', 'DE', '1980-02-29', '', '2024-01-01 00:00:00.000', '2024-01-01 00:00:00.001')
                    """,
                    """
                    INSERT INTO billing.SUBSCRIBER VALUES
                    ('4155550100', 9100000001, 'A', '2024-01-15', 'C', 'PP-UNL', '2024-01-16', '2024-01-15 10:00:00.000', '2024-01-15 10:00:00.000'),
                    ('SÜB-ß-001', 9100000002, 'R', '2024-01-15', 'I', 'FIBRE1G', NULL, '2024-01-15 10:00:00.500', '2024-01-15 10:00:00.500')
                    """,
                    """
                    INSERT INTO billing.SERVICE_AGREEMENT VALUES
                    (9100000001, '4155550100', 'PP-UNL', 'P', '2024-01-15', NULL, 45.00, '2024-01-15 10:00:00.000', '2024-01-15 10:00:00.000'),
                    (9100000001, '4155550100', 'ROAM', 'O', '2024-01-15', '2024-12-31', -5.25, '2024-01-15 10:00:00.000', '2024-01-15 10:00:00.000'),
                    (9100000002, 'SÜB-ß-001', 'FIBRE1G', 'P', '2024-01-15', NULL, 9999999.99, '2024-01-15 10:00:00.000', '2024-01-15 10:00:00.000')
                    """,
                    """
                    INSERT INTO billing.BILL VALUES
                    (9100000001, 1, 'MONTHLY', '2024-01-31', '2024-02-01', '2024-02-21', 0.00, -150.00, 123.45, 12.35, -14.20, 'O',
                     '2024-02-01 00:00:00.000', '2024-02-01 00:00:00.000'),
                    (9100000001, 4294967295, 'MONTHLY', '2024-02-29', '2024-03-01', '2024-03-21', 9999999999.99, 0.01, 0.00, 0.00, 9999999999.98, 'P',
                     '2024-03-01 00:00:00.000', '2024-03-01 00:00:00.000')
                    """,
                    """
                    INSERT INTO billing.CHARGE VALUES
                    (9100000001, 1, 'A-1', '4155550100', 'VOICE', '2024-01-20', -12.3400, 0.0000, NULL,
                     'Credit, "goodwill"\nsecond line', '2024-01-20 08:00:00.000', '2024-01-20 08:00:00.000'),
                    (9100000001, 1, 'A-2', NULL, 'RECUR', '2024-01-20', 0.0001, 0.0001, 1, NULL, '2024-01-20 08:00:00.001', '2024-01-20 08:00:00.002'),
                    (9100000001, 18446744073709551615, 'Z', '4155550100', 'ROAM', '2024-01-21', 99999999.9999, -99999999.9999, 4294967295,
                     'Roaming — 東京 🎌', '2024-01-21 23:59:59.999', '2024-01-21 23:59:59.999'),
                    (9100000002, 7, '', 'SÜB-ß-001', 'DATA', '2024-01-22', 1.5000, 0.1200, NULL, '', '2024-01-22 12:00:00.000', '2024-01-22 12:00:00.000')
                    """,
                ],
                [
                    "UPDATE billing.BILLING_ACCOUNT SET ban_status = 'S', credit_limit = NULL, updated_at = '2024-04-01 09:00:00.123' WHERE ban = 9100000001",
                    "UPDATE billing.CUSTOMER SET notes = NULL, first_name = 'Zoé' WHERE customer_id = 2",
                    "UPDATE billing.CHARGE SET amount = -0.0001, bill_seq_number = 1, description = 'billed' WHERE ban = 9100000001 AND charge_seq = 1 AND activity_num = 'A-1'",
                    // A primary-key change: the binlog has one update, the oracle a delete and an insert.
                    "UPDATE billing.SERVICE_AGREEMENT SET soc = 'ROAM2', monthly_rate = 0.00 WHERE ban = 9100000001 AND soc = 'ROAM'",
                    "UPDATE billing.BILL SET bill_status = 'D', amount_due = -0.01 WHERE ban = 9100000001",
                ],
                [
                    "DELETE FROM billing.CHARGE WHERE ban = 9100000002",
                    "DELETE FROM billing.SERVICE_AGREEMENT WHERE ban = 9100000002",
                    "DELETE FROM billing.SUBSCRIBER WHERE ban = 9100000002",
                    "DELETE FROM billing.CUSTOMER WHERE ban = 9100000002",
                    "DELETE FROM billing.BILLING_ACCOUNT WHERE ban = 9100000002",
                ],
            ])
        let outcome = try await scenario.run(configuration)
        BinlogScenario.verify(outcome)

        // Spot checks that do not depend on the oracle.
        let charges = outcome.streamed.flatMap { $0 }.filter { $0.table == "CHARGE" && $0.operation == .insert }
        let credit = try #require(charges.first { $0.row[2] == .text("A-1") })
        #expect(credit.row[6] == .text("-12.3400"))
        #expect(credit.row[8] == .null)
        #expect(credit.row[9] == .text("Credit, \"goodwill\"\nsecond line"))
        #expect(credit.row[10] == .text("2024-01-20 08:00:00.000"))
        let roaming = try #require(charges.first { $0.row[2] == .text("Z") })
        #expect(roaming.row[1] == .text("18446744073709551615"))
        #expect(roaming.row[7] == .text("-99999999.9999"))
        let customers = outcome.streamed.flatMap { $0 }.filter { $0.table == "CUSTOMER" && $0.operation == .insert }
        #expect(customers.first?.row[15] == .text(notes))
        let positions = outcome.streamed.flatMap { $0 }.map(\.position.orderingKey)
        #expect(positions == positions.sorted() && Set(positions).count == positions.count, "positions strictly increase")

        // Restarting at a commit's resume position (and at its GTID) replays exactly the later transactions.
        let tables = Set(scenario.tables)
        let all = try await BinlogScenario.streamTransactions(
            configuration, start: .coordinates(outcome.start), until: outcome.end, database: "billing", tables: tables)
        #expect(all.count == 3)
        let first = try #require(all.first)
        let gtid = try #require(first.gtid)
        for restart in [BinlogStart.coordinates(first.resumeAt), .gtid(gtid.description)] {
            let rest = try await BinlogScenario.streamChanges(
                configuration, start: restart, until: outcome.end, database: "billing", tables: tables)
            #expect(rest.map { $0.map(FixtureChange.init) } == outcome.streamed.dropFirst().map { $0.map(FixtureChange.init) },
                    "restart at \(restart)")
        }

        let cleanup = try await MySQLConnection.connect(configuration)
        try await Self.deleteAccounts(cleanup, bans)
        await cleanup.close()
    }

    @Test func everyColumnTypeStreamsAsSelectShowsIt() async throws {
        let configuration = try await MariaDBTestServer.configuration()
        let setup = try await MySQLConnection.connect(configuration)
        try await setup.execute("DROP TABLE IF EXISTS billing.TYPE_PROBE")
        try await setup.execute(TypeProbe.createTable)
        await setup.close()

        let scenario = BinlogScenario(
            name: "type-probe", tables: ["TYPE_PROBE"], rowFilter: "TRUE",
            steps: [TypeProbe.inserts, TypeProbe.updates, TypeProbe.deletes])
        let outcome = try await scenario.run(configuration)
        BinlogScenario.verify(outcome)

        let inserted = outcome.streamed.first ?? []
        let extremes = try #require(inserted.first { $0.row[0] == .text("1") })
        let names = TypeProbe.columnNames
        func value(_ name: String) -> SourceValue { extremes.row[names.firstIndex(of: name)!] }
        #expect(value("i64") == .text("-9223372036854775808"))
        #expect(value("u64") == .text("18446744073709551615"))
        #expect(value("dec_12_4") == .text("-12.3400"))
        #expect(value("dt3") == .text("2024-01-15 10:22:31.120"))
        #expect(value("ch100") == .text(String(repeating: "🎉", count: 100)))
        #expect(value("bin4") == .bytes([0x00, 0xFF, 0x10, 0x00]))

        let cleanup = try await MySQLConnection.connect(configuration)
        try await cleanup.execute("DROP TABLE IF EXISTS billing.TYPE_PROBE")
        await cleanup.close()
    }

    @Test func snapshotPositionHoldsWhileOthersCommitAndTheStreamContinuesFromIt() async throws {
        let configuration = try await MariaDBTestServer.configuration()
        let bans: ClosedRange<UInt64> = 9_100_001_000...9_100_001_999
        let reader = try await MySQLConnection.connect(configuration)
        let writer = try await MySQLConnection.connect(configuration)
        try await Self.ensureContractSchema(writer)
        try await Self.deleteAccounts(writer, bans)
        try await writer.execute("""
            INSERT INTO billing.BILLING_ACCOUNT VALUES (9100001001, 'I', 'RE', 'O', '2024-01-01', 'MONTHLY', NULL, NULL,
            'USD', '2024-01-01', '2024-01-01 00:00:00.000', '2024-01-01 00:00:00.000')
            """)

        let snapshot = try await reader.beginConsistentSnapshot()
        try await writer.execute("""
            INSERT INTO billing.BILLING_ACCOUNT VALUES (9100001002, 'B', 'CO', 'O', '2024-01-02', 'C05', 'A', 10.50,
            'USD', '2024-01-02', '2024-01-02 00:00:00.000', '2024-01-02 00:00:00.000')
            """)
        try await writer.execute("UPDATE billing.BILLING_ACCOUNT SET ban_status = 'C' WHERE ban = 9100001001")

        // The snapshot does not see the later commits, and its position does not move.
        let seen = try await reader.query(
            "SELECT ban, ban_status FROM billing.BILLING_ACCOUNT WHERE ban BETWEEN 9100001000 AND 9100001999 ORDER BY ban").rows
        #expect(seen == [[.text("9100001001"), .text("O")]])
        let again = try await reader.query("SHOW STATUS LIKE 'binlog_snapshot_position'").rows.first?[1]
        #expect(again == .text(String(snapshot.coordinates.position)))
        try await reader.commit()
        let end = try await BinlogScenario.binlogEnd(writer)
        #expect(end > snapshot.coordinates)

        // Streaming from the snapshot position (and from its GTID) gives exactly the later commits.
        for start in [BinlogStart.coordinates(snapshot.coordinates)] + (snapshot.gtidPosition.map { [.gtid($0)] } ?? []) {
            let transactions = try await BinlogScenario.streamChanges(
                configuration, start: start, until: end, database: "billing", tables: ["BILLING_ACCOUNT"])
            let changes = transactions.flatMap { $0 }.filter { bans.contains(UInt64($0.row[0].text ?? "") ?? 0) }
            #expect(changes.map(\.operation) == [.insert, .update], "from \(start)")
            #expect(changes.first?.row[7] == .text("10.50"))
            #expect(changes.last?.before?[3] == .text("O"))
            #expect(changes.last?.row[3] == .text("C"))
        }
        #expect(snapshot.gtidPosition != nil, "MariaDB gives the snapshot a GTID position")

        try await Self.deleteAccounts(writer, bans)
        await reader.close()
        await writer.close()
    }
}

extension BinlogStreamIntegrationTests {
    // The stream's read timeout (3 s here) bounds every wait: were no heartbeat
    // to come, `next()` would fail with a connection error instead of hanging.
    @Test func anIdleStreamSendsHeartbeats() async throws {
        let configuration = try await MariaDBTestServer.configuration()
        let probe = try await MySQLConnection.connect(configuration)
        let end = try await BinlogScenario.binlogEnd(probe)
        await probe.close()
        let stream = try await MySQLBinlogStream.open(
            configuration,
            options: BinlogStreamOptions(
                start: .coordinates(end), assembler: .init(database: "billing", tables: ["NO_WRITES"]),
                readTimeout: .seconds(3)))
        let started = ContinuousClock.now
        var heartbeat: BinlogCoordinates?
        while heartbeat == nil, ContinuousClock.now - started < .seconds(10) {
            for item in try await stream.next() ?? [] {
                if case .heartbeat(let at) = item { heartbeat = at }
            }
        }
        await stream.close()
        #expect(heartbeat?.file == end.file)
        #expect(ContinuousClock.now - started < .seconds(5), "a heartbeat about every second")
    }
}

/// A string as an SQL literal for the test statements (backslashes and quotes escaped).
func sqlString(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''") + "'"
}

extension BinlogStreamIntegrationTests {
    @Test func theReadTimeoutNeverFallsBelowTwoHeartbeatPeriods() async throws {
        // Heartbeats every 10 s but a 2 s read timeout, clamped to two heartbeat
        // periods (20 s) by the options: the floor keeps an idle stream alive.
        let options = BinlogStreamOptions(
            start: .gtid("0-1-1"), assembler: .init(database: "billing"), heartbeatPeriod: .seconds(10),
            readTimeout: .seconds(2))
        #expect(options.readTimeoutSeconds == 20)
        #expect(BinlogStreamOptions(start: .gtid("0-1-1"), assembler: .init(database: "billing")).readTimeoutSeconds == 10)
    }

    @Test func killingTheStreamsConnectionEndsTheReadWithAConnectionError() async throws {
        let configuration = try await MariaDBTestServer.configuration()
        let control = try await MySQLConnection.connect(configuration)
        let end = try await BinlogScenario.binlogEnd(control)
        let stream = try await MySQLBinlogStream.open(
            configuration,
            options: BinlogStreamOptions(
                start: .coordinates(end), assembler: .init(database: "billing", tables: ["NO_WRITES"]),
                readTimeout: .seconds(3)))
        #expect(stream.connectionID > 0)
        try await control.execute("KILL CONNECTION \(stream.connectionID)")
        let started = ContinuousClock.now
        var failure: MySQLError?
        while failure == nil, ContinuousClock.now - started < .seconds(10) {
            do {
                _ = try await stream.next()
            } catch {
                failure = error
            }
        }
        await stream.close()
        await control.close()
        let error = try #require(failure, "the read fails once the connection is killed")
        #expect(error.isConnectionLost, "\(error)")
    }
}
