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
    public internal(set) var size = 0
    /// How many index keys the item has: keys `2..<2 + indexCount`.
    public internal(set) var indexCount = 0
    /// The keys' bytes, back to back (at least as long as they are).
    @usableFromInline var storage = [UInt8](repeating: 0, count: 256)
    /// Where each key ends in `storage`: the first `2 + indexCount` are this
    /// row's. Kept at its longest, so a row overwrites them without appending
    /// (an append or a `removeAll` per row costs a check of the buffer's owner).
    @usableFromInline var ends = [Int](repeating: 0, count: 8)
    /// The position, among its table's index keys (`TableMapping.indexKeys`),
    /// of each index the item is in (a sparse index leaves some out): the first `indexCount`.
    var positions = [Int](repeating: 0, count: 6)

    public init() {}

    /// The same footprint as bytes; its n-th index key gets position n.
    public init(_ footprint: ItemFootprint) {
        let keys = [footprint.key.pk, footprint.key.sk] + footprint.indexKeys.map(\.partitionKey)
        start(partitionKeyLength: keys[0].utf8.count, sortKeyLength: keys[1].utf8.count)
        for (position, key) in keys.dropFirst(2).enumerated() { addIndex(position, partitionKeyLength: key.utf8.count) }
        size = footprint.size
        reserve(ends[1 + indexCount])
        storage.withUnsafeMutableBufferPointer { buffer in
            var at = 0
            for key in keys { at += copyUTF8(of: key, into: buffer, at: at) }
        }
    }

    public var isOversized: Bool { size > ItemSize.limit }

    /// The positions of the indexes the item is in (see `positions`).
    public var indexes: ArraySlice<Int> { positions[..<indexCount] }

    /// Inlinable, as the plan's accumulator calls it for every key of every row:
    /// across modules a generic call would not be specialized.
    @inlinable
    public func withKey<Result>(_ key: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        withKeys(key..<key + 1, body)
    }

    /// The bytes of keys `keys`, back to back as they are stored (the item key: `0..<2`).
    @inlinable
    public func withKeys<Result>(_ keys: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        let start = keys.lowerBound == 0 ? 0 : ends[keys.lowerBound - 1]
        let end = ends[keys.upperBound - 1]
        return storage.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[start..<end])) }
    }

    /// The UTF-8 length of key `key`.
    @inlinable
    public func keyLength(_ key: Int) -> Int {
        ends[key] - (key == 0 ? 0 : ends[key - 1])
    }

    public func key(_ key: Int) -> String {
        withKey(key) { String(decoding: $0, as: UTF8.self) }
    }

    public var itemKey: ItemKey { ItemKey(pk: key(0), sk: key(1)) }

    /// Starts another row's footprint with its item key's lengths; the writer
    /// then adds its index keys, sets `size`, makes room with `reserve` and writes `storage`.
    mutating func start(partitionKeyLength: Int, sortKeyLength: Int) {
        indexCount = 0
        ends[0] = partitionKeyLength
        ends[1] = partitionKeyLength + sortKeyLength
    }

    /// The item is in the index at `position` with a partition key of `partitionKeyLength` bytes.
    mutating func addIndex(_ position: Int, partitionKeyLength: Int) {
        if 2 + indexCount == ends.count { ends.append(contentsOf: repeatElement(0, count: ends.count)) }
        if indexCount == positions.count { positions.append(contentsOf: repeatElement(0, count: positions.count)) }
        ends[2 + indexCount] = ends[1 + indexCount] + partitionKeyLength
        positions[indexCount] = position
        indexCount += 1
    }

    /// The end of the last key.
    var length: Int { ends[1 + indexCount] }

    mutating func reserve(_ bytes: Int) {
        if bytes > storage.count { storage.append(contentsOf: repeatElement(0, count: max(storage.count, bytes))) }
    }
}

extension ItemMapper {
    /// `footprint(table:row:version:)` written into a reused buffer (see `FootprintBytes`).
    public func footprint(table: String, row: SourceRow, version: String, into footprint: inout FootprintBytes) throws(MappingError) {
        try plan(table).footprint(row, version: version, into: &footprint)
    }

    /// One table's compiled plan, found by name once (for a file) rather than for every row.
    public struct Table: Sendable {
        let plan: TablePlan
    }

    public func table(_ name: String) throws(MappingError) -> Table {
        Table(plan: try plan(name))
    }

    /// The PK/SK of a row of a table found once; only its key columns are read.
    public func key(_ table: Table, row: SourceRow) throws(MappingError) -> ItemKey {
        try table.plan.key(row)
    }

    /// `footprint(table:row:version:into:)` for a table found once.
    public func footprint(_ table: Table, row: SourceRow, version: String, into footprint: inout FootprintBytes) throws(MappingError) {
        try table.plan.footprint(row, version: version, into: &footprint)
    }
}
