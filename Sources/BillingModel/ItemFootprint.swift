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

/// A row's footprint with its keys as UTF-8 bytes, back to back in one buffer
/// reused row after row: what `plan` measures per row, without a `String` (an
/// allocation and a UTF-8 check) per key when most keys are only hashed.
/// Key 0 is the item's partition key, 1 its sort key, 2 + n the partition key
/// of the n-th index it is in.
public struct FootprintBytes: Sendable {
    /// Bytes, as `ItemFootprint.size`.
    public private(set) var size = 0
    /// The position, among its table's index keys (`TableMapping.indexKeys`),
    /// of each index the item is in (a sparse index leaves some out).
    public private(set) var indexes: [Int] = []
    private var storage = [UInt8](repeating: 0, count: 256)
    /// Where each key ends in `storage`.
    private var ends: [Int] = []

    public init() {}

    /// The same footprint as bytes; its n-th index key gets position n.
    public init(_ footprint: ItemFootprint) {
        reset(size: footprint.size)
        for key in [footprint.key.pk, footprint.key.sk] + footprint.indexKeys.map(\.partitionKey) {
            appendKey(length: key.utf8.count) { copyUTF8(of: key, into: $0, at: $1) }
        }
        indexes = Array(footprint.indexKeys.indices)
    }

    public var isOversized: Bool { size > ItemSize.limit }

    public func withKey<Result>(_ key: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        let start = key == 0 ? 0 : ends[key - 1]
        return storage.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[start..<ends[key]])) }
    }

    public func key(_ key: Int) -> String {
        withKey(key) { String(decoding: $0, as: UTF8.self) }
    }

    public var itemKey: ItemKey { ItemKey(pk: key(0), sk: key(1)) }

    mutating func reset(size: Int) {
        self.size = size
        indexes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
    }

    /// Appends a key of `length` bytes that `write` writes at the offset it is given, returning their count.
    mutating func appendKey(length: Int, _ write: (UnsafeMutableBufferPointer<UInt8>, Int) -> Int) {
        let start = ends.last ?? 0
        if start + length > storage.count {
            storage.append(contentsOf: repeatElement(0, count: max(storage.count, length)))
        }
        let written = storage.withUnsafeMutableBufferPointer { write($0, start) }
        ends.append(start + written)
    }

    mutating func appendIndex(_ position: Int) {
        indexes.append(position)
    }
}

extension ItemMapper {
    /// `footprint(table:row:version:)` written into a reused buffer (see `FootprintBytes`).
    public func footprint(table: String, row: SourceRow, version: String, into footprint: inout FootprintBytes) throws(MappingError) {
        try plan(table).footprint(row, version: version, into: &footprint)
    }
}
