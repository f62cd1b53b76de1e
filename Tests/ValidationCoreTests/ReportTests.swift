import BillingModel
import DynamoDBModel
import Foundation
import Testing
import ValidationCore

@Suite("Reports, run records, partitions")
struct ReportTests {
    @Test func theAccumulatorCountsEverythingAndListsUpToItsCap() {
        let rows = account("1") + account("2")
        var accumulator = ValidationAccumulator(mismatchLimit: 3)
        accumulator.add(comparator.compare(rows: rows, items: []))
        #expect(accumulator.mismatchCount == rows.count)
        #expect(accumulator.mismatches.count == 3)
        let report = ValidationReport(
            run: "R1", mode: "full", table: "T", source: "mysql://x/billing", startedAt: "a", finishedAt: "b",
            entities: accumulator.entities, itemsNotData: 0, accountsChecked: nil,
            mismatchCount: accumulator.mismatchCount, mismatches: accumulator.mismatches)
        #expect(report.mismatchesOmitted == rows.count - 3)
        #expect(report.failureRate == 1)
        #expect(report.isAlert)
        #expect(!report.isClean)
    }

    @Test func theReportRoundTripsThroughJSON() throws {
        let rows = account("1")
        let edited = editing(items(for: rows), at: key("BAN#1", "ACCOUNT")) { $0["credit_limit"] = .n("2500.01") }
        var accumulator = ValidationAccumulator(mismatchLimit: 10)
        accumulator.add(comparator.compare(rows: rows, items: edited))
        let report = ValidationReport(
            run: "R2", mode: "full", table: "T", source: "s", startedAt: "a", finishedAt: "b",
            entities: accumulator.entities, itemsNotData: 0, accountsChecked: 1,
            mismatchCount: accumulator.mismatchCount, mismatches: accumulator.mismatches)
        let decoded = try JSONDecoder().decode(ValidationReport.self, from: JSONEncoder().encode(report))
        #expect(decoded.mismatches == report.mismatches)
        #expect(decoded.entities == report.entities)
        #expect(decoded.failureRate == 1.0 / Double(rows.count))
        #expect(decoded.isAlert)  // 1 of 7 keys is above 1%
    }

    @Test func theRunRecordCarriesCountsAndRate() {
        var tally = EntityTally()
        tally.rows = 400
        tally.items = 399
        tally.missing = 1
        tally.failedKeys = 1
        let report = ValidationReport(
            run: "20261122T061700Z", mode: "full", table: "T", source: "s", startedAt: "a", finishedAt: "b",
            entities: ["CHARGE": tally], itemsNotData: 0, accountsChecked: nil, mismatchCount: 1, mismatches: [])
        let item = ValidationRunRecord.item(for: report)
        #expect(item["PK"] == .s("MIGRATION#STATUS"))
        #expect(item["SK"] == .s("VALIDATION#20261122T061700Z"))
        #expect(item["Status"] == .s("FAILED"))
        #expect(item["Missing"] == .n("1"))
        #expect(item["FailureRate"] == .n("0.002500"))
        #expect(item["Alert"] == .bool(false))
    }

    @Test func partitionsCoverEveryAccountOnce() {
        let accounts: [UInt64] = (1...10).map { $0 * 10 }
        let partitions = AccountPartitions(sortedAccounts: accounts, perRange: 3)
        #expect(partitions.boundaries == [30, 60, 90])
        #expect(partitions.count == 4)
        #expect(partitions.range(of: 0) == 0)
        #expect(partitions.range(of: 30) == 0)
        #expect(partitions.range(of: 31) == 1)
        #expect(partitions.range(of: 100) == 3)
        #expect(partitions.range(of: UInt64.max) == 3)
        #expect(partitions.bounds(of: 0).lowerExclusive == nil)
        #expect(partitions.bounds(of: 1).lowerExclusive == 30)
        #expect(partitions.bounds(of: 3).upperInclusive == nil)
        #expect(AccountPartitions(sortedAccounts: [5], perRange: 3).count == 1)
        #expect(AccountPartitions.account(inPartitionKey: "BAN#0042") == 42)
        #expect(AccountPartitions.account(inPartitionKey: "BAN#4x") == nil)
        #expect(AccountPartitions.account(inPartitionKey: "MIGRATION#STATUS") == nil)
    }

    @Test func theSamplerPicksAboutItsShareStably() {
        let sampler = AccountSampler(share: 0.1, seed: 7)
        let picked = (0..<10_000).filter { sampler.includes(UInt64($0)) }
        #expect(picked.count > 850 && picked.count < 1150)
        #expect(picked == (0..<10_000).filter { AccountSampler(share: 0.1, seed: 7).includes(UInt64($0)) })
        #expect(picked != (0..<10_000).filter { AccountSampler(share: 0.1, seed: 8).includes(UInt64($0)) })
        #expect(AccountSampler(share: 1, seed: 1).includes(123))
    }
}
