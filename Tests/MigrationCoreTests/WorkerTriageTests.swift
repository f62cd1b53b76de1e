import MigrationCore
import Testing

@Suite("Workers: what to do with a queued object, and when a table's full load is complete")
struct WorkerTriageTests {
    static func checkpoint(_ key: String, size: Int64 = 100, _ state: FileCheckpoint.State) -> FileCheckpoint {
        FileCheckpoint(
            file: key, table: "CHARGE", size: size, etag: nil, state: state, recordsDone: 5, counts: EntityCounts(),
            updatedAt: "2026-12-06T13:00:00Z")
    }

    @Test func aFullLoadIsCompleteWhenEveryFileHasADoneCheckpointForItsCurrentSize() {
        let files: [(key: String, size: Int64)] = [("a/LOAD1.csv", 100), ("a/LOAD2.csv", 100), ("a/LOAD3.csv", 100)]
        #expect(FullLoadCompletion.judge(
            files: files,
            checkpoints: [
                "a/LOAD1.csv": Self.checkpoint("a/LOAD1.csv", .completed),
                "a/LOAD2.csv": Self.checkpoint("a/LOAD2.csv", .damaged),
                "a/LOAD3.csv": Self.checkpoint("a/LOAD3.csv", .completed),
            ]) == .complete, "a damaged file is dead-lettered: done")
        #expect(FullLoadCompletion.judge(
            files: files,
            checkpoints: [
                "a/LOAD1.csv": Self.checkpoint("a/LOAD1.csv", .inProgress),
                "a/LOAD2.csv": Self.checkpoint("a/LOAD2.csv", size: 99, .completed),
            ]) == .incomplete(pending: ["a/LOAD1.csv", "a/LOAD2.csv", "a/LOAD3.csv"]),
            "in progress, replaced since (other size), never started")
        #expect(FullLoadCompletion.judge(files: [], checkpoints: [:]) == .complete, "an empty table stages no file")
    }

    @Test func changeFilesWaitForTheirTablesFullLoad() {
        let mapped = ["ACCOUNT", "CHARGE"]
        let waiting = FullLoadCompletion.incomplete(pending: ["run/billing/CHARGE/LOAD00000002.csv"])
        #expect(WorkerTriage.decide(.changes(table: "CHARGE"), mapped: mapped, fullLoads: ["CHARGE": .complete]) == .process)
        #expect(WorkerTriage.decide(.changes(table: "CHARGE"), mapped: mapped, fullLoads: ["CHARGE": waiting])
            == .waitForFullLoad(tables: ["CHARGE"], pending: ["run/billing/CHARGE/LOAD00000002.csv"]))
        // Another table's state does not matter; an unknown one counts as incomplete.
        #expect(WorkerTriage.decide(.changes(table: "ACCOUNT"), mapped: mapped, fullLoads: ["CHARGE": waiting, "ACCOUNT": .complete]) == .process)
        #expect(WorkerTriage.decide(.changes(table: "ACCOUNT"), mapped: mapped, fullLoads: [:]) == .waitForFullLoad(tables: ["ACCOUNT"], pending: []))
        // A CDC_TXN file holds every table's changes: it waits for all of them.
        #expect(WorkerTriage.gatingTables(of: .transactionChanges, mapped: mapped) == mapped)
        #expect(WorkerTriage.decide(.transactionChanges, mapped: mapped, fullLoads: ["ACCOUNT": .complete, "CHARGE": waiting])
            == .waitForFullLoad(tables: ["CHARGE"], pending: ["run/billing/CHARGE/LOAD00000002.csv"]))
        #expect(WorkerTriage.decide(.transactionChanges, mapped: mapped, fullLoads: ["ACCOUNT": .complete, "CHARGE": .complete]) == .process)
    }

    @Test func fullLoadFilesGoAtOnceUnknownObjectsToTheDeadLetterQueueOthersAreIgnored() {
        #expect(WorkerTriage.gatingTables(of: .fullLoad(table: "CHARGE"), mapped: ["CHARGE"]).isEmpty)
        #expect(WorkerTriage.decide(.fullLoad(table: "CHARGE"), mapped: ["CHARGE"], fullLoads: [:]) == .process)
        #expect(WorkerTriage.decide(.unknown(reason: "no table X"), mapped: [], fullLoads: [:]) == .leaveForDeadLetterQueue(reason: "no table X"))
        #expect(WorkerTriage.decide(.notForWorkers(reason: "ObjectRemoved:Delete"), mapped: [], fullLoads: [:]) == .ignore(reason: "ObjectRemoved:Delete"))
    }
}
