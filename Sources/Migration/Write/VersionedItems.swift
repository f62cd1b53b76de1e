import BillingModel
import DynamoDBModel

/// The items and condition of writes ordered by source version, shared by the
/// DynamoDB target and the in-memory doubles so both follow one rule.
public enum VersionedItems {
    /// The tombstone at `key`: only the key, `Deleted`, `SourceVersion` and `TTL`.
    public static func tombstone(
        key: ItemKey, version: String, ttl: Int64,
        partitionKeyAttribute: String = ItemKey.partitionKeyName, sortKeyAttribute: String = ItemKey.sortKeyName
    ) -> Item {
        [
            partitionKeyAttribute: .s(key.pk),
            sortKeyAttribute: .s(key.sk),
            MigrationAttribute.deleted: .bool(true),
            MigrationAttribute.sourceVersion: .s(version),
            MigrationAttribute.ttl: .n(String(ttl)),
        ]
    }

    /// Whether a write at `version` may replace `existing` (nil when there is no
    /// item): the condition `attribute_not_exists(PK) OR SourceVersion < :version`
    /// evaluated in memory. An item without a version is never replaced, as in
    /// DynamoDB, where comparing a missing attribute is false.
    public static func mayReplace(_ existing: Item?, with version: String) -> Bool {
        guard let existing else { return true }
        guard let current = existing[MigrationAttribute.sourceVersion]?.stringValue else { return false }
        return current.utf8.lexicographicallyPrecedes(version.utf8)
    }
}
