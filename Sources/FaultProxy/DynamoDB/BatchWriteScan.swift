import DynamoDBModel
import NIOCore

/// The facts the proxy needs from a `BatchWriteItem` request body, with byte ranges into it
/// so that any subset of its write requests can be copied out verbatim.
struct BatchWriteScan {
    struct WriteRequest {
        /// The whole `{"PutRequest": ...}` or `{"DeleteRequest": ...}` element.
        var range: Range<Int>
        var isPut: Bool
        /// The put's item, or the delete's key.
        var item: ScannedItem

        /// A delete is charged one unit: the size of the item it removes is not in the request.
        var writeUnits: Int { isPut ? DynamoDBSizing.writeUnits(forItemSize: item.size) : 1 }
    }

    struct Table {
        /// The table name as it appears in the document, quotes included.
        var quotedName: Range<Int>
        var name: String
        var requests: [WriteRequest]
    }

    var tables: [Table] = []
    /// Top-level members other than `RequestItems` (`"ReturnConsumedCapacity":"TOTAL"` ...),
    /// each spanning key to value.
    var otherMembers: [Range<Int>] = []

    var requestCount: Int { tables.reduce(0) { $0 + $1.requests.count } }

    init(_ bytes: UnsafeRawBufferPointer) throws {
        var cursor = JSONCursor(bytes)
        var members = try cursor.beginObject()
        var sawRequestItems = false
        while let key = try cursor.nextKey(&members) {
            if cursor.token(key, equals: "RequestItems") {
                sawRequestItems = true
                try scanRequestItems(&cursor)
            } else {
                let value = try cursor.skipValue()
                otherMembers.append(key.quoted.lowerBound..<value.upperBound)
            }
        }
        try cursor.expectEnd()
        if !sawRequestItems {
            throw DynamoDBShapeError(message: "1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null")
        }
    }

    private mutating func scanRequestItems(_ cursor: inout JSONCursor) throws {
        var tableMembers = try cursor.beginObject()
        while let tableName = try cursor.nextKey(&tableMembers) {
            var table = Table(quotedName: tableName.quoted, name: try cursor.string(tableName), requests: [])
            var elements = try cursor.beginArray()
            while try cursor.nextElement(&elements) {
                table.requests.append(try scanWriteRequest(&cursor))
            }
            tables.append(table)
        }
    }

    private func scanWriteRequest(_ cursor: inout JSONCursor) throws -> WriteRequest {
        let start = cursor.valueStart()
        var members = try cursor.beginObject()
        var found: (isPut: Bool, item: ScannedItem)?
        while let kind = try cursor.nextKey(&members) {
            let isPut = cursor.token(kind, equals: "PutRequest")
            guard isPut || cursor.token(kind, equals: "DeleteRequest"), found == nil else {
                throw DynamoDBShapeError(message: "Supplied WriteRequest must contain exactly one of PutRequest or DeleteRequest")
            }
            var inner = try cursor.beginObject()
            var item: ScannedItem?
            while let field = try cursor.nextKey(&inner) {
                if cursor.token(field, equals: isPut ? "Item" : "Key") {
                    item = try cursor.scanItem()
                } else {
                    try cursor.skipValue()
                }
            }
            guard let item else {
                throw DynamoDBShapeError(message: isPut ? "PutRequest must contain an Item" : "DeleteRequest must contain a Key")
            }
            found = (isPut, item)
        }
        guard let found else {
            throw DynamoDBShapeError(message: "Supplied WriteRequest must contain exactly one of PutRequest or DeleteRequest")
        }
        return WriteRequest(range: start..<cursor.index, isPut: found.isPut, item: found.item)
    }

    // MARK: Checks the sink applies

    /// The first rule of DynamoDB's this request breaks, if any.
    func shapeViolation() -> String? {
        let count = requestCount
        if count == 0 || count > DynamoDBSizing.maximumBatchWriteRequests {
            return "1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Member must have between 1 and 25 write requests in total (got \(count))"
        }
        for table in tables {
            if table.requests.isEmpty {
                return "1 validation error detected: Value at 'requestItems.\(table.name).member' failed to satisfy constraint: Member must have length greater than or equal to 1"
            }
            var seen = Set<ItemKey>(minimumCapacity: table.requests.count)
            for request in table.requests {
                guard let key = request.item.key else {
                    return request.item.keyProblem ?? "The provided key element does not match the schema"
                }
                if request.isPut, request.item.size > DynamoDBSizing.maximumItemSize {
                    return "Item size has exceeded the maximum allowed size"
                }
                if !seen.insert(key).inserted {
                    return "Provided list of item keys contains duplicates"
                }
            }
        }
        return nil
    }

    // MARK: Rewriting

    /// Visits every write request with its position in table-then-request order, the order
    /// the per-request flags of `render` use.
    func forEachRequest(_ body: (_ flatIndex: Int, _ table: Table, _ request: WriteRequest) -> Void) {
        var flatIndex = 0
        for table in tables {
            for request in table.requests {
                body(flatIndex, table, request)
                flatIndex += 1
            }
        }
    }

    /// A request body carrying only the write requests whose flag in `keep` is set, and every
    /// other top-level member unchanged.
    func renderRequest(from bytes: UnsafeRawBufferPointer, keeping keep: [Bool], into buffer: inout ByteBuffer) {
        buffer.writeStaticString("{\"RequestItems\":")
        renderRequestItems(from: bytes, selecting: keep, into: &buffer)
        for member in otherMembers {
            buffer.writeInteger(UInt8(ascii: ","))
            buffer.writeBytes(of: bytes, range: member)
        }
        buffer.writeInteger(UInt8(ascii: "}"))
    }

    /// A `{"Table":[request, ...], ...}` map of the selected write requests, in DynamoDB's
    /// `RequestItems`/`UnprocessedItems` shape; tables with none selected are left out.
    func renderRequestItems(
        from bytes: UnsafeRawBufferPointer,
        selecting selected: [Bool],
        into buffer: inout ByteBuffer,
        appending extra: [(name: String, elements: [ByteBuffer])] = []
    ) {
        buffer.writeInteger(UInt8(ascii: "{"))
        var flatIndex = 0
        var firstTable = true
        var extraUsed = Array(repeating: false, count: extra.count)
        for table in tables {
            let extraIndex = extra.firstIndex { $0.name == table.name }
            let extraElements = extraIndex.map { extra[$0].elements } ?? []
            if let extraIndex { extraUsed[extraIndex] = true }
            var firstElement = true
            for request in table.requests {
                defer { flatIndex += 1 }
                guard selected[flatIndex] else { continue }
                if firstElement {
                    if !firstTable { buffer.writeInteger(UInt8(ascii: ",")) }
                    firstTable = false
                    buffer.writeBytes(of: bytes, range: table.quotedName)
                    buffer.writeStaticString(":[")
                    firstElement = false
                } else {
                    buffer.writeInteger(UInt8(ascii: ","))
                }
                buffer.writeBytes(of: bytes, range: request.range)
            }
            for var element in extraElements {
                if firstElement {
                    if !firstTable { buffer.writeInteger(UInt8(ascii: ",")) }
                    firstTable = false
                    buffer.writeBytes(of: bytes, range: table.quotedName)
                    buffer.writeStaticString(":[")
                    firstElement = false
                } else {
                    buffer.writeInteger(UInt8(ascii: ","))
                }
                buffer.writeBuffer(&element)
            }
            if !firstElement { buffer.writeInteger(UInt8(ascii: "]")) }
        }
        for (index, table) in extra.enumerated() where !extraUsed[index] && !table.elements.isEmpty {
            if !firstTable { buffer.writeInteger(UInt8(ascii: ",")) }
            firstTable = false
            buffer.writeJSONString(table.name)
            buffer.writeStaticString(":[")
            for (position, var element) in table.elements.enumerated() {
                if position > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
                buffer.writeBuffer(&element)
            }
            buffer.writeInteger(UInt8(ascii: "]"))
        }
        buffer.writeInteger(UInt8(ascii: "}"))
    }
}

/// The parts of a `BatchWriteItem` response the proxy merges its own unprocessed items into.
struct BatchWriteResponseScan {
    /// Members other than `UnprocessedItems` (`ConsumedCapacity`, `ItemCollectionMetrics`).
    var otherMembers: [Range<Int>] = []
    /// The upstream's own unprocessed write requests, per table, copied out.
    var unprocessed: [(name: String, elements: [ByteBuffer])] = []

    var unprocessedCount: Int { unprocessed.reduce(0) { $0 + $1.elements.count } }

    init(_ bytes: UnsafeRawBufferPointer, allocator: ByteBufferAllocator) throws {
        var cursor = JSONCursor(bytes)
        var members = try cursor.beginObject()
        while let key = try cursor.nextKey(&members) {
            if cursor.token(key, equals: "UnprocessedItems") {
                var tables = try cursor.beginObject()
                while let name = try cursor.nextKey(&tables) {
                    var elements: [ByteBuffer] = []
                    var array = try cursor.beginArray()
                    while try cursor.nextElement(&array) {
                        let range = try cursor.skipValue()
                        var element = allocator.buffer(capacity: range.count)
                        element.writeBytes(of: bytes, range: range)
                        elements.append(element)
                    }
                    unprocessed.append((try cursor.string(name), elements))
                }
            } else {
                let value = try cursor.skipValue()
                otherMembers.append(key.quoted.lowerBound..<value.upperBound)
            }
        }
        try cursor.expectEnd()
    }
}
