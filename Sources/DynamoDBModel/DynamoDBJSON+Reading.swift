// Reading DynamoDB JSON answers into attribute values and items.

extension DynamoDBJSON {
    public static func decodeItem(from bytes: [UInt8]) throws(DynamoDBJSONError) -> Item {
        try item(from: JSONValue.parse(bytes))
    }

    /// An item from its parsed JSON object.
    public static func item(from json: JSONValue) throws(DynamoDBJSONError) -> Item {
        guard case .object(let members) = json else { throw .init("an item must be a JSON object") }
        var item = Item(minimumCapacity: members.count)
        for (name, value) in members {
            item[name] = try attributeValue(from: value)
        }
        return item
    }

    /// One attribute value from its `{"TYPE": ...}` object.
    public static func attributeValue(from json: JSONValue) throws(DynamoDBJSONError) -> AttributeValue {
        guard case .object(let members) = json, members.count == 1, let (tag, payload) = members.first else {
            throw .init("an attribute value must be an object with one type key")
        }
        func strings() throws(DynamoDBJSONError) -> [String] {
            guard case .array(let elements) = payload else { throw .init("\(tag) must hold an array") }
            var result: [String] = []
            result.reserveCapacity(elements.count)
            for element in elements {
                guard case .string(let text) = element else { throw .init("\(tag) elements must be strings") }
                result.append(text)
            }
            return result
        }
        switch (tag, payload) {
        case ("S", .string(let text)): return .s(text)
        case ("N", .string(let text)): return .n(text)
        case ("N", .number(let text)): return .n(text)
        case ("B", .string(let text)):
            guard let data = base64Decode(text) else { throw .init("B is not base64") }
            return .b(data)
        case ("BOOL", .bool(let flag)): return .bool(flag)
        case ("NULL", .bool(true)): return .null
        case ("L", .array(let elements)):
            var values: [AttributeValue] = []
            values.reserveCapacity(elements.count)
            for element in elements { values.append(try attributeValue(from: element)) }
            return .l(values)
        case ("M", .object):
            return .m(try item(from: payload))
        case ("SS", _): return .ss(try strings())
        case ("NS", _): return .ns(try strings())
        case ("BS", _):
            var blobs: [[UInt8]] = []
            for text in try strings() {
                guard let data = base64Decode(text) else { throw .init("BS element is not base64") }
                blobs.append(data)
            }
            return .bs(blobs)
        default:
            throw .init("unknown or malformed attribute type \(tag)")
        }
    }
}

public struct DynamoDBJSONError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "DynamoDB JSON: \(message)" }
}
