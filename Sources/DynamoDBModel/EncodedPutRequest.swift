/// One put of a BatchWriteItem body, `{"PutRequest":{"Item":{...}}}`, encoded
/// once when its row is mapped: the load sends these bytes as they are, with no
/// `Item` dictionary built, hashed and freed per row.
public struct EncodedPutRequest: Sendable {
    public let bytes: [UInt8]
    /// The item's size as `ItemSize` counts it, for its write units.
    public let itemSize: Int

    public init(bytes: [UInt8], itemSize: Int) {
        self.bytes = bytes
        self.itemSize = itemSize
    }

    /// The request of an item already built.
    public init(_ item: Item, itemSize: Int) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(itemSize + 32 * item.count + 32)
        DynamoDBJSON.appendPutRequest(item, to: &bytes)
        self.init(bytes: bytes, itemSize: itemSize)
    }

    /// The item the request puts, decoded (test doubles, and writes that take an `Item`).
    public func item() throws(DynamoDBJSONError) -> Item {
        guard let item = try JSONValue.parse(bytes)["PutRequest"]?["Item"] else {
            throw DynamoDBJSONError("not a PutRequest with an Item")
        }
        return try DynamoDBJSON.item(from: item)
    }
}
