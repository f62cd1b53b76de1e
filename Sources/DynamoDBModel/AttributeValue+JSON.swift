// The DynamoDB JSON wire form of attribute values and items, written straight to
// bytes (the loader encodes >100k items/s; JSONEncoder is far slower), plus a small
// JSON reader for responses. Numbers stay decimal text in both directions.

// MARK: - Writing

/// Writes JSON into a byte array. Containers track their own commas, so callers
/// only say what comes next.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8]
    // One flag per open container: has it a member yet?
    private var hasMember: [Bool] = []
    private var afterKey = false

    public init(capacity: Int = 1024) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inline(__always)
    private mutating func separate() {
        if afterKey {
            afterKey = false
            return
        }
        guard !hasMember.isEmpty else { return }
        if hasMember[hasMember.count - 1] {
            bytes.append(UInt8(ascii: ","))
        } else {
            hasMember[hasMember.count - 1] = true
        }
    }

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        hasMember.append(false)
    }

    public mutating func endObject() {
        hasMember.removeLast()
        bytes.append(UInt8(ascii: "}"))
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        hasMember.append(false)
    }

    public mutating func endArray() {
        hasMember.removeLast()
        bytes.append(UInt8(ascii: "]"))
    }

    /// An object member's name; the next value written is its value.
    public mutating func key(_ name: String) {
        separate()
        DynamoDBJSON.appendString(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    public mutating func string(_ value: String) {
        separate()
        DynamoDBJSON.appendString(value, to: &bytes)
    }

    public mutating func number<Integer: BinaryInteger>(_ value: Integer) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
    }

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: value ? "true".utf8 : "false".utf8)
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
    }

    public mutating func attributeValue(_ value: AttributeValue) {
        separate()
        DynamoDBJSON.appendAttributeValue(value, to: &bytes)
    }

    public mutating func item(_ item: Item) {
        separate()
        DynamoDBJSON.appendItem(item, to: &bytes)
    }

    public mutating func value(_ value: JSONValue) {
        separate()
        value.append(to: &bytes)
    }

    /// `"name": value` in one call.
    public mutating func field(_ name: String, _ value: String) {
        key(name)
        string(value)
    }
}

/// The DynamoDB JSON codec: `{"S":"x"}`, `{"N":"1.5"}`, `{"M":{...}}` and the rest.
public enum DynamoDBJSON {
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends a JSON string literal, escaping quotes, backslashes and control characters.
    @inlinable
    public static func appendString(_ text: String, to bytes: inout [UInt8]) {
        var text = text
        text.withUTF8 { appendString(utf8: $0, to: &bytes) }
    }

    public static func appendString(utf8: UnsafeBufferPointer<UInt8>, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        var runStart = 0
        for index in 0..<utf8.count {
            let byte = utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            if runStart < index { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index])) }
            runStart = index + 1
            bytes.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\"))
            case 0x0A: bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "t"))
            case 0x08: bytes.append(UInt8(ascii: "b"))
            case 0x0C: bytes.append(UInt8(ascii: "f"))
            default:
                bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            }
        }
        if runStart < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...])) }
        bytes.append(UInt8(ascii: "\""))
    }

    @inline(__always)
    private static func appendTag(_ tag: StaticString, to bytes: inout [UInt8]) {
        // `{"S":` and friends
        bytes.append(UInt8(ascii: "{"))
        bytes.append(UInt8(ascii: "\""))
        tag.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    public static func appendAttributeValue(_ value: AttributeValue, to bytes: inout [UInt8]) {
        switch value {
        case .s(let text):
            appendTag("S", to: &bytes)
            appendString(text, to: &bytes)
        case .n(let number):
            appendTag("N", to: &bytes)
            appendString(number, to: &bytes)
        case .b(let data):
            appendTag("B", to: &bytes)
            appendBase64(data, to: &bytes)
        case .bool(let flag):
            appendTag("BOOL", to: &bytes)
            bytes.append(contentsOf: flag ? "true".utf8 : "false".utf8)
        case .null:
            appendTag("NULL", to: &bytes)
            bytes.append(contentsOf: "true".utf8)
        case .l(let values):
            appendTag("L", to: &bytes)
            bytes.append(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                appendAttributeValue(element, to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .m(let map):
            appendTag("M", to: &bytes)
            appendItem(map, to: &bytes)
        case .ss(let strings):
            appendTag("SS", to: &bytes)
            appendStringArray(strings, to: &bytes)
        case .ns(let numbers):
            appendTag("NS", to: &bytes)
            appendStringArray(numbers, to: &bytes)
        case .bs(let blobs):
            appendTag("BS", to: &bytes)
            bytes.append(UInt8(ascii: "["))
            for (index, blob) in blobs.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                appendBase64(blob, to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        }
        bytes.append(UInt8(ascii: "}"))
    }

    private static func appendStringArray(_ strings: [String], to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "["))
        for (index, text) in strings.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            appendString(text, to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// `{"name":{"S":"..."},...}`
    public static func appendItem(_ item: Item, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "{"))
        var first = true
        for (name, value) in item {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            appendString(name, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            appendAttributeValue(value, to: &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    public static func encode(_ item: Item) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        appendItem(item, to: &bytes)
        return bytes
    }

    public static func encode(_ value: AttributeValue) -> [UInt8] {
        var bytes: [UInt8] = []
        appendAttributeValue(value, to: &bytes)
        return bytes
    }

    // MARK: Base64

    private static let base64Alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func appendBase64(_ data: [UInt8], to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        var index = 0
        while index + 3 <= data.count {
            let chunk = UInt32(data[index]) << 16 | UInt32(data[index + 1]) << 8 | UInt32(data[index + 2])
            bytes.append(base64Alphabet[Int(chunk >> 18 & 63)])
            bytes.append(base64Alphabet[Int(chunk >> 12 & 63)])
            bytes.append(base64Alphabet[Int(chunk >> 6 & 63)])
            bytes.append(base64Alphabet[Int(chunk & 63)])
            index += 3
        }
        let remaining = data.count - index
        if remaining > 0 {
            let chunk = UInt32(data[index]) << 16 | (remaining == 2 ? UInt32(data[index + 1]) << 8 : 0)
            bytes.append(base64Alphabet[Int(chunk >> 18 & 63)])
            bytes.append(base64Alphabet[Int(chunk >> 12 & 63)])
            bytes.append(remaining == 2 ? base64Alphabet[Int(chunk >> 6 & 63)] : UInt8(ascii: "="))
            bytes.append(UInt8(ascii: "="))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    public static func base64Encode(_ data: [UInt8]) -> String {
        var bytes: [UInt8] = []
        appendBase64(data, to: &bytes)
        return String(decoding: bytes.dropFirst().dropLast(), as: UTF8.self)
    }

    public static func base64Decode(_ text: String) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        var padding = 0
        for byte in text.utf8 {
            let value: UInt32
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(byte - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(byte - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "/"): value = 63
            case UInt8(ascii: "="): padding += 1; continue
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"): continue
            default: return nil
            }
            guard padding == 0 else { return nil }
            accumulator = accumulator << 6 | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return padding <= 2 ? output : nil
    }

    // MARK: Reading

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

// MARK: - JSON values

/// A parsed JSON document. Numbers keep their text, so nothing passes through a float.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public var intValue: Int? {
        switch self {
        case .number(let text): return Int(text) ?? Double(text).map { Int($0) }
        case .string(let text): return Int(text)
        default: return nil
        }
    }

    public var doubleValue: Double? {
        if case .number(let text) = self { return Double(text) }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    public func append(to bytes: inout [UInt8]) {
        switch self {
        case .null: bytes.append(contentsOf: "null".utf8)
        case .bool(let flag): bytes.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let text): bytes.append(contentsOf: text.utf8)
        case .string(let text): DynamoDBJSON.appendString(text, to: &bytes)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                element.append(to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            for (index, (name, value)) in members.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                DynamoDBJSON.appendString(name, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                value.append(to: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    public var jsonBytes: [UInt8] {
        var bytes: [UInt8] = []
        append(to: &bytes)
        return bytes
    }

    public static func parse(_ bytes: [UInt8]) throws(DynamoDBJSONError) -> JSONValue {
        do {
            return try bytes.withUnsafeBufferPointer { buffer in
                var parser = JSONByteParser(bytes: buffer)
                let value = try parser.parseValue(depth: 0)
                parser.skipWhitespace()
                guard parser.index == buffer.count else { throw parser.fail("trailing characters") }
                return value
            }
        } catch let error as DynamoDBJSONError {
            throw error
        } catch {
            throw DynamoDBJSONError("\(error)")
        }
    }

    public static func parse(_ text: String) throws(DynamoDBJSONError) -> JSONValue {
        try parse(Array(text.utf8))
    }
}

private struct JSONByteParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    static let maxDepth = 512

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    func fail(_ message: String) -> DynamoDBJSONError {
        DynamoDBJSONError("\(message) at byte \(index)")
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    mutating func expect(_ literal: StaticString) throws(DynamoDBJSONError) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw fail("unexpected end") }
        let matches = literal.withUTF8Buffer { buffer in
            (0..<count).allSatisfy { bytes[index + $0] == buffer[$0] }
        }
        guard matches else { throw fail("invalid literal") }
        index += count
    }

    mutating func parseValue(depth: Int) throws(DynamoDBJSONError) -> JSONValue {
        guard depth < Self.maxDepth else { throw fail("nesting too deep") }
        skipWhitespace()
        guard index < bytes.count else { throw fail("unexpected end") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var members: [String: JSONValue] = [:]
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
                let name = try parseString()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected :") }
                index += 1
                members[name] = try parseValue(depth: depth + 1)
                skipWhitespace()
                guard index < bytes.count else { throw fail("unterminated object") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
                throw fail("expected , or }")
            }
        case UInt8(ascii: "["):
            index += 1
            var elements: [JSONValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            while true {
                elements.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                guard index < bytes.count else { throw fail("unterminated array") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
                throw fail("expected , or ]")
            }
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"):
            try expect("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expect("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expect("null")
            return .null
        default:
            return .number(try parseNumber())
        }
    }

    mutating func parseNumber() throws(DynamoDBJSONError) -> String {
        let start = index
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        var digits = 0
        while index < bytes.count {
            let byte = bytes[index]
            if (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) {
                digits += 1
            } else if byte != UInt8(ascii: ".") && byte != UInt8(ascii: "e") && byte != UInt8(ascii: "E")
                        && byte != UInt8(ascii: "+") && byte != UInt8(ascii: "-") {
                break
            }
            index += 1
        }
        guard digits > 0 else { throw fail("unexpected character") }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    }

    mutating func parseString() throws(DynamoDBJSONError) -> String {
        index += 1 // opening quote
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw fail("control character in string") }
            index += 1
        }
        var output = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: output, as: UTF8.self)
            }
            if byte < 0x20 { throw fail("control character in string") }
            guard byte == UInt8(ascii: "\\") else {
                output.append(byte)
                index += 1
                continue
            }
            index += 1
            guard index < bytes.count else { break }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""): output.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): output.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "/"): output.append(UInt8(ascii: "/"))
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try parseHex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    // A high surrogate must be followed by an escaped low surrogate.
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        throw fail("unpaired surrogate")
                    }
                    index += 2
                    let low = try parseHex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw fail("invalid low surrogate") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw fail("unpaired surrogate")
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw fail("invalid escape") }
                output.append(contentsOf: String(Character(unicode)).utf8)
            default:
                throw fail("invalid escape")
            }
        }
        throw fail("unterminated string")
    }

    mutating func parseHex4() throws(DynamoDBJSONError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw fail("invalid hex digit")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}
