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
    /// `SourcePosition.orderingKey` of the change. Full-load writes are
    /// unconditional; change writes are conditional on it.
    public var version: String
    public var isConditional: Bool

    public init(key: ItemKey, action: Action, entity: String, version: String, isConditional: Bool) {
        self.key = key
        self.action = action
        self.entity = entity
        self.version = version
        self.isConditional = isConditional
    }
}
