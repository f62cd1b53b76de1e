import BillingModel
import DMSStaging
import DynamoDBModel
import Foundation
import MigrationCore

/// The `MIGRATION#STATUS` tracking item of one staged file, kept in the table
/// so operators see a load's state where they look for data.
struct FileTracking: Sendable {
    /// `LOAD-{TABLE}-{file name}`: stable across runs, so a resumed load updates
    /// the same item. `#` is replaced, as keys never carry it inside a value.
    let batchId: String
    let entity: String
    let startMilliseconds: Int64
    let ttl: Int64

    /// `batchPrefix`: `LOAD-`, or a backfill's own (`FileTracking.backfillPrefix`).
    init(file: DMSFile, table: String, retentionDays: Int, batchPrefix: String = "LOAD-", now: Date = Date()) {
        let name = file.key.split(separator: "/").suffix(2).joined(separator: "-")
        self.init(batchId: batchPrefix + name, table: table, retentionDays: retentionDays, now: now)
    }

    /// A backfill's tracking items are its own, named by its selection, so they
    /// never replace the full load's (`LOAD-…`, `SNAPSHOT-…`).
    static func backfillPrefix(_ selection: LoadSelection) -> String { "BACKFILL-\(selection.name)-" }

    /// A batch that is not a staged file (`SNAPSHOT-{TABLE}` for a direct snapshot).
    init(batchId: String, table: String, retentionDays: Int, now: Date = Date()) {
        self.batchId = batchId.replacingOccurrences(of: "#", with: "_")
        entity = table
        startMilliseconds = Int64(now.timeIntervalSince1970 * 1000)
        ttl = Int64(now.timeIntervalSince1970) + Int64(retentionDays) * 86_400
    }

    func item(_ status: TrackingItem.Status, counts: EntityCounts, error: String?, now: Date = Date()) -> Item {
        TrackingItem(
            batchId: batchId,
            entityType: entity,
            status: status,
            recordsProcessed: counts.itemsWritten,
            recordsFailed: counts.deadLettered,
            startTimeMilliseconds: startMilliseconds,
            endTimeMilliseconds: status == .inProgress ? nil : Int64(now.timeIntervalSince1970 * 1000),
            errorDetails: error,
            ttl: ttl
        ).item()
    }
}
