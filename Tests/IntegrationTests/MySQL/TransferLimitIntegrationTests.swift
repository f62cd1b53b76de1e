import AWSCore
import Foundation
import MariaDBTestSupport
import MigrationCore
import MySQLSource
import SampleData
import Testing

/// `--max-bandwidth` and `--transfer-window` against the private MariaDB: the
/// snapshot reads no faster than the cap, and a window that allows nothing holds
/// the stream until it is stopped.
@Suite("transfer limits: the source read at a capped rate and paused by a window", .serialized)
struct TransferLimitIntegrationTests {
    @Test func aCappedSnapshotReadsNoFasterThanItsCap() async throws {
        let database = try await MariaDBSupport.freshDatabase("bandwidth")
        defer { Task { await MariaDBSupport.dropDatabase(database) } }
        let data = SampleDataSet(.init(seed: 7, accounts: 10))
        try await MariaDBSupport.insert(data, into: database)
        let rows = data.rowCounts.values.reduce(0, +)
        let source = try await MariaDBSupport.url(database: database)
        let environment = ["BILLMIG_MYSQL_PASSWORD": MariaDBSupport.password]
        func dryRun(_ extra: [String]) async throws -> Duration {
            let started = ContinuousClock.now
            let run = try await BillmigCLI.run(["load", "--from", source, "--dry-run", "--json", "--quiet"] + extra, environment: environment)
            #expect(run.status == 0, "\(run.stderr)")
            let summary = try JSONDecoder().decode(LoadSummary.self, from: Data(run.stdout.utf8))
            #expect(summary.total.rowsRead == rows)
            return ContinuousClock.now - started
        }
        // The rows' bytes as the reader counts them (values and a byte each), about what crosses the link.
        let bytes = try await Self.sourceBytes(database: database)
        let unlimited = try await dryRun([])
        let cap = 60_000.0
        let capped = try await dryRun(["--max-bandwidth", "60KB/s", "--chunk-size", "200"])
        let floor = Duration.seconds((bytes - cap) / cap)  // the first second's burst comes free
        #expect(capped >= floor, "\(bytes) bytes at 60 KB/s took \(capped), at least \(floor) expected")
        #expect(capped < floor * 2 + .seconds(5), "\(capped): no slower than the cap explains")
        #expect(capped > unlimited * 2, "uncapped \(unlimited), capped \(capped)")
    }

    @Test func aWindowThatAllowsNothingHoldsTheStreamUntilItIsStopped() async throws {
        let url = try await StreamMariaDB.url()
        let configuration = try await StreamMariaDB.configuration()
        let bans: ClosedRange<UInt64> = 9_200_050_000...9_200_050_009
        let writer = try await MySQLConnection.connect(configuration)
        try await StreamMariaDB.ensureSchema(writer)
        try await StreamMariaDB.deleteAccounts(writer, bans)
        let state = try BinlogToDynamoDBTests.StreamCommandTests.stateFolder(at: try await StreamMariaDB.binlogEnd(writer))
        defer { try? FileManager.default.removeItem(atPath: state) }
        try await BinlogToDynamoDBTests.StreamCommandTests.workload(writer, bans: bans, round: 0)
        try await LocalAWS.withMotoServer(authenticated: false) { aws in
            let env = BinlogToDynamoDBTests.StreamCommandTests.environment(aws)
            let table = MotoTestServer.uniqueName("stream-window")
            #expect(try await BillmigCLI.run(["table", "create", "--table", table], environment: env).status == 0)
            let common = ["--from", url, "--table", table, "--state", state]
            let log = URL(fileURLWithPath: state).appendingPathComponent("stream")
            let held = try BackgroundCommand(
                ["stream"] + common + ["--transfer-window", "Mon-Sun 00:00-24:00 0", "--json", "--quiet"], environment: env, log: log)
            try await Task.sleep(for: .seconds(6))
            #expect(held.isRunning, "\(held.output())")
            #expect(!FileManager.default.fileExists(atPath: state + "/changes/binlog.json"), "nothing read, nothing applied")
            #expect(held.output().contains("held by a transfer window"), "the hold is logged: \(held.output())")
            held.kill(SIGTERM)
            #expect(await held.exitStatus() == 0, "a held stream stops on request: \(held.output())")

            // Outside any window the same state streams everything.
            let free = try await BillmigCLI.run(["stream"] + common + ["--until-caught-up", "--json", "--quiet"], environment: env)
            #expect(free.status == 0, "\(free.stderr)")
            let summary = try JSONDecoder().decode(StreamSummary.self, from: Data(free.stdout.utf8))
            #expect(summary.total.applied == bans.count)
        }
        try await StreamMariaDB.deleteAccounts(writer, bans)
        await writer.close()
    }

    /// The bytes of every value of the billing tables in `database`, plus one per value.
    static func sourceBytes(database: String) async throws -> Double {
        let connection = try await MySQLConnection.connect(try await MariaDBSupport.configuration(database: database))
        var total = 0.0
        for table in ["BILLING_ACCOUNT", "CUSTOMER", "SUBSCRIBER", "SERVICE_AGREEMENT", "BILL", "CHARGE"] {
            let columns = try await connection.query(
                "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '\(database)' AND TABLE_NAME = '\(table)'"
            ).rows.compactMap { $0.first?.text }
            let sum = columns.map { "COALESCE(LENGTH(`\($0)`), 0) + 1" }.joined(separator: " + ")
            let result = try await connection.query("SELECT COALESCE(SUM(\(sum)), 0) FROM `\(database)`.`\(table)`")
            total += Double(result.rows.first?.first?.text ?? "0") ?? 0
        }
        await connection.close()
        return total
    }
}
