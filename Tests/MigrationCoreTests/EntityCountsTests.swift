import MigrationCore
import Testing

@Suite struct EntityCountsTests {
    @Test func sumsAndFindsUnaccountedRows() {
        var total = EntityCounts(rowsRead: 10, itemsWritten: 8, deadLettered: 1)
        total += EntityCounts(rowsRead: 5, itemsWritten: 5)
        #expect(total == EntityCounts(rowsRead: 15, itemsWritten: 13, deadLettered: 1))
        #expect(total.unaccounted == 1)
    }

    @Test func summaryStatusMapsToDocumentedExitCodes() {
        #expect(ExitStatus(.completed).rawValue == 0)
        #expect(ExitStatus(.completedWithDeadLetters).rawValue == 3)
        #expect(ExitStatus(.failed).rawValue == 1)
    }

    @Test func checkpointMatchesOnlyTheSameObject() {
        let checkpoint = FileCheckpoint(
            file: "p/billing/BILL/LOAD00000001.csv", table: "BILL", size: 100, etag: "\"abc\"",
            state: .completed, recordsDone: 3, counts: .init(rowsRead: 3, itemsWritten: 3),
            updatedAt: "2026-01-01T00:00:00Z")
        #expect(checkpoint.matches(size: 100, etag: "\"abc\""))
        #expect(!checkpoint.matches(size: 100, etag: "\"abd\""))
        #expect(!checkpoint.matches(size: 101, etag: "\"abc\""))
        #expect(checkpoint.matches(size: 100, etag: nil))
    }
}
