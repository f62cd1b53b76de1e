import BillingModel
import DMSStaging
import DynamoDBModel
@testable import Migration
import MigrationCore
import Testing

/// The row-source-independent part of a full load: the markers a snapshot
/// resumes by, and where units end.
@Suite struct UnitWriterTests {
    static func services(target: ScriptedWriteTarget) -> LoadServices {
        LoadServices(
            applier: BatchApplier(target: target, throttle: WriteThrottle(configuration: .init())),
            limiter: ConcurrencyLimiter(limit: 3), progress: LoadProgress(),
            writeConcurrency: 3, checkpointInterval: .zero, checkpointer: nil)
    }

    /// A BILLING_ACCOUNT row for account `ban`.
    static func account(_ ban: Int, line: Int) -> SourceChange {
        let values = "\(ban),I,01,O,2024-01-01,MONTHLY,A,1500.00,USD,2020-05-01,2020-05-01 10:00:00.123,2024-01-01 00:00:00.000"
            .split(separator: ",", omittingEmptySubsequences: false).map { SourceValue.text(String($0)) }
        return SourceChange(
            table: "BILLING_ACCOUNT", operation: .snapshot, row: values, position: .fullLoad(file: "t", line: line),
            origin: RowOrigin(source: "t", line: line))
    }

    struct Saved: Equatable {
        var recordsDone: Int
        var marker: [SourceValue]?
    }

    /// Feeds `bans` with markers `k{ban}`; returns every checkpoint taken and the writer at the end.
    static func feed(_ bans: [Int], resumeFrom: Int = 0) async throws -> (saved: [Saved], writer: UnitWriter, target: ScriptedWriteTarget) {
        let target = ScriptedWriteTarget()
        let table = try #require(Mapping.billing.tables.first { $0.table == "BILLING_ACCOUNT" })
        var writer = UnitWriter(
            table: table, unit: "BILLING_ACCOUNT.csv", mapper: try ItemMapper(mapping: .billing), services: services(target: target),
            resumeFrom: resumeFrom, counts: EntityCounts())
        var saved: [Saved] = []
        let checkpoint: UnitWriter.Checkpoint = { ledger, markers in
            let taken = ledger.takeCheckpoint()
            saved.append(Saved(recordsDone: taken.recordsDone, marker: markers[taken.recordsDone]))
        }
        try await withThrowingTaskGroup(of: (Int, BatchApplier.Outcome).self) { group in
            for (index, ban) in bans.enumerated() {
                try await writer.add(
                    account(ban, line: resumeFrom + index + 1), marker: [.text("k\(ban)")], group: &group, checkpoint: checkpoint)
            }
            try await writer.finish(group: &group, checkpoint: checkpoint)
        }
        return (saved, writer, target)
    }

    @Test func everyCheckpointedWatermarkHasTheKeyOfItsLastRow() async throws {
        let bans = Array(1001...1060)
        let (saved, writer, target) = try await Self.feed(bans)
        #expect(target.stored.count == 60)
        #expect(writer.ledger.isSettled)
        #expect(writer.ledger.recordsDone == 60)
        #expect(writer.markers[60] == [.text("k1060")], "the final boundary keeps its key for the completed checkpoint")
        #expect(!saved.isEmpty)
        for entry in saved where entry.recordsDone > 0 {
            // Row n (1-based) is account 1000 + n.
            #expect(entry.marker == [.text("k\(1000 + entry.recordsDone)")], "watermark \(entry.recordsDone)")
        }
        // Units end every 25 rows and at the end.
        #expect(Set(saved.map(\.recordsDone)).isSubset(of: [0, 25, 50, 60]))
    }

    @Test func keysThatEndAlikeAreNotRepeatsOfEachOther() {
        var assembler = UnitAssembler(table: "T", columns: [])
        let first = ItemKey(pk: "ACCT#A-0000001", sk: "X#0001")
        let second = ItemKey(pk: "ACCT#B-0000001", sk: "X#0001")
        #expect(UnitAssembler.fingerprint(first) == UnitAssembler.fingerprint(second), "the case this test is for")
        assembler.add(PendingPut(item: ["PK": .s(first.pk), "SK": .s(first.sk)], key: first, entity: "T", origin: RowOrigin(source: "t"), row: []))
        #expect(!assembler.wouldRepeat(second))
        #expect(assembler.wouldRepeat(first))
        #expect(!assembler.wouldRepeat(ItemKey(pk: "ACCT#A-0000002", sk: "X#0001")))
    }

    @Test func aRepeatedKeyEndsTheUnitBeforeItsRow() async throws {
        // Rows 1-3 are accounts 1, 2, 2: the third row's item has the second's key,
        // so the unit handed out ends after row 2 and row 3 starts the next one.
        let (saved, writer, target) = try await Self.feed([2001, 2002, 2002, 2003])
        #expect(target.stored.count == 3)
        #expect(writer.ledger.recordsDone == 4)
        #expect(writer.ledger.doneCounts.rowsRead == 4)
        #expect(writer.ledger.doneCounts.itemsWritten == 4)
        let watermarks = saved.map(\.recordsDone)
        #expect(watermarks.contains(2) || watermarks.contains(4))
        for entry in saved where entry.recordsDone == 2 {
            #expect(entry.marker == [.text("k2002")], "the boundary after row 2 carries row 2's key")
        }
        #expect(!watermarks.contains(3), "no unit claims row 3 before its put is written")
    }

    @Test func aResumedWriterCountsOnFromItsCheckpoint() async throws {
        let (saved, writer, _) = try await Self.feed(Array(3001...3030), resumeFrom: 100)
        #expect(writer.records == 130)
        #expect(writer.ledger.recordsDone == 130)
        #expect(writer.markers[130] == [.text("k3030")])
        for entry in saved where entry.recordsDone > 100 {
            #expect(entry.marker == [.text("k\(3000 + entry.recordsDone - 100)")])
        }
    }

    /// A dry run goes the load's way up to the network: its batches go to a
    /// target that discards them, unpaced by `--max-wcu`, and nothing is saved.
    @Test func aDryRunWritesIntoATargetThatDiscardsUnpaced() async throws {
        let target = ScriptedWriteTarget()
        let state = StateLocation(store: InMemoryObjectStore(), prefix: "state")
        let dryRun = LoadRun(dryRun: true, target: target, state: state, throttle: .init(ceiling: 5, knownCapacity: 5), applier: .init())
        #expect(dryRun.target is DiscardingWriteTarget)
        #expect(dryRun.checkpointer == nil)
        #expect(dryRun.throttle.currentRate == nil)
        let load = LoadRun(dryRun: false, target: target, state: state, throttle: .init(ceiling: 5, knownCapacity: 5), applier: .init())
        #expect(load.target is ScriptedWriteTarget)
        #expect(load.throttle.currentRate != nil)

        let outcome = try await dryRun.applier.apply(BatchApplierTests.puts(25))
        #expect(outcome.written == 25 && outcome.failed.isEmpty)
        #expect(target.calls == 0)
    }
}
