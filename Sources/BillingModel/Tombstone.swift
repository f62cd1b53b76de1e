import DynamoDBModel

/// Builds the item that replaces a deleted row: `PK`, `SK`, `Deleted` = true,
/// `SourceVersion` and `TTL`, nothing else (no GSI keys, no `EntityType`), so
/// access patterns never see it and a replayed older change cannot revive the row.
public struct TombstoneBuilder: Sendable, Hashable {
    /// How long a tombstone lives; it must outlast any replay of older changes.
    public var retentionDays: Int
    public var partitionKeyAttribute: String
    public var sortKeyAttribute: String

    public static let defaultRetentionDays = 30

    public init(
        retentionDays: Int = TombstoneBuilder.defaultRetentionDays,
        partitionKeyAttribute: String = ItemKey.partitionKeyName,
        sortKeyAttribute: String = ItemKey.sortKeyName
    ) {
        self.retentionDays = retentionDays
        self.partitionKeyAttribute = partitionKeyAttribute
        self.sortKeyAttribute = sortKeyAttribute
    }

    /// A builder using a mapping's key attribute names.
    public init(mapping: Mapping, retentionDays: Int = TombstoneBuilder.defaultRetentionDays) {
        self.init(
            retentionDays: retentionDays, partitionKeyAttribute: mapping.partitionKeyAttribute,
            sortKeyAttribute: mapping.sortKeyAttribute)
    }

    /// The tombstone at `key`, written by the change at `version`, expiring
    /// `retentionDays` after `nowEpochSeconds` (the caller's clock).
    public func item(key: ItemKey, version: String, nowEpochSeconds: Int64) -> Item {
        [
            partitionKeyAttribute: .s(key.pk),
            sortKeyAttribute: .s(key.sk),
            MigrationAttribute.deleted: .bool(true),
            MigrationAttribute.sourceVersion: .s(version),
            MigrationAttribute.ttl: .n(String(expiry(nowEpochSeconds: nowEpochSeconds))),
        ]
    }

    /// The tombstone for a `.tombstone` write.
    public func item(for write: WriteOp, nowEpochSeconds: Int64) -> Item {
        item(key: write.key, version: write.version, nowEpochSeconds: nowEpochSeconds)
    }

    /// `TTL` value: epoch seconds `retentionDays` after now.
    public func expiry(nowEpochSeconds: Int64) -> Int64 {
        nowEpochSeconds + Int64(retentionDays) * 86_400
    }

    /// Whether an item is a tombstone (`Deleted` = true).
    public static func isTombstone(_ item: Item) -> Bool {
        item[MigrationAttribute.deleted]?.boolValue == true
    }
}
