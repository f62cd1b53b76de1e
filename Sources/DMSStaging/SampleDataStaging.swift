import BillingModel
import SampleData

/// What staging a sample data set wrote.
public struct SampleStagingReport: Sendable {
    /// Files written per table, in order.
    public var files: [SampleTable: [DMSWrittenFile]] = [:]
    /// Rows written per table (bad rows included).
    public var rows: [SampleTable: Int] = [:]
    /// Where each injected bad row landed, by `SampleBadRow.ordinal`.
    public var badRowLocations: [Int: DMSRowLocation] = [:]
}

extension SampleDataSet {
    /// Writes every table as a DMS full load would:
    /// `{bucketFolder}/{schema}/{TABLE}/LOAD00000001.csv`, ... Streams table by table,
    /// holding at most one file in memory.
    public func writeDMSFullLoad(
        to store: some ObjectStore,
        layout: DMSStagingLayout,
        options: DMSWriteOptions = DMSWriteOptions()
    ) async throws -> SampleStagingReport {
        var report = SampleStagingReport()
        for table in SampleTable.allCases {
            // Row numbers (1-based) of this table's bad rows, to note where they land.
            var badOrdinals: [Int: Int] = [:]
            for bad in badRows where bad.table == table {
                badOrdinals[bad.rowNumber] = bad.ordinal
            }
            var writer = DMSFullLoadWriter(
                store: store,
                tablePrefix: layout.tablePrefix(table.name),
                columns: table.columns,
                options: options
            )
            var rowNumber = 0
            for row in rows(of: table) {
                rowNumber += 1
                let location = try await writer.append(row)
                if let ordinal = badOrdinals[rowNumber] {
                    report.badRowLocations[ordinal] = location
                }
            }
            report.files[table] = try await writer.finish()
            report.rows[table] = rowNumber
        }
        return report
    }
}
