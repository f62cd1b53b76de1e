import BillingModel
import DynamoDBModel

/// One item on its way to the table, with what is needed to dead-letter it.
public struct PendingPut: Sendable {
    public var item: Item
    public var key: ItemKey
    public var entity: String
    public var origin: RowOrigin
    public var row: SourceRow
    /// Write capacity units the put consumes (1 per started KB).
    public var writeUnits: Int

    public init(item: Item, key: ItemKey, entity: String, origin: RowOrigin, row: SourceRow) {
        self.item = item
        self.key = key
        self.entity = entity
        self.origin = origin
        self.row = row
        self.writeUnits = max(1, (ItemSize.of(item) + 1023) / 1024)
    }
}
