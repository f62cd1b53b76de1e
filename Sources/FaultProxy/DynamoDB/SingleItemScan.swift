/// The facts the proxy needs from a single-item request (`PutItem`, `DeleteItem`,
/// `UpdateItem`, `GetItem`).
struct SingleItemScan {
    var tableName: String?
    /// `Item` of a put, `Key` of the others.
    var item: ScannedItem?
    /// Sizes of `ExpressionAttributeValues` and `AttributeUpdates`: what an update writes.
    var updateSize = 0

    init(_ bytes: UnsafeRawBufferPointer, itemMember: ItemMember) throws {
        var cursor = JSONCursor(bytes)
        var members = try cursor.beginObject()
        while let key = try cursor.nextKey(&members) {
            if cursor.token(key, equals: "TableName") {
                tableName = try cursor.string(cursor.readString())
            } else if itemMember == .item ? cursor.token(key, equals: "Item") : cursor.token(key, equals: "Key") {
                item = try cursor.scanItem()
            } else if cursor.token(key, equals: "ExpressionAttributeValues") {
                updateSize += try cursor.attributeMapSize()
            } else if cursor.token(key, equals: "AttributeUpdates") {
                // The legacy form; its raw length is a fair stand-in for what it writes.
                updateSize += try cursor.skipValue().count
            } else {
                try cursor.skipValue()
            }
        }
        try cursor.expectEnd()
    }

    enum ItemMember { case item, key }

    /// Units a write of this kind consumes: a put its item, an update its key plus the values
    /// it sets, a delete one unit (the deleted item's size is not in the request).
    func writeUnits(for operation: DynamoDBOperation) -> Int {
        switch operation {
        case .putItem: DynamoDBSizing.writeUnits(forItemSize: item?.size ?? 0)
        case .updateItem: DynamoDBSizing.writeUnits(forItemSize: (item?.size ?? 0) + updateSize)
        default: 1
        }
    }

    /// The first rule of DynamoDB's this request breaks, if any.
    func shapeViolation(for operation: DynamoDBOperation) -> String? {
        guard let tableName, !tableName.isEmpty else {
            return "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null"
        }
        guard let item else {
            let member = operation == .putItem ? "item" : "key"
            return "1 validation error detected: Value null at '\(member)' failed to satisfy constraint: Member must not be null"
        }
        if item.key == nil {
            return item.keyProblem ?? "The provided key element does not match the schema"
        }
        if operation == .putItem, item.size > DynamoDBSizing.maximumItemSize {
            return "Item size has exceeded the maximum allowed size"
        }
        return nil
    }
}
