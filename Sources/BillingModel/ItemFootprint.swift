import DynamoDBModel

/// What a row's item weighs and where it lands, without the item: its key,
/// its size as `ItemSize` counts it, and the partition key it has in each
/// secondary index it appears in (a sparse index leaves some out).
public struct ItemFootprint: Sendable, Hashable {
    public struct IndexKey: Sendable, Hashable {
        /// The index name (`GSI2`).
        public var index: String
        /// The item's partition key value in that index (`CHARGE#VOICE`).
        public var partitionKey: String

        public init(index: String, partitionKey: String) {
            self.index = index
            self.partitionKey = partitionKey
        }
    }

    public var key: ItemKey
    /// Bytes, never less than DynamoDB counts (see `ItemSize`); may exceed `ItemSize.limit`.
    public var size: Int
    public var indexKeys: [IndexKey]

    public init(key: ItemKey, size: Int, indexKeys: [IndexKey]) {
        self.key = key
        self.size = size
        self.indexKeys = indexKeys
    }

    public var isOversized: Bool { size > ItemSize.limit }
}

extension ItemMapper {
    /// The footprint of a snapshot row's item, as `map` would build it with
    /// `version`: every check `map` makes except the 400 KB limit, which the
    /// caller reads from `isOversized` (a plan lists oversized items with their keys).
    public func footprint(table: String, row: SourceRow, version: String) throws(MappingError) -> ItemFootprint {
        try plan(table).footprint(row, version: version)
    }
}
