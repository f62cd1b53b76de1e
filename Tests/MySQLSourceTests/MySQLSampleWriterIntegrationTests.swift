import BillingModel
import Foundation
import MariaDBTestSupport
import MySQLSource
import MySQLWorkload
import SampleData
import Testing

@Suite(.serialized)
struct MySQLSampleWriterIntegrationTests {
    /// Every generated row comes back from MySQL as generated: counts per table,
    /// and each row's values (decimals, DATETIME(3), NULL vs "", UTF-8, quotes, newlines).
    @Test func writtenRowsReadBackAsGenerated() async throws {
        let configuration = try await ScratchBillingDatabase.create("writer")
        let connection = try await MySQLConnection.connect(configuration, retry: .none)
        let data = SampleDataSet(SampleDataConfiguration(seed: 42, accounts: 12))
        // Small statements and transactions so that several of each are exercised.
        let writer = MySQLSampleWriter(connection: connection, options: .init(rowsPerStatement: 70, rowsPerTransaction: 300))
        let reports = Reports()
        let written = try await writer.write(data) { reports.add($0) }

        let counts = try await MySQLSampleWriter.rowCounts(connection)
        for table in SampleTable.allCases {
            #expect(written[table] == data.rowCounts[table], "\(table.name) written")
            #expect(counts[table] == data.rowCounts[table], "\(table.name) in MySQL")
        }
        let progress = reports.all
        #expect(progress.count > SampleTable.allCases.count)
        #expect(progress.last?.totalRows == data.totalRowCount)

        var tricky = TrickyValues()
        for table in SampleTable.allCases {
            let keyColumns = table.primaryKey
            let keyIndexes = keyColumns.map { table.index(of: $0)! }
            let expected = Dictionary(uniqueKeysWithValues: data.rows(of: table).map { row in (keyIndexes.map { row[$0] }, row) })
            let columns = table.columns.map { "`\($0)`" }.joined(separator: ", ")
            let result = try await connection.query("SELECT \(columns) FROM `\(table.name)`")
            #expect(result.rows.count == expected.count)
            for row in result.rows {
                let key = keyIndexes.map { row[$0] }
                #expect(expected[key] == row, "\(table.name) \(key)")
                tricky.note(row)
            }
        }
        // The comparison above covered the hard cases.
        #expect(tricky.nulls > 0 && tricky.emptyStrings > 0)
        #expect(tricky.negativeDecimals > 0 && tricky.milliseconds > 0)
        #expect(tricky.multiByte > 0 && tricky.newlines > 0 && tricky.quotes > 0 && tricky.commas > 0)
        await connection.close()
    }

    @Test func refusesBadRowsAndFullTablesUnlessReplacing() async throws {
        let configuration = try await ScratchBillingDatabase.create("writer_refuse")
        let connection = try await MySQLConnection.connect(configuration, retry: .none)
        let writer = MySQLSampleWriter(connection: connection)
        await #expect(throws: MySQLSampleWriterError.self) {
            try await writer.write(SampleDataSet(SampleDataConfiguration(seed: 1, accounts: 3, badRows: 2)))
        }
        #expect(try await MySQLSampleWriter.rowCounts(connection).values.allSatisfy { $0 == 0 })

        let first = SampleDataSet(SampleDataConfiguration(seed: 1, accounts: 3))
        try await writer.write(first)
        await #expect(throws: MySQLSampleWriterError.self) { try await writer.write(first) }

        // Next to existing rows when asked: another range of accounts goes in, a clash fails.
        let besides = SampleDataSet(SampleDataConfiguration(seed: 1, accounts: 1, firstBan: 700_000_001))
        let appending = MySQLSampleWriter(connection: connection, options: .init(allowExistingRows: true))
        // The account goes in; its customer_id repeats the first data set's: ER_DUP_ENTRY.
        let clash = await #expect(throws: MySQLError.self) { try await appending.write(besides) }
        #expect(clash?.errorNumber == 1062)
        #expect(try await MySQLSampleWriter.rowCounts(connection)[.billingAccount] == 4)

        let second = SampleDataSet(SampleDataConfiguration(seed: 2, accounts: 2))
        try await MySQLSampleWriter(connection: connection, options: .init(replace: true)).write(second)
        let counts = try await MySQLSampleWriter.rowCounts(connection)
        for table in SampleTable.allCases {
            #expect(counts[table] == second.rowCounts[table])
        }
        await connection.close()
    }
}

// @unchecked: `lock` guards `reports`, the only state.
private final class Reports: @unchecked Sendable {
    private let lock = NSLock()
    private var reports: [MySQLSampleWriter.Progress] = []
    func add(_ progress: MySQLSampleWriter.Progress) { lock.withLock { reports.append(progress) } }
    var all: [MySQLSampleWriter.Progress] { lock.withLock { reports } }
}

private struct TrickyValues {
    var nulls = 0, emptyStrings = 0, negativeDecimals = 0, milliseconds = 0
    var multiByte = 0, newlines = 0, quotes = 0, commas = 0

    mutating func note(_ row: SourceRow) {
        for value in row {
            guard let text = value.text else {
                nulls += 1
                continue
            }
            if text.isEmpty { emptyStrings += 1 }
            if text.hasPrefix("-"), text.contains(".") { negativeDecimals += 1 }
            if text.count == 23, text.hasSuffix("0") == false, text.contains(":") { milliseconds += 1 }
            if text.utf8.count > text.unicodeScalars.count { multiByte += 1 }
            if text.contains("\n") { newlines += 1 }
            if text.contains("\"") || text.contains("'") { quotes += 1 }
            if text.contains(",") { commas += 1 }
        }
    }
}
