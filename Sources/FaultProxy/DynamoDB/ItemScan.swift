import DynamoDBModel

/// A request that is well-formed JSON but not a valid DynamoDB request; the sink answers it
/// with a `ValidationException` carrying `message`.
struct DynamoDBShapeError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// What the proxy learns about one item (a put's `Item`, or the `Key` of a delete or update).
struct ScannedItem {
    /// The `PK`/`SK` pair, when both are present as non-empty strings.
    var key: ItemKey?
    /// Why `key` is nil, in DynamoDB's words.
    var keyProblem: String?
    /// The item's size as DynamoDB counts it for capacity and the 400 KB limit (approximately).
    var size: Int
}

/// DynamoDB's sizing rules, approximately as the service applies them.
enum DynamoDBSizing {
    static let maximumItemSize = 400 * 1024
    static let maximumBatchWriteRequests = 25

    /// One write capacity unit per started kilobyte, at least one.
    static func writeUnits(forItemSize size: Int) -> Int {
        max(1, (size + 1023) / 1024)
    }

    /// The stored size of a number: one byte per two significant digits plus one.
    static func numberSize(digits: Int) -> Int {
        (digits + 1) / 2 + 1
    }
}

extension JSONCursor {
    /// Reads an item (attribute name to attribute value), noting its key and size.
    mutating func scanItem() throws -> ScannedItem {
        var members = try beginObject()
        var partitionKey: String?
        var sortKey: String?
        var problem: String?
        var size = 0
        while let name = try nextKey(&members) {
            size += try decodedUTF8Count(name)
            let isPartitionKey = token(name, equals: "PK")
            let isSortKey = !isPartitionKey && token(name, equals: "SK")
            guard isPartitionKey || isSortKey else {
                size += try attributeValueSize(depth: 0)
                continue
            }
            // Key attributes: remember their string value while measuring them.
            var valueMembers = try beginObject()
            var typeCount = 0
            while let type = try nextKey(&valueMembers) {
                typeCount += 1
                if attributeType(type) == .s {
                    let value = try readString()
                    size += try decodedUTF8Count(value)
                    let text = try string(value)
                    if text.isEmpty {
                        problem = "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: \(isPartitionKey ? "PK" : "SK")"
                    } else if isPartitionKey {
                        partitionKey = text
                    } else {
                        sortKey = text
                    }
                } else {
                    size += try attributeValueSize(ofType: type, depth: 1)
                    problem = "One or more parameter values were invalid: Type mismatch for key \(isPartitionKey ? "PK" : "SK") expected: S"
                }
            }
            try Self.checkSingleType(typeCount)
        }
        var key: ItemKey?
        if let partitionKey, let sortKey {
            key = ItemKey(pk: partitionKey, sk: sortKey)
        } else if problem == nil {
            problem = "One or more parameter values were invalid: Missing the key \(partitionKey == nil ? "PK" : "SK") in the item"
        }
        return ScannedItem(key: key, keyProblem: key == nil ? problem : nil, size: size)
    }

    /// Reads a map of attribute values (such as `ExpressionAttributeValues`) and returns the
    /// sum of their sizes.
    mutating func attributeMapSize() throws -> Int {
        var members = try beginObject()
        var size = 0
        while let name = try nextKey(&members) {
            size += try decodedUTF8Count(name)
            size += try attributeValueSize(depth: 0)
        }
        return size
    }

    /// Reads one attribute value (`{"S": "..."}` and the like) and returns its size.
    mutating func attributeValueSize(depth: Int) throws -> Int {
        // DynamoDB allows 32 levels of nesting; deeper documents are not worth following.
        guard depth <= 32 else { throw DynamoDBShapeError(message: "Nesting Levels have exceeded supported limits") }
        var members = try beginObject()
        var size = 0
        var typeCount = 0
        while let type = try nextKey(&members) {
            typeCount += 1
            size += try attributeValueSize(ofType: type, depth: depth)
        }
        try Self.checkSingleType(typeCount)
        return size
    }

    private static func checkSingleType(_ typeCount: Int) throws {
        if typeCount == 0 {
            throw DynamoDBShapeError(message: "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
        }
        if typeCount > 1 {
            throw DynamoDBShapeError(message: "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
        }
    }

    /// The DynamoDB data types, read from a type key without building a string.
    private enum AttributeType {
        case s, n, b, bool, null, ss, ns, bs, l, m
    }

    private func attributeType(_ token: JSONStringToken) -> AttributeType? {
        guard !token.hasEscapes, !token.content.isEmpty else { return nil }
        let first = bytes[token.content.lowerBound]
        switch token.content.count {
        case 1:
            switch first {
            case UInt8(ascii: "S"): return .s
            case UInt8(ascii: "N"): return .n
            case UInt8(ascii: "B"): return .b
            case UInt8(ascii: "L"): return .l
            case UInt8(ascii: "M"): return .m
            default: return nil
            }
        case 2:
            guard bytes[token.content.lowerBound + 1] == UInt8(ascii: "S") else { return nil }
            switch first {
            case UInt8(ascii: "S"): return .ss
            case UInt8(ascii: "N"): return .ns
            case UInt8(ascii: "B"): return .bs
            default: return nil
            }
        case 4:
            if self.token(token, equals: "BOOL") { return .bool }
            if self.token(token, equals: "NULL") { return .null }
            return nil
        default:
            return nil
        }
    }

    private mutating func attributeValueSize(ofType typeToken: JSONStringToken, depth: Int) throws -> Int {
        guard let type = attributeType(typeToken) else {
            let name = (try? string(typeToken)) ?? "?"
            throw DynamoDBShapeError(message: "Supplied AttributeValue has an unknown datatype: \(name)")
        }
        switch type {
        case .s:
            return try decodedUTF8Count(readString())
        case .n:
            return DynamoDBSizing.numberSize(digits: significantDigits(try readString()))
        case .b:
            return base64DecodedCount(try readString())
        case .bool, .null:
            try skipValue()
            return 1
        case .ss, .ns, .bs:
            var elements = try beginArray()
            var size = 0
            while try nextElement(&elements) {
                let element = try readString()
                switch type {
                case .ns: size += DynamoDBSizing.numberSize(digits: significantDigits(element))
                case .bs: size += base64DecodedCount(element)
                default: size += try decodedUTF8Count(element)
                }
            }
            return size
        case .l:
            var elements = try beginArray()
            var size = 3
            while try nextElement(&elements) {
                size += 1 + (try attributeValueSize(depth: depth + 1))
            }
            return size
        case .m:
            var members = try beginObject()
            var size = 3
            while let name = try nextKey(&members) {
                size += 1 + (try decodedUTF8Count(name)) + (try attributeValueSize(depth: depth + 1))
            }
            return size
        }
    }

    /// Digits of a number's text without sign, exponent, leading or trailing zeros.
    private func significantDigits(_ token: JSONStringToken) -> Int {
        var first = -1
        var last = -1
        var position = 0
        for index in token.content {
            let byte = bytes[index]
            if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") { break }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { continue }
            if byte != UInt8(ascii: "0") {
                if first < 0 { first = position }
                last = position
            }
            position += 1
        }
        return first < 0 ? 1 : last - first + 1
    }

    private func base64DecodedCount(_ token: JSONStringToken) -> Int {
        let length = token.content.count
        var padding = 0
        var index = token.content.upperBound - 1
        while padding < 2, index >= token.content.lowerBound, bytes[index] == UInt8(ascii: "=") {
            padding += 1
            index -= 1
        }
        return max(0, length / 4 * 3 + (length % 4) * 3 / 4 - padding)
    }
}
