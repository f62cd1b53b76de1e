import BillingModel
import Foundation
import MariaDBTestSupport
import MySQLSource
import MySQLWorkload
import SampleData
import Synchronization
import Testing

@Suite(.serialized)
struct WorkloadIntegrationTests {
    /// A scratch database filled with sample data.
    static func filledDatabase(_ name: String, accounts: Int = 25) async throws -> MySQLConnectionConfiguration {
        let configuration = try await ScratchBillingDatabase.create(name)
        let connection = try await MySQLConnection.connect(configuration, retry: .none)
        try await MySQLSampleWriter(connection: connection).write(SampleDataSet(SampleDataConfiguration(seed: 3, accounts: accounts)))
        await connection.close()
        return configuration
    }

    static func counts(_ configuration: MySQLConnectionConfiguration) async throws -> [SampleTable: Int] {
        let connection = try await MySQLConnection.connect(configuration, retry: .none)
        let counts = try await MySQLSampleWriter.rowCounts(connection)
        await connection.close()
        return counts
    }

    @Test func committedChangesMoveTheRowCountsAsReported() async throws {
        let configuration = try await Self.filledDatabase("workload_counts")
        let before = try await Self.counts(configuration)
        let runner = WorkloadRunner(configuration: WorkloadConfiguration(changes: 2000, connections: 3, seed: 11))
        let summary = try await runner.run(connect: { try await MySQLConnection.connect(configuration, retry: .none) })
        let after = try await Self.counts(configuration)

        #expect(summary.unexpectedRowCounts == 0)
        #expect(summary.committedChanges == 2000)
        #expect(!summary.stoppedEarly)
        let byKind = summary.changes.values.flatMap { $0 }.reduce(0) { $0 + $1.value }
        #expect(byKind == summary.committedChanges)
        for table in SampleTable.allCases {
            #expect(after[table]! - before[table]! == summary.rowCountChange(table), "\(table.name)")
            #expect(summary.count(table, .update) > 0, "\(table.name) updates")
        }
        #expect(summary.count(.charge, .keyChange) > 0 && summary.count(.serviceAgreement, .keyChange) > 0)
        #expect(summary.rolledBackTransactions > 0 && summary.rolledBackChanges > 0)
        #expect(summary.transactions.count == WorkloadTemplate.allCases.count)
    }

    @Test func rolledBackTransactionsLeaveNoRows() async throws {
        let configuration = try await Self.filledDatabase("workload_rollback", accounts: 10)
        let before = try await Self.checksums(configuration)
        let calls = Atomic<Int>(0)
        let runner = WorkloadRunner(configuration: WorkloadConfiguration(
            changes: 1000, seed: 5, mix: WorkloadMix(rollbackPercent: 100)))
        let summary = try await runner.run(
            connect: { try await MySQLConnection.connect(configuration, retry: .none) },
            shouldStop: { calls.add(1, ordering: .relaxed).newValue > 300 })
        #expect(summary.committedChanges == 0 && summary.committedTransactions == 0)
        #expect(summary.rolledBackTransactions == 300)
        #expect(summary.rolledBackChanges > 300)
        #expect(summary.stoppedEarly)
        #expect(try await Self.checksums(configuration) == before)
    }

    /// What reaches the binlog, the change stream's source, is exactly what the
    /// summary says was committed: rolled-back transactions leave no event.
    @Test func theBinlogHoldsExactlyTheCommittedChanges() async throws {
        let configuration = try await Self.filledDatabase("workload_binlog", accounts: 10)
        let probe = try await MySQLConnection.connect(configuration, retry: .none)
        let start = try await BinlogScenario.binlogEnd(probe)
        let runner = WorkloadRunner(configuration: WorkloadConfiguration(changes: 500, seed: 21, mix: WorkloadMix(rollbackPercent: 25)))
        let summary = try await runner.run(connect: { try await MySQLConnection.connect(configuration, retry: .none) })
        let end = try await BinlogScenario.binlogEnd(probe)
        await probe.close()

        let transactions = try await BinlogScenario.streamChanges(
            configuration, start: .coordinates(start), until: end, database: configuration.database,
            tables: Set(SampleTable.allCases.map(\.name)))
        #expect(summary.rolledBackTransactions > 20)
        #expect(transactions.count == summary.committedTransactions)
        var streamed: [String: [String: Int]] = [:]
        for change in transactions.flatMap({ $0 }) {
            streamed[change.table, default: [:]][change.operation.rawValue, default: 0] += 1
        }
        for table in SampleTable.allCases {
            let counts = streamed[table.name] ?? [:]
            #expect(counts["insert", default: 0] == summary.count(table, .insert), "\(table.name) inserts")
            #expect(counts["delete", default: 0] == summary.count(table, .delete), "\(table.name) deletes")
            #expect(
                counts["update", default: 0] == summary.count(table, .update) + summary.count(table, .keyChange),
                "\(table.name) updates")
        }
    }

    @Test func oneConnectionAndASeedGiveTheSameDatabase() async throws {
        var contents: [[String: [SourceRow]]] = []
        for name in ["workload_same_a", "workload_same_b"] {
            let configuration = try await Self.filledDatabase(name, accounts: 8)
            let runner = WorkloadRunner(configuration: WorkloadConfiguration(changes: 600, seed: 99))
            let summary = try await runner.run(connect: { try await MySQLConnection.connect(configuration, retry: .none) })
            #expect(summary.committedChanges == 600)
            contents.append(try await Self.contentsWithoutTimestamps(configuration))
        }
        #expect(contents[0] == contents[1])
        let seeded = try await Self.filledDatabase("workload_same_b", accounts: 8)
        let other = WorkloadRunner(configuration: WorkloadConfiguration(changes: 600, seed: 100))
        _ = try await other.run(connect: { try await MySQLConnection.connect(seeded, retry: .none) })
        #expect(try await Self.contentsWithoutTimestamps(seeded) != contents[0])
    }

    @Test func theRateLimitHolds() async throws {
        let configuration = try await Self.filledDatabase("workload_rate", accounts: 10)
        let runner = WorkloadRunner(configuration: WorkloadConfiguration(changes: 400, ratePerSecond: 200, connections: 2, seed: 4))
        let summary = try await runner.run(connect: { try await MySQLConnection.connect(configuration, retry: .none) })
        #expect(summary.committedChanges == 400)
        // 400 changes at 200/s take about 2 s (a tenth of a second of burst); never much less.
        #expect(summary.elapsedSeconds > 1.6)
        #expect(summary.changesPerSecond < 250)
    }

    static func checksums(_ configuration: MySQLConnectionConfiguration) async throws -> [String] {
        let connection = try await MySQLConnection.connect(configuration, retry: .none)
        let names = SampleTable.allCases.map { "`\($0.name)`" }.joined(separator: ", ")
        let rows = try await connection.query("CHECKSUM TABLE \(names) EXTENDED").rows
        await connection.close()
        return rows.map { "\($0[0].text ?? "") \($0[1].text ?? "NULL")" }
    }

    /// Every row of every table without `created_at`/`updated_at` (the server's clock), by primary key.
    static func contentsWithoutTimestamps(_ configuration: MySQLConnectionConfiguration) async throws -> [String: [SourceRow]] {
        let connection = try await MySQLConnection.connect(configuration, retry: .none)
        var contents: [String: [SourceRow]] = [:]
        for table in SampleTable.allCases {
            let columns = table.columns.filter { $0 != "created_at" && $0 != "updated_at" }.map { "`\($0)`" }.joined(separator: ", ")
            let order = table.primaryKey.map { "`\($0)`" }.joined(separator: ", ")
            contents[table.name] = try await connection.query("SELECT \(columns) FROM `\(table.name)` ORDER BY \(order)").rows
        }
        await connection.close()
        return contents
    }
}
