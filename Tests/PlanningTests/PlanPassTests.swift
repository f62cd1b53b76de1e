import BillingModel
import NIOCore
import DMSStaging
import DynamoDBModel
import Migration
import PlanCore
import SampleData
import Synchronization
import Testing

@testable import Planning

/// The plan's pass over staged files in memory: the same readers and mapper as the load.
struct PlanPassTests {
    @Test func aStagedPassCountsEveryRowAndItsDeadLettersAsTheLoadWould() async throws {
        let data = SampleDataSet(.init(seed: 11, accounts: 8, badRows: 6))
        let store = InMemoryObjectStore()
        let layout = DMSStagingLayout(bucketFolder: "dms")
        let staged = try await data.writeDMSFullLoad(to: store, layout: layout)
        let pass = PlanPass(mapping: .billing, configuration: PlanConfiguration(durationSeconds: 3600))
        let report = try await pass.staged(store: store, prefix: "dms", description: "memory", prices: PriceTable.load(path: nil))

        #expect(report.totals.rowsRead == staged.rows.values.reduce(0, +))
        #expect(report.totals.deadLetters == data.badRows.count)
        #expect(report.totals.items == data.totalRowCount - data.badRows.count)
        for table in SampleTable.allCases {
            let entity = try #require(report.entities.first { $0.entity == table.name })
            #expect(entity.items == data.goodRowCount(table), "\(table)")
        }
        #expect(report.keys.map(\.name) == ["table", "GSI1", "GSI2"])
        #expect(report.keys.first { $0.name == "GSI2" }?.topByItems.first?.key == "CHARGE#VOICE")
        #expect(report.costs.pricesDate == (try PriceTable.load(path: nil)).date)
        #expect(pass.progress.snapshot().perEntity.values.reduce(0) { $0 + $1.rowsRead } == report.totals.rowsRead)
    }

    @Test func aSampledPassReadsEveryRowButMeasuresOnlyItsAccounts() async throws {
        let data = SampleDataSet(.init(seed: 12, accounts: 40))
        let store = InMemoryObjectStore()
        _ = try await data.writeDMSFullLoad(to: store, layout: DMSStagingLayout(bucketFolder: "dms"))
        let pass = PlanPass(mapping: .billing, configuration: PlanConfiguration(sampleFraction: 0.5))
        let report = try await pass.staged(store: store, prefix: "dms", description: "memory", prices: PriceTable.load(path: nil))
        let account = try #require(report.entities.first { $0.entity == "BILLING_ACCOUNT" })
        #expect(account.rowsRead == 40)
        let sampled = 40 - account.rowsOutsideSample
        #expect(sampled > 5 && sampled < 35)
        // Whole accounts: each sampled account's one BILLING_ACCOUNT row, scaled by 2.
        #expect(account.items == sampled * 2)
        #expect(report.sampleFraction == 0.5)
    }

    /// A sample by files reads only the chosen files (about the fraction of each
    /// table's bytes), measures every row in them, and scales by the bytes read.
    @Test func aSampleByFilesReadsOnlyItsFilesAndScalesByTheirBytes() async throws {
        let data = SampleDataSet(.init(seed: 12, accounts: 40))
        let store = InMemoryObjectStore()
        // Small files: several per table, so there is something to choose from.
        let staged = try await data.writeDMSFullLoad(
            to: store, layout: DMSStagingLayout(bucketFolder: "dms"), options: DMSWriteOptions(maxFileSize: 16 << 10))
        let everyRow = staged.rows.values.reduce(0, +)
        let full = try await PlanPass(mapping: .billing, configuration: PlanConfiguration())
            .staged(store: store, prefix: "dms", description: "memory", prices: PriceTable.load(path: nil))
        let pass = PlanPass(mapping: .billing, configuration: PlanConfiguration(sampleFraction: 0.5, sampleUnit: .files))
        let report = try await pass.staged(store: store, prefix: "dms", description: "memory", prices: PriceTable.load(path: nil))

        #expect(report.sampleUnit == .files)
        #expect(report.sampleFraction >= 0.5 && report.sampleFraction < 0.8, "the chosen files' share of the bytes")
        #expect(report.totals.rowsRead < everyRow * 8 / 10 && report.totals.rowsRead > everyRow * 4 / 10, "only the chosen files are read")
        #expect(report.entities.allSatisfy { $0.rowsOutsideSample == 0 }, "every row of a chosen file is measured")
        // Scaled by the bytes read, the item count lands near the whole (rows are of similar size within a table).
        let error = abs(Double(report.totals.items - full.totals.items)) / Double(full.totals.items)
        #expect(error < 0.15, "items \(report.totals.items) against \(full.totals.items)")
        #expect(report.keys.first { $0.name == "GSI2" }?.topByItems.first?.key == "CHARGE#VOICE")
        // The same files on a second run.
        let again = try await PlanPass(mapping: .billing, configuration: PlanConfiguration(sampleFraction: 0.5, sampleUnit: .files))
            .staged(store: store, prefix: "dms", description: "memory", prices: PriceTable.load(path: nil))
        #expect(again.totals == report.totals)
    }

    /// Staged files whose first is slow to read: with files in parallel it finishes last.
    struct SlowFirstFileStore: ObjectStore {
        let base: InMemoryObjectStore
        let slowKey: String

        func list(prefix: String) async throws -> [ObjectInfo] { try await base.list(prefix: prefix) }

        func withObject<Result>(key: String, _ body: (ObjectByteStream) async throws -> Result) async throws -> Result {
            if key == slowKey { try await Task.sleep(for: .milliseconds(300)) }
            return try await base.withObject(key: key, body)
        }

        func put(key: String, bytes: ByteBuffer) async throws { try await base.put(key: key, bytes: bytes) }
        func delete(key: String) async throws { try await base.delete(key: key) }
        func head(key: String) async throws -> ObjectInfo? { try await base.head(key: key) }
    }

    /// Files read in parallel finish in any order; merged in file order, the plan is the one
    /// a single reader makes, down to the heavy-hitter sketches (small, so they shrink and
    /// their order matters) and the listed examples.
    @Test func filesInParallelGiveThePlanOfOneFileAtATime() async throws {
        let data = SampleDataSet(.init(seed: 14, accounts: 30, badRows: 9))
        let memory = InMemoryObjectStore()
        _ = try await data.writeDMSFullLoad(
            to: memory, layout: DMSStagingLayout(bucketFolder: "dms"), options: DMSWriteOptions(maxFileSize: 8 << 10))
        let keys = try await memory.list(prefix: "dms").map(\.key).filter { $0.hasSuffix(".csv") || $0.hasSuffix(".csv.gz") }
        #expect(keys.count > 8, "several files, so that some finish before the first")
        let store = SlowFirstFileStore(base: memory, slowKey: try #require(keys.first))
        var configuration = PlanConfiguration()
        configuration.heavyHitterCapacity = 4
        configuration.exactDistinctLimit = 16
        func plan(files: Int) async throws -> PlanReport {
            var report = try await PlanPass(mapping: .billing, configuration: configuration, filesInParallel: files)
                .staged(store: store, prefix: "dms", description: "memory", prices: PriceTable.load(path: nil))
            report.elapsedSeconds = 0
            return report
        }
        let one = try await plan(files: 1)
        let four = try await plan(files: 4)
        #expect(four.keys == one.keys)
        #expect(four.entities == one.entities)
        #expect(four == one)
    }

    /// Figures and advice are by entity type: what items carry and `load --plan` paces by.
    @Test func entitiesAreNamedByTheirEntityType() async throws {
        var mapping = Mapping.billing
        let charge = try #require(mapping.tables.firstIndex { $0.table == "CHARGE" })
        mapping.tables[charge].entityType = "Charge"
        let store = InMemoryObjectStore()
        _ = try await SampleDataSet(.init(seed: 13, accounts: 3)).writeDMSFullLoad(to: store, layout: DMSStagingLayout(bucketFolder: "dms"))
        let report = try await PlanPass(mapping: mapping, configuration: PlanConfiguration())
            .staged(store: store, prefix: "dms", description: "memory", prices: PriceTable.load(path: nil))
        #expect(report.entities.map(\.entity).contains("Charge") && !report.entities.map(\.entity).contains("CHARGE"))
        #expect(report.advice.entityMaxWriteUnitsPerSecond["Charge"] != nil)
    }

    @Test func theDefaultPriceTableIsDatedAndComplete() throws {
        let prices = try PriceTable.load(path: nil)
        #expect(prices.date.count == 10 && prices.currency == "USD" && prices.onDemand.writeRequestUnitsPerMillion > 0)
        #expect(throws: PlanPassError.self) { try PriceTable.load(path: "/nonexistent/prices.json") }
    }
}
