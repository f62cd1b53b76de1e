import DynamoDBModel

/// What the mapper asks the applier to do to one item. The applier is the only
/// code that turns these into DynamoDB calls.
public struct WriteOp: Sendable {
    public enum Action: Sendable {
        /// Write the whole item.
        case put(Item)
        /// Replace the item by a tombstone (PK, SK, `Deleted`, version, TTL), so
        /// that a replayed older change cannot bring the row back.
        case tombstone
    }

    public var key: ItemKey
    public var action: Action
    /// The source table (entity) this write belongs to, for counting.
    public var entity: String
    /// `SourcePosition.orderingKey` of the change. Whether a write is conditional
    /// on it is the applier's to decide: the full load's `BatchApplier` puts
    /// unconditionally, the `ChangeApplier` writes only over older versions.
    public var version: String

    public init(key: ItemKey, action: Action, entity: String, version: String) {
        self.key = key
        self.action = action
        self.entity = entity
        self.version = version
    }
}
