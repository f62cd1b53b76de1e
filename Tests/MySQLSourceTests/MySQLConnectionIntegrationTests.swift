import BillingModel
import Foundation
import MariaDBTestSupport
import MySQLSource
import Testing

/// The connection layer against the private MariaDB. Uses its own table
/// (`CHUNK_PROBE`), so it can run beside the binlog scenarios.
@Suite(.serialized)
struct MySQLConnectionIntegrationTests {
    @Test func resultsComeBackAsTextBytesAndNull() async throws {
        let connection = try await MySQLConnection.connect(try await MariaDBTestServer.configuration())
        let result = try await connection.query("""
            SELECT 18446744073709551615, NULL, 'Zoë 🎉', X'00FF', CAST(-12.34 AS DECIMAL(12,4)),
                   CAST('2024-01-15 10:22:31.12' AS DATETIME(3)), CAST('2024-01-15' AS DATE), '', @@session.time_zone
            """)
        #expect(result.rows == [[
            .text("18446744073709551615"), .null, .text("Zoë 🎉"), .bytes([0x00, 0xFF]), .text("-12.3400"),
            .text("2024-01-15 10:22:31.120"), .text("2024-01-15"), .text(""), .text("+00:00"),
        ]])
        #expect(result.columns.count == 9)
        #expect(result.columns[3].isBinary)
        #expect(!result.columns[2].isBinary)
        let quoted = try await connection.quote("it's a \\ \"test\"\n")
        let echoed = try await connection.query("SELECT \(quoted)").rows.first?.first
        #expect(echoed == .text("it's a \\ \"test\"\n"))
        let bytes = try await connection.literal(.bytes([0x00, 0x27, 0xFF]))
        #expect(try await connection.query("SELECT \(bytes)").rows.first?.first == .bytes([0x00, 0x27, 0xFF]))
        await connection.close()
    }

    @Test func serverErrorsCarryTheirNumberAndTheConnectionStaysUsable() async throws {
        let connection = try await MySQLConnection.connect(try await MariaDBTestServer.configuration())
        do {
            _ = try await connection.query("SELECT * FROM billing.NO_SUCH_TABLE")
            Issue.record("a query on a missing table succeeded")
        } catch {
            #expect(error.errorNumber == 1146)
            #expect(error.code == .statement)
            #expect(error.sqlState == "42S02")
            #expect(!error.isConnectionLost)
        }
        #expect(try await connection.query("SELECT 1").rows == [[.text("1")]])
        await connection.close()
        do {
            _ = try await connection.query("SELECT 1")
            Issue.record("a closed connection ran a query")
        } catch {
            #expect(error.code == .closed)
        }
        try await connection.reconnect()
        #expect(try await connection.query("SELECT 2").rows == [[.text("2")]])
        await connection.close()
    }

    @Test func aWrongPasswordIsNotRetried() async throws {
        var configuration = try await MariaDBTestServer.configuration()
        configuration.password = .literal(.init("definitely-not-the-password"))
        let started = ContinuousClock.now
        do {
            _ = try await MySQLConnection.connect(
                configuration, retry: MySQLRetryPolicy(maxAttempts: 5, initialDelay: .seconds(2)))
            Issue.record("connected with a wrong password")
        } catch {
            #expect(error.errorNumber == 1045)
            #expect(!error.description.contains("definitely-not-the-password"))
        }
        #expect(ContinuousClock.now - started < .seconds(2), "access denied is final, no backoff")
    }

    @Test func aRefusedConnectionIsRetriedWithBackoff() async throws {
        var configuration = try await MariaDBTestServer.configuration()
        configuration.port = 1  // Nothing listens on 127.0.0.1:1.
        let started = ContinuousClock.now
        do {
            _ = try await MySQLConnection.connect(
                configuration, retry: MySQLRetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(150), multiplier: 2))
            Issue.record("connected to a closed port")
        } catch {
            #expect(error.isConnectionLost)
            #expect([2002, 2003].contains(error.errorNumber))
        }
        #expect(ContinuousClock.now - started >= .milliseconds(450), "waited 150 ms + 300 ms between the attempts")
    }

    @Test func streamingQueriesArriveInBatches() async throws {
        let connection = try await MySQLConnection.connect(try await MariaDBTestServer.configuration())
        var sizes: [Int] = []
        var total = 0
        for try await batch in try await connection.streamingQuery("SELECT seq FROM seq_1_to_2500", batchSize: 1000) {
            sizes.append(batch.count)
            total += batch.compactMap { $0.first?.text.flatMap(Int.init) }.reduce(0, +)
        }
        #expect(sizes == [1000, 1000, 500])
        #expect(total == 2500 * 2501 / 2)

        // Leaving a stream early: the next statement drops the rest first, and
        // reading on from the dropped stream is an error rather than a quiet end.
        let abandoned = try await connection.streamingQuery("SELECT seq FROM seq_1_to_100000", batchSize: 10)
        var iterator = abandoned.makeAsyncIterator()
        #expect(try await iterator.next()?.count == 10)
        #expect(try await connection.query("SELECT 'after'").rows == [[.text("after")]])
        await #expect(throws: MySQLError.self) { _ = try await iterator.next() }
        await connection.close()
    }

    @Test func blockingCallsDoNotOccupyTheCooperativePool() async throws {
        let configuration = try await MariaDBTestServer.configuration()
        var connections: [MySQLConnection] = []
        for _ in 0..<6 { connections.append(try await MySQLConnection.connect(configuration)) }
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for connection in connections {
                group.addTask { _ = try await connection.query("SELECT SLEEP(1)") }
            }
            try await group.waitForAll()
        }
        // Six one-second sleeps on a two-core machine: concurrent only if each waits on its own thread.
        #expect(ContinuousClock.now - started < .milliseconds(2_500))
        for connection in connections { await connection.close() }
    }

    @Test func chunkedReadsReturnEveryRowOnceInKeyOrder() async throws {
        let connection = try await MySQLConnection.connect(try await MariaDBTestServer.configuration())
        try await connection.execute("DROP TABLE IF EXISTS billing.CHUNK_PROBE")
        try await connection.execute("""
            CREATE TABLE billing.CHUNK_PROBE (
              ban BIGINT UNSIGNED NOT NULL, code VARCHAR(10) NOT NULL, seq INT UNSIGNED NOT NULL, amount DECIMAL(12,4) NULL,
              PRIMARY KEY (ban, code, seq)) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
            """)
        var values: [String] = []
        for ban in [1, 2, 18_446_744_073_709_551_615] as [UInt64] {
            for code in ["A", "b", "Äx", "z🎉", "a'b"] {
                for seq in [0, 7, 4_294_967_295] as [UInt64] {
                    values.append("(\(ban), \(sqlString(code)), \(seq), \(seq % 3 == 0 ? "NULL" : "-\(seq).5"))")
                }
            }
        }
        try await connection.execute("INSERT INTO billing.CHUNK_PROBE VALUES " + values.joined(separator: ", "))

        let snapshot = try await connection.beginConsistentSnapshot()
        #expect(!snapshot.coordinates.file.isEmpty)
        let columns = try await connection.tableColumns(database: "billing", table: "CHUNK_PROBE")
        #expect(columns.map(\.name) == ["ban", "code", "seq", "amount"])
        #expect(columns.map(\.isUnsigned) == [true, false, true, false])
        let key = try await connection.primaryKeyColumns(database: "billing", table: "CHUNK_PROBE")
        #expect(key == ["ban", "code", "seq"])

        let query = try PrimaryKeyChunkQuery(
            database: "billing", table: "CHUNK_PROBE", columns: columns.map(\.name), keyColumns: key, limit: 7)
        var rows: [SourceRow] = []
        var last: [SourceValue]?
        var chunks = 0
        while true {
            let chunk = try await connection.readChunk(query, after: last)
            rows += chunk.rows
            chunks += 1
            if chunk.isLast { break }
            last = chunk.lastKey
        }
        let all = try await connection.query(
            "SELECT ban, code, seq, amount FROM billing.CHUNK_PROBE ORDER BY ban, code, seq").rows
        try await connection.commit()
        #expect(rows.count == values.count)
        #expect(rows == all)
        #expect(chunks == values.count / 7 + 1)
        try await connection.execute("DROP TABLE billing.CHUNK_PROBE")
        await connection.close()
    }
}
