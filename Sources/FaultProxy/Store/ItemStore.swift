import Foundation
import NIOCore

/// What the store answers: a body, or a DynamoDB error with, at times, more members (the
/// item a failed condition was checked against, a cancelled transaction's reasons).
enum StoreAnswer {
    case ok(ByteBuffer)
    /// `members`: JSON object members written after the message, e.g. `"Item":{...}`.
    case error(type: String, message: String, members: [UInt8]? = nil)
}

/// The store mode's items: every table's items in memory, answering the data-plane calls
/// billmig makes (writes, conditional writes, GetItem, BatchGetItem, Query, Scan) as
/// DynamoDB documents them. Table metadata stays with `SinkTables`; the engine keeps the two
/// in step.
struct ItemStore {
    private(set) var tables: [String: StoreTable] = [:]
    /// Every stream the tables have had, oldest first: a disabled one stays readable.
    var streams: [StoreStream] = []
    /// Each table's enabled stream, by its position in `streams`.
    var enabledStreams: [String: Int] = [:]
    /// The next stream record's sequence number, across all streams.
    var nextSequence: UInt64 = 100_000_000_000_000_000

    /// DynamoDB stops a Query or Scan page once it has read 1 MB.
    static let pageSizeLimit = 1 << 20

    mutating func createTable(_ table: SinkTables.Table) throws {
        tables[table.name] = StoreTable(schema: try StoreSchema(table))
    }

    mutating func deleteTable(named name: String) {
        tables[name] = nil
        disableStream(of: name)
    }

    private static func notFound(_ name: String) -> StoreAnswer {
        .error(type: "ResourceNotFoundException", message: "Requested resource not found")
    }

    // MARK: Writes

    /// One write request of a `BatchWriteItem`: its table and the request's JSON element.
    struct BatchRequest {
        var table: String
        var element: Range<Int>
    }

    /// Applies a batch's write requests after checking all of them: DynamoDB writes none of
    /// a batch that has an invalid request in it.
    mutating func batchWrite(_ bytes: UnsafeRawBufferPointer, requests: [BatchRequest]) throws -> StoreAnswer? {
        var prepared: [(table: String, isPut: Bool, item: StoreTable.PreparedItem)] = []
        prepared.reserveCapacity(requests.count)
        var seen = Set<[UInt8]>()
        for request in requests {
            guard let table = tables[request.table] else { return Self.notFound(request.table) }
            var cursor = JSONCursor(UnsafeRawBufferPointer(rebasing: bytes[request.element]))
            var members = try cursor.beginObject()
            while let kind = try cursor.nextKey(&members) {
                let isPut = cursor.token(kind, equals: "PutRequest")
                var inner = try cursor.beginObject()
                while let field = try cursor.nextKey(&inner) {
                    guard cursor.token(field, equals: isPut ? "Item" : "Key") else {
                        try cursor.skipValue()
                        continue
                    }
                    let range = try cursor.skipValue()
                    let item = try table.prepare(UnsafeRawBufferPointer(rebasing: cursor.bytes[range]), isKey: !isPut)
                    guard seen.insert(Array(request.table.utf8) + [0] + item.primaryKey).inserted else {
                        throw DynamoDBShapeError(message: "Provided list of item keys contains duplicates")
                    }
                    prepared.append((request.table, isPut, item))
                }
            }
        }
        for write in prepared {
            if write.isPut {
                put(write.item, into: write.table)
            } else {
                delete(write.item.primaryKey, from: write.table)
            }
        }
        return nil
    }

    /// `PutItem` (`isPut`) or `DeleteItem`, with its `ConditionExpression` if any.
    mutating func writeItem(_ bytes: UnsafeRawBufferPointer, isPut: Bool) throws -> StoreAnswer {
        let request = try SingleItemRequest(bytes, itemMember: isPut ? "Item" : "Key")
        guard let table = tables[request.tableName] else { return Self.notFound(request.tableName) }
        guard let itemRange = request.item else {
            throw DynamoDBShapeError(message: "1 validation error detected: Value null at '\(isPut ? "item" : "key")' failed to satisfy constraint: Member must not be null")
        }
        let item = try table.prepare(UnsafeRawBufferPointer(rebasing: bytes[itemRange]), isKey: !isPut)
        let slot = table.slot(forKey: item.primaryKey)
        let existing = slot.map { table.items[Int($0)] }
        if let condition = try request.condition() {
            let met = Self.lookup(in: existing) { condition.isMet($0) }
            guard met else {
                let old = request.returnOldOnConditionFailure ? existing.map { Array("\"Item\":".utf8) + $0.bytes[..<Int($0.jsonCount)] } : nil
                return .error(type: "ConditionalCheckFailedException", message: "The conditional request failed", members: old)
            }
        }
        if isPut {
            put(item, into: request.tableName)
        } else {
            delete(item.primaryKey, from: request.tableName)
        }
        var body = ByteBuffer()
        if request.returnsOld, let existing {
            body.writeStaticString("{\"Attributes\":")
            _ = existing.bytes.withUnsafeBytes { body.writeBytes(UnsafeRawBufferPointer(rebasing: $0[..<Int(existing.jsonCount)])) }
            body.writeStaticString("}")
        } else {
            body.writeStaticString("{}")
        }
        return .ok(body)
    }

    /// Stores an item, recording the change on the table's stream if it has one.
    mutating func put(_ item: StoreTable.PreparedItem, into name: String) {
        guard let stream = enabledStreams[name] else {
            tables[name]!.put(item)
            return
        }
        let old = tables[name]!.slot(forKey: item.primaryKey).map { tables[name]!.items[Int($0)] }
        tables[name]!.put(item)
        record(on: stream, old: old, new: item)
    }

    /// Deletes the item with this key, if there is one, recording the change likewise.
    mutating func delete(_ primaryKey: [UInt8], from name: String) {
        guard let slot = tables[name]!.slot(forKey: primaryKey) else { return }
        let old = tables[name]!.items[Int(slot)]
        tables[name]!.delete(slot: slot, primaryKey: primaryKey)
        if let stream = enabledStreams[name] { record(on: stream, old: old, new: nil) }
    }

    /// Runs `body` with attribute lookups in a stored item (none when there is no item).
    static func lookup<Result>(in item: StoreTable.StoredItem?, _ body: ((String) -> StoreValue?) -> Result) -> Result {
        guard let item else { return body { _ in nil } }
        return item.bytes.withUnsafeBytes { bytes in
            let json = UnsafeRawBufferPointer(rebasing: bytes[..<Int(item.jsonCount)])
            return body { StoredItemJSON.attribute($0, in: json) }
        }
    }

    // MARK: Reads by key

    mutating func getItem(_ bytes: UnsafeRawBufferPointer) throws -> StoreAnswer {
        let request = try SingleItemRequest(bytes, itemMember: "Key")
        guard let table = tables[request.tableName] else { return Self.notFound(request.tableName) }
        guard let keyRange = request.item else {
            throw DynamoDBShapeError(message: "1 validation error detected: Value null at 'key' failed to satisfy constraint: Member must not be null")
        }
        let key = try table.prepare(UnsafeRawBufferPointer(rebasing: bytes[keyRange]), isKey: true)
        let projection = try request.projection()
        var body = ByteBuffer()
        body.writeStaticString("{")
        if let slot = table.slot(forKey: key.primaryKey) {
            body.writeStaticString("\"Item\":")
            Self.writeItem(table.items[Int(slot)], projection: projection, into: &body)
        }
        body.writeStaticString("}")
        return .ok(body)
    }

    mutating func batchGetItem(_ bytes: UnsafeRawBufferPointer) throws -> StoreAnswer {
        var cursor = JSONCursor(bytes)
        var members = try cursor.beginObject()
        var body = ByteBuffer()
        body.writeStaticString("{\"Responses\":{")
        while let key = try cursor.nextKey(&members) {
            guard cursor.token(key, equals: "RequestItems") else {
                try cursor.skipValue()
                continue
            }
            var tableMembers = try cursor.beginObject()
            var firstTable = true
            while let nameToken = try cursor.nextKey(&tableMembers) {
                let name = try cursor.string(nameToken)
                guard let table = tables[name] else { return Self.notFound(name) }
                var keys: [Range<Int>] = []
                var names: [String: String] = [:]
                var projectionText: String?
                var fields = try cursor.beginObject()
                while let field = try cursor.nextKey(&fields) {
                    if cursor.token(field, equals: "Keys") {
                        var elements = try cursor.beginArray()
                        while try cursor.nextElement(&elements) { keys.append(try cursor.skipValue()) }
                    } else if cursor.token(field, equals: "ProjectionExpression") {
                        projectionText = try cursor.string(cursor.readString())
                    } else if cursor.token(field, equals: "ExpressionAttributeNames") {
                        names = try cursor.readStringMap()
                    } else {
                        try cursor.skipValue()
                    }
                }
                let projection = try projectionText.map { try Self.projection($0, names: names) }
                if !firstTable { body.writeStaticString(",") }
                firstTable = false
                body.writeBytes(of: bytes, range: nameToken.quoted)
                body.writeStaticString(":[")
                var firstItem = true
                for range in keys {
                    let key = try table.prepare(UnsafeRawBufferPointer(rebasing: bytes[range]), isKey: true)
                    guard let slot = table.slot(forKey: key.primaryKey) else { continue }
                    if !firstItem { body.writeStaticString(",") }
                    firstItem = false
                    Self.writeItem(table.items[Int(slot)], projection: projection, into: &body)
                }
                body.writeStaticString("]")
            }
        }
        body.writeStaticString("},\"UnprocessedKeys\":{}}")
        return .ok(body)
    }

    // MARK: Query and Scan

    mutating func query(_ bytes: UnsafeRawBufferPointer) throws -> StoreAnswer {
        try read(bytes, isQuery: true)
    }

    mutating func scan(_ bytes: UnsafeRawBufferPointer) throws -> StoreAnswer {
        try read(bytes, isQuery: false)
    }

    private mutating func read(_ bytes: UnsafeRawBufferPointer, isQuery: Bool) throws -> StoreAnswer {
        let request = try ReadRequest(bytes)
        guard tables[request.tableName] != nil else { return Self.notFound(request.tableName) }
        guard let index = tables[request.tableName]!.schema.indexPosition(named: request.indexName) else {
            throw DynamoDBShapeError(message: "The table does not have the specified index: \(request.indexName ?? "")")
        }
        tables[request.tableName]!.settle(index)
        let table = tables[request.tableName]!
        let definition = table.schema.indexes[index]
        let values = request.values
        let filter = try request.filterText.map { try StoreExpressionParser.parse($0, names: request.names, values: values) }
        let projection = try request.projectionText.map { try Self.projection($0, names: request.names) }
        let entries = table.indexes[index].entries

        var start = 0
        var end = entries.count
        if isQuery {
            guard let text = request.keyConditionText else {
                throw DynamoDBShapeError(message: "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
            }
            let range = try KeyRange(
                StoreExpressionParser.parse(text, names: request.names, values: values), index: definition, schema: table.schema)
            start = table.partitionPoint(index) { range.isAfterStart(table, $0.slot, order: definition.order) }
            end = table.partitionPoint(index) { range.isAfterEnd(table, $0.slot, order: definition.order) }
        } else if let segment = request.segment {
            guard segment >= 0, segment < request.totalSegments ?? 0 else {
                throw DynamoDBShapeError(message: "The Segment parameter is required but was not present in the request when parameter TotalSegments is present")
            }
        } else if request.totalSegments != nil {
            throw DynamoDBShapeError(message: "The Segment parameter is required but was not present in the request when parameter TotalSegments is present")
        }
        if let startKey = request.exclusiveStartKey {
            var probe: [[UInt8]] = []
            for attribute in definition.order {
                guard let value = startKey[table.schema.attributes[attribute].name]?.keyBytes else {
                    throw DynamoDBShapeError(message: "The provided starting key is invalid: The provided key element does not match the schema")
                }
                probe.append(value)
            }
            let position = table.partitionPoint(index) { table.compare($0.slot, to: probe, order: definition.order) > 0 }
            if request.scanIndexForward {
                start = max(start, position)
            } else {
                let before = table.partitionPoint(index) { table.compare($0.slot, to: probe, order: definition.order) >= 0 }
                end = min(end, before)
            }
        }

        var body = ByteBuffer()
        body.writeStaticString("{")
        let countOnly = request.select == "COUNT"
        if !countOnly { body.writeStaticString("\"Items\":[") }
        var count = 0
        var scanned = 0
        var readSize = 0
        var last: Int32?
        var more = false
        let limit = request.limit ?? Int.max
        let segment = request.segment
        let totalSegments = request.totalSegments ?? 1
        var position = request.scanIndexForward || !isQuery ? start : end - 1
        let step = request.scanIndexForward || !isQuery ? 1 : -1
        while position >= start, position < end {
            let entry = entries[position]
            position += step
            if let segment, StoreTable.segment(ofHash: entry.segmentHash, totalSegments: totalSegments) != segment { continue }
            let item = table.items[Int(entry.slot)]
            scanned += 1
            readSize += Int(item.size)
            last = entry.slot
            if filter.map({ filter in Self.lookup(in: item) { filter.isMet($0) } }) ?? true {
                if !countOnly {
                    if count > 0 { body.writeStaticString(",") }
                    Self.writeItem(item, projection: projection, into: &body)
                }
                count += 1
            }
            // As DynamoDB: a page that reached its Limit or 1 MB has a LastEvaluatedKey, even
            // when nothing follows it.
            if scanned == limit || readSize >= Self.pageSizeLimit {
                more = true
                break
            }
        }
        if !countOnly { body.writeStaticString("],") }
        body.writeString("\"Count\":\(count),\"ScannedCount\":\(scanned)")
        if more, let last {
            body.writeStaticString(",\"LastEvaluatedKey\":{")
            let item = table.items[Int(last)]
            item.bytes.withUnsafeBytes { bytes in
                let json = UnsafeRawBufferPointer(rebasing: bytes[..<Int(item.jsonCount)])
                for (position, attribute) in definition.order.enumerated() {
                    let name = table.schema.attributes[attribute]
                    guard let range = StoredItemJSON.attributeRange(name.nameBytes, in: json) else { continue }
                    if position > 0 { body.writeStaticString(",") }
                    body.writeJSONString(name.name)
                    body.writeStaticString(":")
                    body.writeBytes(of: json, range: range)
                }
            }
            body.writeStaticString("}")
        }
        if request.returnsConsumedCapacity {
            // Eventually consistent reads: half a unit per 4 KB read.
            let units = Double(max(1, (readSize + 4095) / 4096)) * (request.consistentRead ? 1 : 0.5)
            body.writeStaticString(",\"ConsumedCapacity\":{\"TableName\":")
            body.writeJSONString(request.tableName)
            body.writeString(",\"CapacityUnits\":\(units)}")
        }
        body.writeStaticString("}")
        return .ok(body)
    }

    // MARK: Helpers

    private static func writeItem(_ item: StoreTable.StoredItem, projection: Set<String>?, into body: inout ByteBuffer) {
        item.bytes.withUnsafeBytes { bytes in
            let json = UnsafeRawBufferPointer(rebasing: bytes[..<Int(item.jsonCount)])
            if let projection {
                StoredItemJSON.project(json, onto: projection, into: &body)
            } else {
                body.writeBytes(json)
            }
        }
    }

    /// The attribute names a `ProjectionExpression` keeps.
    static func projection(_ text: String, names: [String: String]) throws -> Set<String> {
        var result = Set<String>()
        for part in text.split(separator: ",") {
            let path = part.trimmingCharacters(in: .whitespaces)
            if path.contains(".") || path.contains("[") {
                throw DynamoDBShapeError(message: "Invalid ProjectionExpression: nested attribute paths are not supported by billmig-fault-proxy's store")
            }
            if path.hasPrefix("#") {
                guard let name = names[path] else {
                    throw DynamoDBShapeError(message: "Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; attribute name: \(path)")
                }
                result.insert(name)
            } else {
                result.insert(path)
            }
        }
        return result
    }
}

/// The sort-key range a Query's `KeyConditionExpression` selects within one partition.
private struct KeyRange {
    var partition: [UInt8]
    var lower: (bytes: [UInt8], inclusive: Bool)?
    var upper: (bytes: [UInt8], inclusive: Bool)?
    var prefix: [UInt8]?

    init(_ condition: StoreCondition, index: StoreSchema.Index, schema: StoreSchema) throws {
        let partitionName = schema.attributes[index.partition].name
        let sortName = index.sort.map { schema.attributes[$0].name }
        func keyBytes(_ operand: StoreCondition.Operand, _ attribute: Int) throws -> [UInt8] {
            guard case .value(let value) = operand, let bytes = value.keyBytes, value.typeName == schema.attributes[attribute].type else {
                throw DynamoDBShapeError(message: "One or more parameter values were invalid: Condition parameter type does not match schema type")
            }
            return bytes
        }
        var partition: [UInt8]?
        for part in condition.conjuncts {
            switch part {
            case .compare(.path(let name), .equal, let value) where name == partitionName && partition == nil:
                partition = try keyBytes(value, index.partition)
            case .compare(.path(let name), let comparator, let value) where name == sortName && lower == nil && upper == nil && prefix == nil:
                let bytes = try keyBytes(value, index.sort!)
                switch comparator {
                case .equal:
                    lower = (bytes, true)
                    upper = (bytes, true)
                case .less: upper = (bytes, false)
                case .lessOrEqual: upper = (bytes, true)
                case .greater: lower = (bytes, false)
                case .greaterOrEqual: lower = (bytes, true)
                case .notEqual: throw DynamoDBShapeError(message: "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: <>")
                }
            case .between(.path(let name), let low, let high) where name == sortName && lower == nil && upper == nil && prefix == nil:
                let low = try keyBytes(low, index.sort!)
                let high = try keyBytes(high, index.sort!)
                guard compareBytes(low, high) <= 0 else {
                    throw DynamoDBShapeError(message: "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound")
                }
                lower = (low, true)
                upper = (high, true)
            case .beginsWith(.path(let name), let value) where name == sortName && lower == nil && upper == nil && prefix == nil:
                guard schema.attributes[index.sort!].type != "N" else {
                    throw DynamoDBShapeError(message: "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N")
                }
                let bytes = try keyBytes(value, index.sort!)
                lower = (bytes, true)
                prefix = bytes
            default:
                throw DynamoDBShapeError(message: "Query key condition not supported")
            }
        }
        guard let partition else {
            throw DynamoDBShapeError(message: "Query condition missed key schema element: \(partitionName)")
        }
        self.partition = partition
    }

    /// True for entries past the range's start.
    func isAfterStart(_ table: StoreTable, _ slot: Int32, order: [Int]) -> Bool {
        let partitionOrder = table.compare(slot, to: [partition], order: order)
        if partitionOrder != 0 { return partitionOrder > 0 }
        guard let lower else { return true }
        let result = table.compare(slot, to: [partition, lower.bytes], order: order)
        return lower.inclusive ? result >= 0 : result > 0
    }

    /// True for entries past the range's end.
    func isAfterEnd(_ table: StoreTable, _ slot: Int32, order: [Int]) -> Bool {
        let partitionOrder = table.compare(slot, to: [partition], order: order)
        if partitionOrder != 0 { return partitionOrder > 0 }
        if let upper {
            let result = table.compare(slot, to: [partition, upper.bytes], order: order)
            return upper.inclusive ? result > 0 : result >= 0
        }
        if let prefix {
            guard table.compare(slot, to: [partition, prefix], order: order) > 0 else { return false }
            return !table.keyValue(slot, attribute: order[1]).starts(with: prefix)
        }
        return false
    }
}

/// The members of a `PutItem`, `DeleteItem` or `GetItem` request the store uses.
struct SingleItemRequest {
    var tableName = ""
    var item: Range<Int>?
    var conditionText: String?
    var projectionText: String?
    var names: [String: String] = [:]
    var values: [String: StoreValue] = [:]
    var returnsOld = false
    var returnOldOnConditionFailure = false

    init(_ bytes: UnsafeRawBufferPointer, itemMember: StaticString) throws {
        var cursor = JSONCursor(bytes)
        var members = try cursor.beginObject()
        while let key = try cursor.nextKey(&members) {
            if cursor.token(key, equals: "TableName") {
                tableName = try cursor.string(cursor.readString())
            } else if cursor.token(key, equals: itemMember) {
                item = try cursor.skipValue()
            } else if cursor.token(key, equals: "ConditionExpression") {
                conditionText = try cursor.string(cursor.readString())
            } else if cursor.token(key, equals: "ProjectionExpression") {
                projectionText = try cursor.string(cursor.readString())
            } else if cursor.token(key, equals: "ExpressionAttributeNames") {
                names = try cursor.readStringMap()
            } else if cursor.token(key, equals: "ExpressionAttributeValues") {
                values = try cursor.readStoreValues()
            } else if cursor.token(key, equals: "ReturnValues") {
                returnsOld = try cursor.string(cursor.readString()) == "ALL_OLD"
            } else if cursor.token(key, equals: "ReturnValuesOnConditionCheckFailure") {
                returnOldOnConditionFailure = try cursor.string(cursor.readString()) == "ALL_OLD"
            } else if cursor.token(key, equals: "Expected") {
                throw DynamoDBShapeError(message: "billmig-fault-proxy's store supports ConditionExpression, not the legacy Expected parameter")
            } else {
                try cursor.skipValue()
            }
        }
        try cursor.expectEnd()
    }

    func condition() throws -> StoreCondition? {
        try conditionText.map { try StoreExpressionParser.parse($0, names: names, values: values) }
    }

    func projection() throws -> Set<String>? {
        try projectionText.map { try ItemStore.projection($0, names: names) }
    }
}

/// The members of a `Query` or `Scan` request the store uses.
private struct ReadRequest {
    var tableName = ""
    var indexName: String?
    var keyConditionText: String?
    var filterText: String?
    var projectionText: String?
    var names: [String: String] = [:]
    var values: [String: StoreValue] = [:]
    var limit: Int?
    var scanIndexForward = true
    var exclusiveStartKey: [String: StoreValue]?
    var segment: Int?
    var totalSegments: Int?
    var select: String?
    var consistentRead = false
    var returnsConsumedCapacity = false

    init(_ bytes: UnsafeRawBufferPointer) throws {
        var cursor = JSONCursor(bytes)
        var members = try cursor.beginObject()
        func integer(_ cursor: inout JSONCursor) throws -> Int {
            let range = try cursor.skipValue()
            guard let value = Int(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)) else {
                throw DynamoDBShapeError(message: "expected an integer")
            }
            return value
        }
        while let key = try cursor.nextKey(&members) {
            if cursor.token(key, equals: "TableName") {
                tableName = try cursor.string(cursor.readString())
            } else if cursor.token(key, equals: "IndexName") {
                indexName = try cursor.string(cursor.readString())
            } else if cursor.token(key, equals: "KeyConditionExpression") {
                keyConditionText = try cursor.string(cursor.readString())
            } else if cursor.token(key, equals: "FilterExpression") {
                filterText = try cursor.string(cursor.readString())
            } else if cursor.token(key, equals: "ProjectionExpression") {
                projectionText = try cursor.string(cursor.readString())
            } else if cursor.token(key, equals: "ExpressionAttributeNames") {
                names = try cursor.readStringMap()
            } else if cursor.token(key, equals: "ExpressionAttributeValues") {
                values = try cursor.readStoreValues()
            } else if cursor.token(key, equals: "Limit") {
                let value = try integer(&cursor)
                guard value >= 1 else {
                    throw DynamoDBShapeError(message: "1 validation error detected: Value '\(value)' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")
                }
                limit = value
            } else if cursor.token(key, equals: "ScanIndexForward") {
                scanIndexForward = cursor.peek() != UInt8(ascii: "f")
                try cursor.skipValue()
            } else if cursor.token(key, equals: "ConsistentRead") {
                consistentRead = cursor.peek() == UInt8(ascii: "t")
                try cursor.skipValue()
            } else if cursor.token(key, equals: "ExclusiveStartKey") {
                exclusiveStartKey = try cursor.readStoreValues()
            } else if cursor.token(key, equals: "Segment") {
                segment = try integer(&cursor)
            } else if cursor.token(key, equals: "TotalSegments") {
                let value = try integer(&cursor)
                guard (1...1_000_000).contains(value) else {
                    throw DynamoDBShapeError(message: "1 validation error detected: Value '\(value)' at 'totalSegments' failed to satisfy constraint: Member must have value between 1 and 1000000")
                }
                totalSegments = value
            } else if cursor.token(key, equals: "Select") {
                select = try cursor.string(cursor.readString())
            } else if cursor.token(key, equals: "ReturnConsumedCapacity") {
                returnsConsumedCapacity = try cursor.string(cursor.readString()) != "NONE"
            } else {
                try cursor.skipValue()
            }
        }
        try cursor.expectEnd()
    }
}
