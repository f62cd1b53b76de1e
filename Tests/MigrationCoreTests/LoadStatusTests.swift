import BillingModel
import MigrationCore
import Testing

@Suite struct LoadStatusTests {
    static func checkpoint(_ table: String, _ file: String, _ state: FileCheckpoint.State, _ counts: EntityCounts) -> FileCheckpoint {
        FileCheckpoint(file: file, table: table, size: 1, etag: nil, state: state, recordsDone: counts.rowsRead, counts: counts, updatedAt: "t")
    }

    @Test func nothingYetIsNotStarted() {
        #expect(LoadStatus(tracking: [], checkpoints: [], entityOrder: []).overall == "NOT_STARTED")
    }

    @Test func summarisesFilesAndRowsPerEntity() {
        let tracking = [
            TrackingItem(batchId: "LOAD-CHARGE-LOAD00000002.csv", entityType: "CHARGE", status: .inProgress, recordsProcessed: 5),
            TrackingItem(batchId: "LOAD-CHARGE-LOAD00000001.csv", entityType: "CHARGE", status: .completed, recordsProcessed: 10, recordsFailed: 1),
            TrackingItem(batchId: "LOAD-BILL-LOAD00000001.csv", entityType: "BILL", status: .completed, recordsProcessed: 3),
        ]
        let checkpoints = [
            Self.checkpoint("CHARGE", "a", .completed, .init(rowsRead: 11, itemsWritten: 10, deadLettered: 1)),
            Self.checkpoint("CHARGE", "b", .inProgress, .init(rowsRead: 5, itemsWritten: 5)),
            Self.checkpoint("BILL", "c", .completed, .init(rowsRead: 3, itemsWritten: 3)),
        ]
        let status = LoadStatus(tracking: tracking, checkpoints: checkpoints, entityOrder: ["BILL", "CHARGE"])
        #expect(status.overall == "IN_PROGRESS")
        #expect(status.entities.map(\.entity) == ["BILL", "CHARGE"])
        let charge = status.entities[1]
        #expect(charge.files == 2 && charge.filesCompleted == 1 && charge.filesInProgress == 1)
        #expect(charge.rowsRead == 16 && charge.itemsWritten == 15 && charge.deadLettered == 1)
        #expect(status.files.map(\.batchId) == ["LOAD-BILL-LOAD00000001.csv", "LOAD-CHARGE-LOAD00000001.csv", "LOAD-CHARGE-LOAD00000002.csv"])
    }

    @Test func anyFailedFileMakesTheLoadFailed() {
        let tracking = [TrackingItem(batchId: "x", entityType: "BILL", status: .failed, errorDetails: "boom")]
        let status = LoadStatus(tracking: tracking, checkpoints: [], entityOrder: [])
        #expect(status.overall == "FAILED")
        #expect(status.files[0].error == "boom")
    }
}
