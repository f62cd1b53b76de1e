import BillingModel
import DynamoDBModel
import Foundation
import SampleData
import Testing

@testable import PlanCore

let testPrices = PriceTable(
    date: "2025-01-15", source: "test", region: "us-east-1", tableClass: "Standard", currency: "USD",
    onDemand: .init(writeRequestUnitsPerMillion: 0.625, readRequestUnitsPerMillion: 0.125),
    provisioned: .init(writeCapacityUnitHour: 0.00065, readCapacityUnitHour: 0.00013), storageGBMonth: 0.25)

struct PlanAccumulatorTests {
    /// 1,000 CHARGE items over 10 accounts: 60% VOICE, 30% DATA, 10% SMS on
    /// GSI2, ten items of 3,000 bytes (3 units) and the rest of 500 (1 unit).
    static func skewedCharges(duration: Double) -> PlanReport {
        var plan = PlanAccumulator(mapping: .billing, configuration: PlanConfiguration(durationSeconds: duration))
        for i in 0..<1_000 {
            let feature = i % 10 < 6 ? "VOICE" : i % 10 < 9 ? "DATA" : "SMS"
            plan.add(entity: "CHARGE", footprint: ItemFootprint(
                key: ItemKey(pk: "BAN#\(i % 10)", sk: "CHARGE#\(i)"), size: i < 10 ? 3_000 : 500,
                indexKeys: [.init(index: "GSI1", partitionKey: "SUB#\(i % 100)"), .init(index: "GSI2", partitionKey: "CHARGE#\(feature)")]))
        }
        return plan.report(source: "test", prices: testPrices, elapsedSeconds: 1)
    }

    @Test func countsUnitsSizesAndStorageExactly() throws {
        let report = Self.skewedCharges(duration: 3600)
        let charge = try #require(report.entities.first { $0.entity == "CHARGE" })
        #expect(charge.items == 1_000 && charge.rowsRead == 1_000 && charge.deadLetters == 0)
        #expect(charge.tableWriteUnits == 10 * 3 + 990)
        #expect(charge.indexWriteUnits == ["GSI1": 1_020, "GSI2": 1_020])
        #expect(charge.sizes == .init(p50: 500, p99: 500, max: 3_000, mean: 525))
        #expect(charge.storageBytes == 3 * (30_000 + 495_000 + 1_000 * 100))
        #expect(report.totals.writeUnits == 3_060)
        #expect(report.totals.tableStorageBytes == 625_000)
        // 525,000 bytes: 129 started 4 KB blocks, half a unit each.
        #expect(report.totals.validationReadUnits == 65)
        #expect(abs(report.costs.onDemandLoad - 3_060 / 1e6 * 0.625) < 1e-12)
        #expect(report.costs.provisionedWriteCapacity == 1)
        #expect(abs(report.costs.provisionedLoad - 0.00065) < 1e-12, "one WCU for one hour")
        #expect(report.warnings.allSatisfy { $0.kind != .hotKey })
    }

    @Test func findsTheSkewedIndexKeyWithItsShareAndRate() throws {
        let report = Self.skewedCharges(duration: 0.5)
        let gsi2 = try #require(report.keys.first { $0.name == "GSI2" })
        #expect(gsi2.distinctPartitionKeys == .init(count: 3, exact: true, relativeStandardError: 0, lowerBound: false))
        #expect(gsi2.topByItems.map(\.key) == ["CHARGE#VOICE", "CHARGE#DATA", "CHARGE#SMS"])
        #expect(gsi2.topByItems.map(\.value) == [600, 300, 100])
        #expect(gsi2.topByItems.allSatisfy { $0.maxError == 0 })
        let voice = try #require(gsi2.topByWriteUnits.first)
        #expect(voice.key == "CHARGE#VOICE" && voice.value == 6 * 3 + 594)
        #expect(abs(voice.shareOfWrites - 612.0 / 1_020) < 1e-12)
        #expect(voice.writeUnitsPerSecond == 1_224)
        #expect(abs(voice.indexRateAtPartitionLimit! - 1_000 * 1_020 / 612.0) < 1e-9)
        #expect(gsi2.topByBytes.first?.value == 6 * 3_000 + 594 * 500)

        let hot = try #require(report.warnings.first { $0.kind == .hotKey })
        #expect(hot.key == "CHARGE#VOICE" && hot.entity == "CHARGE")
        #expect(hot.message.contains("GSI2") && hot.action.contains("shard"))
        #expect(hot.action.contains("--entity-max-wcu CHARGE=1333"))
        // 80% of 1,000 units/s on VOICE, which takes 612 of CHARGE's 1,020 table units.
        #expect(report.advice.entityMaxWriteUnitsPerSecond == ["CHARGE": 1_333])
        #expect(report.keys.first { $0.name == "table" }?.distinctPartitionKeys.count == 10)
    }

    /// Files are measured apart and merged: the merge equals one pass over
    /// everything, including a key two parts share (a collision).
    @Test func mergedPartsReportWhatOnePassReports() throws {
        func footprint(_ i: Int) -> ItemFootprint {
            ItemFootprint(
                key: ItemKey(pk: "BAN#\(i % 500 % 7)", sk: "CHARGE#\(i % 500)"), size: 300 + i % 1_500,
                indexKeys: [.init(index: "GSI2", partitionKey: "CHARGE#F\(i % 3)")])
        }
        let configuration = PlanConfiguration(heavyHitterCapacity: 2)
        var whole = PlanAccumulator(mapping: .billing, configuration: configuration)
        var first = PlanAccumulator(mapping: .billing, configuration: configuration)
        var second = PlanAccumulator(mapping: .billing, configuration: configuration)
        for i in 0..<501 {
            whole.add(entity: "CHARGE", footprint: footprint(i))
            if i < 250 { first.add(entity: "CHARGE", footprint: footprint(i)) } else { second.add(entity: "CHARGE", footprint: footprint(i)) }
        }
        first.merge(second)
        let merged = first.report(source: "t", prices: testPrices, elapsedSeconds: 0)
        let single = whole.report(source: "t", prices: testPrices, elapsedSeconds: 0)
        #expect(merged.entities.first?.collidingKeys == 1 && single.entities.first?.collidingKeys == 1)
        #expect(merged.totals == single.totals)
        #expect(merged.entities.map(\.sizes) == single.entities.map(\.sizes))
        #expect(merged.keys.map(\.distinctPartitionKeys) == single.keys.map(\.distinctPartitionKeys))
        // Three GSI2 values fit 2k = 4 counters: exact, and equal.
        #expect(merged.keys.last?.topByItems == single.keys.last?.topByItems)
        #expect(merged.advice == single.advice)
    }

    /// The accumulator sums a value's rows before its sketches see them (rows
    /// come in key order): the heavy hitters must read as sketches fed row by
    /// row, also when values outnumber the counters and the sketches shrink.
    @Test func summedRowsRankAsSketchesFedRowByRow() throws {
        let configuration = PlanConfiguration(heavyHitterCapacity: 2)
        var plan = PlanAccumulator(mapping: .billing, configuration: configuration)
        var byItems = HeavyHitters(capacity: 2), byBytes = HeavyHitters(capacity: 2), byUnits = HeavyHitters(capacity: 2)
        var gsi2 = HeavyHitters(capacity: 2)
        // Runs of 1 to 9 rows over 13 values, and now and then a value of one run.
        var partitionKeys: [String] = []
        for run in 0..<600 {
            let value = run % 19 == 0 ? "BAN#once\(run)" : "BAN#\(run * 7 % 13)"
            partitionKeys += repeatElement(value, count: 1 + run % 9)
        }
        for (i, pk) in partitionKeys.prefix(3_000).enumerated() {
            let feature = "CHARGE#F\(i % 5 == 0 ? i % 7 : 0)"
            let size = 300 + i * 37 % 5_000
            plan.add(entity: "CHARGE", footprint: ItemFootprint(
                key: ItemKey(pk: pk, sk: "CHARGE#\(i)"), size: size, indexKeys: [.init(index: "GSI2", partitionKey: feature)]))
            byItems.add(pk)
            byBytes.add(pk, weight: size)
            byUnits.add(pk, weight: ItemSize.writeUnits(bytes: size))
            gsi2.add(feature, weight: ItemSize.writeUnits(bytes: size))
        }
        let report = plan.report(source: "t", prices: testPrices, elapsedSeconds: 0)
        func ranked(_ keys: [PlanReport.TopKey]) -> [String] { keys.map { "\($0.key) \($0.value) ±\($0.maxError)" } }
        func ranked(_ sketch: HeavyHitters) -> [String] {
            sketch.top(configuration.topKeys).map { "\($0.key) \($0.estimate) ±\(sketch.maxUndercount)" }
        }
        let table = try #require(report.keys.first { $0.name == "table" })
        #expect(!byItems.isExact && !byBytes.isExact && !byUnits.isExact)
        #expect(ranked(table.topByItems) == ranked(byItems))
        #expect(ranked(table.topByBytes) == ranked(byBytes))
        #expect(ranked(table.topByWriteUnits) == ranked(byUnits))
        #expect(table.distinctPartitionKeys.count == Set(partitionKeys.prefix(3_000)).count)
        let index = try #require(report.keys.first { $0.name == "GSI2" })
        #expect(ranked(index.topByWriteUnits) == ranked(gsi2))
    }

    @Test func oversizedAndNearLimitItemsAreListedWithTheirKeys() throws {
        var plan = PlanAccumulator(mapping: .billing, configuration: PlanConfiguration())
        plan.add(entity: "CUSTOMER", footprint: .init(key: ItemKey(pk: "BAN#1", sk: "CUSTOMER"), size: 500_000, indexKeys: []))
        plan.add(entity: "CUSTOMER", footprint: .init(key: ItemKey(pk: "BAN#2", sk: "CUSTOMER"), size: 380_000, indexKeys: []))
        plan.add(entity: "CUSTOMER", footprint: .init(key: ItemKey(pk: "BAN#3", sk: "CUSTOMER"), size: 1_000, indexKeys: []))
        let report = plan.report(source: "test", prices: testPrices, elapsedSeconds: 0)
        let customer = try #require(report.entities.first)
        #expect(customer.oversized == 1 && customer.oversizedItems == [.init(key: "BAN#1 | CUSTOMER", bytes: 500_000)])
        #expect(customer.nearLimit == 1 && customer.nearLimitItems == [.init(key: "BAN#2 | CUSTOMER", bytes: 380_000)])
        #expect(customer.items == 2 && customer.deadLetters == 1)
        #expect(customer.tableWriteUnits == 372 + 1)
        #expect(customer.sizes.max == 500_000)
        #expect(Set(report.warnings.map(\.kind)) == [.oversizedItems, .nearLimitItems])
    }

    @Test func twoRowsOnOneKeyAndAMappingThatAllowsItAreWarned() throws {
        var mapping = Mapping.billing
        let charge = try #require(mapping.tables.firstIndex { $0.table == "CHARGE" })
        mapping.tables[charge].sortKey = try KeyTemplate("CHARGE#{charge_seq:20}")
        var plan = PlanAccumulator(mapping: mapping, configuration: PlanConfiguration())
        for _ in 0..<2 {
            plan.add(entity: "CHARGE", footprint: .init(key: ItemKey(pk: "BAN#1", sk: "CHARGE#1"), size: 100, indexKeys: []))
        }
        let report = plan.report(source: "test", prices: testPrices, elapsedSeconds: 0)
        #expect(report.entities.first?.collidingKeys == 1)
        #expect(report.entities.first?.collisionExamples == ["BAN#1 | CHARGE#1"])
        let static_ = try #require(report.warnings.first { $0.kind == .keysMayCollide })
        #expect(static_.entity == "CHARGE" && static_.message.contains("activity_num"))
        #expect(PlanAccumulator(mapping: .billing, configuration: .init())
            .report(source: "", prices: testPrices, elapsedSeconds: 0).warnings.isEmpty)
    }

    /// The check takes rows in batches: a key repeated in a later batch is
    /// found, counted once per repeating row, with the first examples in row order.
    @Test func collisionsAcrossBatchesAreCountedWithTheFirstExamplesInOrder() throws {
        var plan = PlanAccumulator(mapping: .billing, configuration: PlanConfiguration())
        for i in 0..<700 {
            plan.add(entity: "CHARGE", footprint: .init(key: ItemKey(pk: "BAN#\(i % 300 % 7)", sk: "CHARGE#\(i % 300)"), size: 100, indexKeys: []))
        }
        let charge = try #require(plan.report(source: "t", prices: testPrices, elapsedSeconds: 0).entities.first)
        #expect(charge.collidingKeys == 400)
        #expect(charge.collisionExamples == ["BAN#0 | CHARGE#0", "BAN#1 | CHARGE#1", "BAN#2 | CHARGE#2"])

        var bounded = PlanAccumulator(mapping: .billing, configuration: PlanConfiguration(collisionCheckLimit: 250))
        for i in 0..<700 {
            bounded.add(entity: "CHARGE", footprint: .init(key: ItemKey(pk: "BAN#1", sk: "CHARGE#\(i % 300)"), size: 100, indexKeys: []))
        }
        let report = bounded.report(source: "t", prices: testPrices, elapsedSeconds: 0)
        #expect(!report.collisionCheckComplete && report.entities.first?.collidingKeys == 0)
    }

    @Test func aSampleScalesCountsUpAndSaysWhichDistinctCountsAreLowerBounds() throws {
        var plan = PlanAccumulator(mapping: .billing, configuration: PlanConfiguration(sampleFraction: 0.25))
        for i in 0..<100 {
            plan.add(entity: "BILL", footprint: .init(
                key: ItemKey(pk: "BAN#\(i)", sk: "BILL#1"), size: 200, indexKeys: [.init(index: "GSI2", partitionKey: "BILL#C\(i % 4)")]))
        }
        for _ in 0..<300 { plan.addOutsideSample(entity: "BILL") }
        let report = plan.report(source: "test", prices: testPrices, elapsedSeconds: 0)
        let bill = try #require(report.entities.first)
        #expect(bill.rowsRead == 400 && bill.rowsOutsideSample == 300 && bill.items == 400 && bill.tableWriteUnits == 400)
        let table = try #require(report.keys.first { $0.name == "table" })
        #expect(table.distinctPartitionKeys.count == 400 && !table.distinctPartitionKeys.exact)
        let gsi2 = try #require(report.keys.first { $0.name == "GSI2" })
        #expect(gsi2.distinctPartitionKeys.count == 4 && gsi2.distinctPartitionKeys.lowerBound)
        #expect(gsi2.topByItems.first?.value == 100)
    }

    /// The billing sample data, mapped by the real mapper: every figure is the
    /// count taken straight from the rows, and GSI2's heaviest key is the most
    /// common feature code's (`CHARGE#VOICE`), which the report explains.
    @Test func billingDataGSI2HotKeysAreFoundExactly() throws {
        let data = SampleDataSet(.init(seed: 7, accounts: 30))
        let mapper = try ItemMapper(mapping: .billing)
        var plan = PlanAccumulator(mapping: .billing, configuration: PlanConfiguration(durationSeconds: 1))
        var features: [String: Int] = [:]
        var totalBytes = 0
        var bytes = FootprintBytes()
        for table in SampleTable.allCases {
            let featureColumn = Mapping.billing.table(table.name)!.columnIndex("feature_code")
            for row in data.rows(of: table) {
                let footprint = try mapper.footprint(table: table.name, row: row, version: "0")
                // The plan's pass reads the same footprint as bytes in a reused buffer.
                try mapper.footprint(table: table.name, row: row, version: "0", into: &bytes)
                let indexNames = try #require(Mapping.billing.table(table.name)).indexKeys.map(\.indexName)
                #expect(bytes.size == footprint.size && bytes.itemKey == footprint.key)
                #expect(bytes.indexes.map { indexNames[$0] } == footprint.indexKeys.map(\.index))
                #expect(bytes.indexes.indices.map { bytes.key(2 + $0) } == footprint.indexKeys.map(\.partitionKey))
                let (_, item) = try mapper.item(table: table.name, row: row, version: "0")
                #expect(footprint.size == ItemSize.of(item))
                totalBytes += footprint.size
                if let featureColumn, case .text(let code) = row[featureColumn] { features["CHARGE#" + code, default: 0] += 1 }
                plan.add(entity: table.name, footprint: footprint)
            }
        }
        let report = plan.report(source: "sample", prices: testPrices, elapsedSeconds: 0)
        #expect(report.totals.items == data.totalRowCount)
        #expect(report.keys.first { $0.name == "table" }?.bytes == totalBytes)
        #expect(report.keys.first { $0.name == "table" }?.distinctPartitionKeys.count == 30)
        let gsi2 = try #require(report.keys.first { $0.name == "GSI2" })
        let heaviest = features.max { $0.value < $1.value }!
        #expect(heaviest.key == "CHARGE#VOICE")
        let top = try #require(gsi2.topByItems.first)
        #expect(top.key == heaviest.key && top.value == heaviest.value && top.maxError == 0)
        let chargeGSI2 = try #require(report.entities.first { $0.entity == "CHARGE" }?.keys.first { $0.name == "GSI2" })
        #expect(chargeGSI2.hottest?.key == "CHARGE#VOICE")
        let hot = try #require(report.warnings.first { $0.key == "CHARGE#VOICE" })
        #expect(hot.kind == .hotKey && hot.entity == "CHARGE")
        #expect(report.advice.entityMaxWriteUnitsPerSecond["CHARGE"] != nil)
        // The JSON round-trips: `load --plan` reads what `plan --json` prints.
        let decoded = try JSONDecoder().decode(PlanReport.self, from: JSONEncoder().encode(report))
        #expect(decoded == report)
    }
}
