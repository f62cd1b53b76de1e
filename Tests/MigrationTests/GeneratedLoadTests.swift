import BillingModel
import DMSStaging
import DynamoDBModel
import Migration
import MigrationCore
import SampleData
import Testing

/// The whole path on generated data, in memory: every good row becomes exactly
/// its item, every injected bad row is dead-lettered, nothing is unaccounted.
@Suite struct GeneratedLoadTests {
    @Test(arguments: [DMSFile.Compression.none, .gzip])
    func everyGeneratedRowIsWrittenOrDeadLettered(compression: DMSFile.Compression) async throws {
        let data = SampleDataSet(.init(seed: 7, accounts: 12, badRows: 6))
        let source = InMemoryObjectStore(chunkSize: 4096)
        var options = DMSWriteOptions()
        options.compression = compression
        options.maxFileSize = 64 * 1024
        let report = try await data.writeDMSFullLoad(
            to: source, layout: DMSStagingLayout(bucketFolder: "gen"), options: options)
        let state = InMemoryObjectStore()
        let target = ScriptedWriteTarget()
        let summary = try await FullLoad(
            configuration: FullLoadConfiguration(sourcePrefix: "gen", sourceDescription: "memory://gen", writeConcurrency: 8),
            source: source, target: target, state: StateLocation(store: state, prefix: "state")
        ).run()

        let generated = SampleTable.allCases.reduce(0) { $0 + (report.rows[$1] ?? 0) }
        #expect(summary.total.rowsRead == generated)
        #expect(summary.total.deadLettered == data.badRows.count)
        #expect(summary.total.itemsWritten == generated - data.badRows.count)
        #expect(summary.status == .completedWithDeadLetters)
        for table in SampleTable.allCases {
            let entity = try #require(summary.entities.first { $0.entity == table.name })
            #expect(entity.itemsWritten == data.goodRowCount(table))
        }
        let items = target.stored.filter { $0.key.pk != "MIGRATION#STATUS" }
        #expect(items.count == summary.total.itemsWritten)

        // Each stored item is the mapper's item of its generated row.
        let mapper = try ItemMapper(mapping: .billing)
        let badKeys = Set(data.badRows.map(\.values))
        for table in SampleTable.allCases {
            for row in data.rows(of: table) where !badKeys.contains(row) {
                let expected = try mapper.item(table: table.name, row: row, version: "0")
                #expect(items[expected.key] == expected.item)
            }
        }

        let letters = try await DeadLetterStore(store: state, prefix: "state/dead-letters/").readAll()
        #expect(letters.count == data.badRows.count)
        #expect(Set(letters.map(\.table)) == Set(data.badRows.map(\.table.name)))
    }
}
