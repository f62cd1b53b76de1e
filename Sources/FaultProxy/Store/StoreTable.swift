import Foundation

/// A table's key attributes and the orders the store keeps its items in.
struct StoreSchema {
    struct KeyAttribute {
        var name: String
        var nameBytes: [UInt8]
        /// `S`, `N` or `B`, from `AttributeDefinitions`.
        var type: String
    }

    struct Index {
        /// Nil for the table itself.
        var name: String?
        /// Positions in `attributes`.
        var partition: Int
        var sort: Int?
        /// What entries sort by: the index's keys, then the table's keys it lacks, so that
        /// items with equal index keys still have one order to page through.
        var order: [Int]
    }

    var attributes: [KeyAttribute] = []
    /// `[0]` is the table; then its secondary indexes (global and local alike: both are
    /// further orders of the same items here).
    var indexes: [Index] = []

    var table: Index { indexes[0] }

    /// Reads the schema from the JSON `CreateTable` gave the sink.
    init(_ table: SinkTables.Table) throws {
        let definitions = try Self.array(table.attributeDefinitions)
        var types: [String: String] = [:]
        for definition in definitions {
            if let name = definition["AttributeName"] as? String, let type = definition["AttributeType"] as? String {
                types[name] = type
            }
        }
        func position(_ name: String) throws -> Int {
            if let found = attributes.firstIndex(where: { $0.name == name }) { return found }
            guard let type = types[name], ["S", "N", "B"].contains(type) else {
                throw DynamoDBShapeError(message: "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [\(name)]")
            }
            attributes.append(KeyAttribute(name: name, nameBytes: Array(name.utf8), type: type))
            return attributes.count - 1
        }
        func index(named name: String?, keySchema: [[String: Any]]) throws -> Index {
            var partition: Int?
            var sort: Int?
            for element in keySchema {
                guard let attribute = element["AttributeName"] as? String else { continue }
                switch element["KeyType"] as? String {
                case "HASH": partition = try position(attribute)
                case "RANGE": sort = try position(attribute)
                default: break
                }
            }
            guard let partition else {
                throw DynamoDBShapeError(message: "1 validation error detected: the key schema has no HASH key")
            }
            return Index(name: name, partition: partition, sort: sort, order: [partition] + (sort.map { [$0] } ?? []))
        }
        indexes.append(try index(named: nil, keySchema: try Self.array(table.keySchema)))
        var secondary = try table.globalSecondaryIndexes.map { try Self.object($0) }
        if let local = table.localSecondaryIndexes { secondary += try Self.array(local) }
        for description in secondary {
            var built = try index(named: description["IndexName"] as? String, keySchema: description["KeySchema"] as? [[String: Any]] ?? [])
            for key in indexes[0].order where !built.order.contains(key) { built.order.append(key) }
            indexes.append(built)
        }
    }

    func indexPosition(named name: String?) -> Int? {
        guard let name else { return 0 }
        return indexes.firstIndex { $0.name == name }
    }

    private static func array(_ json: String) throws -> [[String: Any]] {
        guard let value = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] else {
            throw DynamoDBShapeError(message: "a key schema is not a list")
        }
        return value
    }

    private static func object(_ json: String) throws -> [String: Any] {
        guard let value = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw DynamoDBShapeError(message: "an index description is not an object")
        }
        return value
    }
}

/// One table's items: each item's JSON text as it was written plus the bytes of its key
/// values, and per index a sorted list of slot references.
///
/// Writes go to a slot (found through the primary key) and append an entry to each index's
/// pending list; the first read after writes sorts the pending entries and merges them in,
/// dropping entries of deleted or rewritten items. Loads and streams (writes only) never
/// pay for ordering; a read pays once for all writes before it.
struct StoreTable {
    struct StoredItem {
        /// The item's JSON object, then key values whose bytes differ from their JSON text
        /// (escaped strings, numbers in `OrderedNumber` form, decoded binary).
        var bytes: [UInt8]
        var jsonCount: Int32
        /// DynamoDB's measure of the item, for the 1 MB page.
        var size: Int32
        /// Bumped by every write and delete; index entries of older versions are stale.
        var version: UInt32
        var isLive: Bool
    }

    /// Where a key value's bytes lie in `StoredItem.bytes`; `count == .max` when absent.
    struct KeyRef {
        var offset: UInt32
        var count: UInt32
        static let absent = KeyRef(offset: 0, count: .max)
        var isPresent: Bool { count != .max }
    }

    struct IndexEntry {
        var slot: Int32
        var version: UInt32
        /// Hash of the index's partition key: which Scan segment the item belongs to.
        var segmentHash: UInt32
    }

    struct SortedIndex {
        var entries: [IndexEntry] = []
        var pending: [IndexEntry] = []
        var hasStale = false
    }

    /// An item parsed for writing, not yet in a slot.
    struct PreparedItem {
        var bytes: [UInt8]
        var jsonCount: Int32
        var size: Int32
        var keys: [KeyRef]
        var primaryKey: [UInt8]
    }

    let schema: StoreSchema
    private(set) var items: [StoredItem] = []
    private var keyRefs: [KeyRef] = []
    private var freeSlots: [Int32] = []
    private var slotsByKey: [[UInt8]: Int32] = [:]
    private(set) var indexes: [SortedIndex]

    init(schema: StoreSchema) {
        self.schema = schema
        indexes = Array(repeating: SortedIndex(), count: schema.indexes.count)
    }

    var itemCount: Int { slotsByKey.count }

    // MARK: Parsing items and keys

    /// Parses an item (`isKey` false) or a key for this table.
    func prepare(_ json: UnsafeRawBufferPointer, isKey: Bool) throws -> PreparedItem {
        var cursor = JSONCursor(json)
        var members = try cursor.beginObject()
        var keys = Array(repeating: KeyRef.absent, count: schema.attributes.count)
        var extras: [UInt8] = []
        var size = 0
        var otherAttributes = 0
        var keyValues: [(attribute: Int, range: Range<Int>)] = []
        while let name = try cursor.nextKey(&members) {
            size += try cursor.decodedUTF8Count(name)
            let start = cursor.valueStart()
            size += try cursor.attributeValueSize(depth: 0)
            if let attribute = attributePosition(cursor, name) {
                keyValues.append((attribute, start..<cursor.index))
            } else {
                otherAttributes += 1
            }
        }
        try cursor.expectEnd()
        let jsonCount = json.count
        for (attribute, range) in keyValues {
            keys[attribute] = try keyRef(attribute, json: json, range: range, jsonCount: jsonCount, extras: &extras)
        }
        let table = schema.table
        for position in table.order where !keys[position].isPresent {
            let name = schema.attributes[position].name
            throw DynamoDBShapeError(message: isKey
                ? "The provided key element does not match the schema"
                : "One or more parameter values were invalid: Missing the key \(name) in the item")
        }
        if isKey, otherAttributes > 0 || keyValues.count != table.order.count {
            throw DynamoDBShapeError(message: "The provided key element does not match the schema")
        }
        if size > DynamoDBSizing.maximumItemSize {
            throw DynamoDBShapeError(message: "Item size has exceeded the maximum allowed size")
        }
        var bytes = Array(json)
        bytes += extras
        var primaryKey: [UInt8] = []
        bytes.withUnsafeBytes { stored in
            for position in table.order {
                let value = Self.slice(stored, keys[position])
                withUnsafeBytes(of: UInt32(value.count).littleEndian) { primaryKey += $0 }
                primaryKey += value
            }
        }
        return PreparedItem(bytes: bytes, jsonCount: Int32(jsonCount), size: Int32(size), keys: keys, primaryKey: primaryKey)
    }

    private func attributePosition(_ cursor: JSONCursor, _ name: JSONStringToken) -> Int? {
        for (position, attribute) in schema.attributes.enumerated() where attribute.nameBytes.count == name.content.count || name.hasEscapes {
            if name.hasEscapes {
                if (try? cursor.string(name)) == attribute.name { return position }
            } else if attribute.nameBytes.withUnsafeBytes({ compareBytes(UnsafeRawBufferPointer(rebasing: cursor.bytes[name.content]), $0) }) == 0 {
                return position
            }
        }
        return nil
    }

    private func keyRef(_ attribute: Int, json: UnsafeRawBufferPointer, range: Range<Int>, jsonCount: Int, extras: inout [UInt8]) throws -> KeyRef {
        let definition = schema.attributes[attribute]
        var cursor = JSONCursor(UnsafeRawBufferPointer(rebasing: json[range]))
        var members = try cursor.beginObject()
        guard let type = try cursor.nextKey(&members) else { throw DynamoDBShapeError(message: "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes") }
        let typeName = try cursor.string(type)
        guard typeName == definition.type else {
            if let index = schema.indexes.first(where: { $0.name != nil && ($0.partition == attribute || $0.sort == attribute) }),
               !schema.table.order.contains(attribute) {
                throw DynamoDBShapeError(message: "One or more parameter values were invalid: Type mismatch for Index Key \(definition.name) Expected: \(definition.type) Actual: \(typeName) IndexName: \(index.name ?? "")")
            }
            throw DynamoDBShapeError(message: "One or more parameter values were invalid: Type mismatch for key \(definition.name) expected: \(definition.type) actual: \(typeName)")
        }
        let token = try cursor.readString()
        func appended(_ bytes: [UInt8]) -> KeyRef {
            let ref = KeyRef(offset: UInt32(jsonCount + extras.count), count: UInt32(bytes.count))
            extras += bytes
            return ref
        }
        switch typeName {
        case "S":
            guard !token.content.isEmpty else {
                throw DynamoDBShapeError(message: "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: \(definition.name)")
            }
            if !token.hasEscapes {
                return KeyRef(offset: UInt32(range.lowerBound + token.content.lowerBound), count: UInt32(token.content.count))
            }
            return appended(Array(try cursor.string(token).utf8))
        case "N":
            guard let encoded = OrderedNumber.encode(UnsafeRawBufferPointer(rebasing: cursor.bytes[token.content])) else {
                throw DynamoDBShapeError(message: "A value provided cannot be converted into a number")
            }
            return appended(encoded)
        default:
            guard let data = Data(base64Encoded: try cursor.string(token)), !data.isEmpty else {
                throw DynamoDBShapeError(message: "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: \(definition.name)")
            }
            return appended(Array(data))
        }
    }

    @inline(__always)
    static func slice(_ bytes: UnsafeRawBufferPointer, _ ref: KeyRef) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[Int(ref.offset)..<Int(ref.offset + ref.count)])
    }

    // MARK: Writing

    func slot(forKey primaryKey: [UInt8]) -> Int32? {
        slotsByKey[primaryKey]
    }

    /// Stores an item, replacing the one with its key; returns the slot.
    @discardableResult
    mutating func put(_ item: PreparedItem) -> Int32 {
        let stride = schema.attributes.count
        let slot: Int32
        if let existing = slotsByKey[item.primaryKey] {
            slot = existing
            for index in indexes.indices { indexes[index].hasStale = true }
        } else if let free = freeSlots.popLast() {
            slot = free
            slotsByKey[item.primaryKey] = slot
        } else {
            slot = Int32(items.count)
            items.append(StoredItem(bytes: [], jsonCount: 0, size: 0, version: 0, isLive: false))
            keyRefs += Array(repeating: KeyRef.absent, count: stride)
            slotsByKey[item.primaryKey] = slot
        }
        let position = Int(slot)
        let version = items[position].version &+ 1
        items[position] = StoredItem(bytes: item.bytes, jsonCount: item.jsonCount, size: item.size, version: version, isLive: true)
        for attribute in 0..<stride { keyRefs[position * stride + attribute] = item.keys[attribute] }
        item.bytes.withUnsafeBytes { bytes in
            for (index, definition) in schema.indexes.enumerated() {
                let partition = item.keys[definition.partition]
                guard partition.isPresent, definition.sort.map({ item.keys[$0].isPresent }) ?? true else { continue }
                indexes[index].pending.append(IndexEntry(slot: slot, version: version, segmentHash: Self.hash(Self.slice(bytes, partition))))
            }
        }
        return slot
    }

    mutating func delete(slot: Int32, primaryKey: [UInt8]) {
        let position = Int(slot)
        slotsByKey[primaryKey] = nil
        items[position].version &+= 1
        items[position].isLive = false
        items[position].bytes = []
        freeSlots.append(slot)
        for index in indexes.indices { indexes[index].hasStale = true }
    }

    /// FNV-1a: spreads partition keys over Scan segments as DynamoDB's hashing does.
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var hash: UInt32 = 2_166_136_261
        for byte in bytes {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return hash
    }

    static func segment(ofHash hash: UInt32, totalSegments: Int) -> Int {
        Int((UInt64(hash) &* UInt64(totalSegments)) >> 32)
    }

    // MARK: Order

    /// Brings index `index` up to date with the writes since the last read.
    mutating func settle(_ index: Int) {
        guard !indexes[index].pending.isEmpty || indexes[index].hasStale else { return }
        let order = schema.indexes[index].order
        var pending = indexes[index].pending.filter { isCurrent($0) }
        let old = indexes[index].entries
        indexes[index] = SortedIndex()
        pending.sort { compare($0.slot, $1.slot, order: order) < 0 }
        var merged: [IndexEntry] = []
        merged.reserveCapacity(old.count + pending.count)
        var next = 0
        for entry in old where isCurrent(entry) {
            while next < pending.count, compare(pending[next].slot, entry.slot, order: order) < 0 {
                merged.append(pending[next])
                next += 1
            }
            merged.append(entry)
        }
        merged += pending[next...]
        indexes[index].entries = merged
    }

    private func isCurrent(_ entry: IndexEntry) -> Bool {
        let item = items[Int(entry.slot)]
        return item.isLive && item.version == entry.version
    }

    func compare(_ left: Int32, _ right: Int32, order: [Int]) -> Int {
        let stride = schema.attributes.count
        return items[Int(left)].bytes.withUnsafeBytes { leftBytes in
            items[Int(right)].bytes.withUnsafeBytes { rightBytes in
                for attribute in order {
                    let result = compareBytes(
                        Self.slice(leftBytes, keyRefs[Int(left) * stride + attribute]),
                        Self.slice(rightBytes, keyRefs[Int(right) * stride + attribute]))
                    if result != 0 { return result }
                }
                return 0
            }
        }
    }

    /// The order of a slot's key values against `probe`, attribute by attribute of `order`
    /// for as many attributes as the probe has.
    func compare(_ slot: Int32, to probe: [[UInt8]], order: [Int]) -> Int {
        let stride = schema.attributes.count
        return items[Int(slot)].bytes.withUnsafeBytes { bytes in
            for (position, value) in probe.enumerated() {
                let result = value.withUnsafeBytes {
                    compareBytes(Self.slice(bytes, keyRefs[Int(slot) * stride + order[position]]), $0)
                }
                if result != 0 { return result }
            }
            return 0
        }
    }

    /// The bytes of one key value of a slot.
    func keyValue(_ slot: Int32, attribute: Int) -> [UInt8] {
        let ref = keyRefs[Int(slot) * schema.attributes.count + attribute]
        return items[Int(slot)].bytes.withUnsafeBytes { Array(Self.slice($0, ref)) }
    }

    /// The first position in index `index`'s entries for which `isAfter` holds (it must
    /// hold for a suffix of them).
    func partitionPoint(_ index: Int, _ isAfter: (IndexEntry) -> Bool) -> Int {
        let entries = indexes[index].entries
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if isAfter(entries[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
