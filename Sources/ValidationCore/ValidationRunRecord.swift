import BillingModel
import DynamoDBModel

/// A validation run's result, kept in the table where operators look:
/// `PK = MIGRATION#STATUS`, `SK = VALIDATION#{run}` (beside the load's
/// `BATCH#` items; the status command reads only those).
public enum ValidationRunRecord {
    public static let sortKeyPrefix = "VALIDATION#"

    public enum Attribute {
        public static let runId = "RunId"
        public static let mode = "Mode"
        public static let status = "Status"
        public static let startTime = "StartTime"
        public static let endTime = "EndTime"
        public static let rowsChecked = "RowsChecked"
        public static let itemsChecked = "ItemsChecked"
        public static let missing = "Missing"
        public static let extra = "Extra"
        public static let different = "Different"
        public static let orphans = "Orphans"
        public static let gsiKeyMismatches = "GsiKeyMismatches"
        public static let failedKeys = "FailedKeys"
        public static let failureRate = "FailureRate"
        public static let alert = "Alert"
        public static let entities = "Entities"
        /// Live validation: mismatches whose recheck could not happen (the cutover's gate wants 0).
        public static let unsettled = "Unsettled"
    }

    /// `PASSED` when everything matched, else `FAILED`.
    public static func status(of report: ValidationReport) -> String {
        report.isClean ? "PASSED" : "FAILED"
    }

    public static func key(run: String) -> ItemKey {
        ItemKey(pk: TrackingItem.partitionKey, sk: sortKeyPrefix + run)
    }

    /// The item for a finished run. The failure rate is a decimal with 6 digits.
    public static func item(
        for report: ValidationReport, partitionKeyAttribute: String = ItemKey.partitionKeyName,
        sortKeyAttribute: String = ItemKey.sortKeyName
    ) -> Item {
        let totals = report.totals
        func number(_ value: Int) -> AttributeValue { .n(String(value)) }
        var entities: [String: AttributeValue] = [:]
        for (entity, tally) in report.entities {
            entities[entity] = .m([
                "Rows": number(tally.rows), "Items": number(tally.items), "Missing": number(tally.missing),
                "Extra": number(tally.extra), "Different": number(tally.different), "Orphans": number(tally.orphans),
                "GsiKeyMismatches": number(tally.gsiKeyMismatches),
            ])
        }
        return [
            partitionKeyAttribute: .s(TrackingItem.partitionKey),
            sortKeyAttribute: .s(sortKeyPrefix + report.run),
            Attribute.runId: .s(report.run),
            Attribute.mode: .s(report.mode),
            Attribute.status: .s(status(of: report)),
            Attribute.startTime: .s(report.startedAt),
            Attribute.endTime: .s(report.finishedAt),
            Attribute.rowsChecked: number(totals.rows),
            Attribute.itemsChecked: number(totals.items),
            Attribute.missing: number(totals.missing),
            Attribute.extra: number(totals.extra),
            Attribute.different: number(totals.different),
            Attribute.orphans: number(totals.orphans),
            Attribute.gsiKeyMismatches: number(totals.gsiKeyMismatches),
            Attribute.failedKeys: number(totals.failedKeys),
            Attribute.failureRate: .n(formatRate(report.failureRate)),
            Attribute.alert: .bool(report.isAlert),
            Attribute.entities: .m(entities),
            Attribute.unsettled: number(report.live?.unconfirmed ?? 0),
        ]
    }

    /// A share as a plain decimal with six digits (`0.012500`), never in exponent form.
    public static func formatRate(_ rate: Double) -> String {
        let micros = Int((max(0, min(1, rate)) * 1_000_000).rounded())
        let fraction = String(micros % 1_000_000)
        return String(micros / 1_000_000) + "." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }
}
