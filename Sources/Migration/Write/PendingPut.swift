import BillingModel
import DynamoDBModel

/// One item on its way to the table, with what is needed to dead-letter it.
public struct PendingPut: Sendable {
    /// What is sent: the load's request, encoded when its row was mapped, or
    /// an item (a backfill's conditional puts, which take an `Item`).
    public enum Body: Sendable {
        case encoded(EncodedPutRequest)
        case item(Item)
    }

    public var body: Body
    public var key: ItemKey
    public var entity: String
    public var origin: RowOrigin
    public var row: SourceRow
    /// Write capacity units the put consumes (1 per started KB).
    public var writeUnits: Int

    public init(item: Item, key: ItemKey, entity: String, origin: RowOrigin, row: SourceRow) {
        self.init(body: .item(item), itemSize: ItemSize.of(item), key: key, entity: entity, origin: origin, row: row)
    }

    public init(_ put: EncodedPut, origin: RowOrigin, row: SourceRow) {
        self.init(
            body: .encoded(put.request), itemSize: put.request.itemSize, key: put.key, entity: put.entity, origin: origin,
            row: row)
    }

    private init(body: Body, itemSize: Int, key: ItemKey, entity: String, origin: RowOrigin, row: SourceRow) {
        self.body = body
        self.key = key
        self.entity = entity
        self.origin = origin
        self.row = row
        self.writeUnits = ItemSize.writeUnits(bytes: itemSize)
    }

    /// The put request as a BatchWriteItem body carries it.
    public var request: EncodedPutRequest {
        switch body {
        case .encoded(let request): return request
        case .item(let item): return EncodedPutRequest(item, itemSize: ItemSize.of(item))
        }
    }

    /// The item put; an encoded request is decoded.
    public var item: Item {
        switch body {
        case .item(let item): return item
        case .encoded(let request):
            do {
                return try request.item()
            } catch {
                preconditionFailure("a put request the mapper encoded does not decode: \(error)")
            }
        }
    }
}
