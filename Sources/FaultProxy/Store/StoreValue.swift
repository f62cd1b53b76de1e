import Foundation
import NIOCore

/// An attribute value as the store compares it. Strings and binary are kept as their bytes
/// (UTF-8, decoded base64) and numbers in an encoding whose byte order is their numeric order
/// (`OrderedNumber`), so every key comparison DynamoDB defines is one byte comparison.
enum StoreValue: Equatable {
    case s([UInt8])
    case n([UInt8])
    case b([UInt8])
    /// BOOL, NULL, sets, lists and maps: the type and the value's JSON text, equal only when
    /// written alike (enough for the conditions billmig sends, which never compare them).
    case other(type: [UInt8], json: [UInt8])

    var typeName: String {
        switch self {
        case .s: "S"
        case .n: "N"
        case .b: "B"
        case .other(let type, _): String(decoding: type, as: UTF8.self)
        }
    }

    /// The bytes an index orders by, for the scalar types keys may have.
    var keyBytes: [UInt8]? {
        switch self {
        case .s(let bytes), .n(let bytes), .b(let bytes): bytes
        case .other: nil
        }
    }

    /// The order of two values of one scalar type; nil when DynamoDB would not compare them.
    static func order(_ left: StoreValue, _ right: StoreValue) -> Int? {
        switch (left, right) {
        case (.s(let a), .s(let b)), (.n(let a), .n(let b)), (.b(let a), .b(let b)):
            return compareBytes(a, b)
        default:
            return nil
        }
    }
}

/// Unsigned lexicographic order of two byte strings: -1, 0 or 1.
@inline(__always)
func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
    let common = min(a.count, b.count)
    if common > 0 {
        let result = memcmp(a.baseAddress!, b.baseAddress!, common)
        if result != 0 { return result < 0 ? -1 : 1 }
    }
    return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
}

func compareBytes(_ a: [UInt8], _ b: [UInt8]) -> Int {
    a.withUnsafeBytes { a in b.withUnsafeBytes { b in compareBytes(a, b) } }
}

/// DynamoDB numbers as byte strings that sort numerically: a sign byte (0 negative, 1 zero,
/// 2 positive), the decimal exponent as two bytes, then the significant digits and an end
/// byte; for negative numbers exponent, digits and end byte are complemented so that larger
/// magnitudes sort first. `1.50`, `1.5` and `15e-1` encode alike, as DynamoDB treats them.
enum OrderedNumber {
    static func encode(_ text: some Collection<UInt8>) -> [UInt8]? {
        var digits: [UInt8] = []
        var negative = false
        var integerDigits = 0
        var seenPoint = false
        var exponent = 0
        var iterator = text.makeIterator()
        var pending: UInt8? = iterator.next()
        if pending == UInt8(ascii: "-") || pending == UInt8(ascii: "+") {
            negative = pending == UInt8(ascii: "-")
            pending = iterator.next()
        }
        var sawDigit = false
        while let byte = pending {
            if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                sawDigit = true
                digits.append(byte - UInt8(ascii: "0"))
                if !seenPoint { integerDigits += 1 }
            } else if byte == UInt8(ascii: "."), !seenPoint {
                seenPoint = true
            } else if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                var exponentText: [UInt8] = []
                while let next = iterator.next() { exponentText.append(next) }
                guard let value = Int(String(decoding: exponentText, as: UTF8.self)), abs(value) < 1000 else { return nil }
                exponent = value
                break
            } else {
                return nil
            }
            pending = iterator.next()
        }
        guard sawDigit else { return nil }
        // value = 0.d1d2... x 10^(integerDigits + exponent), leading zeros stripped.
        var scale = integerDigits + exponent
        var first = 0
        while first < digits.count, digits[first] == 0 {
            first += 1
            scale -= 1
        }
        var last = digits.count
        while last > first, digits[last - 1] == 0 { last -= 1 }
        guard first < last else { return [1] }
        let biased = UInt16(clamping: scale + 0x8000)
        var encoded: [UInt8] = [negative ? 0 : 2, UInt8(biased >> 8), UInt8(biased & 0xFF)]
        encoded.reserveCapacity(3 + last - first + 1)
        for digit in digits[first..<last] { encoded.append(UInt8(ascii: "0") + digit) }
        encoded.append(0)
        if negative {
            for index in 1..<encoded.count { encoded[index] = ~encoded[index] }
        }
        return encoded
    }
}

extension JSONCursor {
    /// Reads one attribute value (`{"S":"..."}` and the like) as the store compares it.
    mutating func readStoreValue() throws -> StoreValue {
        var members = try beginObject()
        var value: StoreValue?
        while let type = try nextKey(&members) {
            guard value == nil else {
                throw DynamoDBShapeError(message: "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
            }
            if token(type, equals: "S") {
                value = .s(Array(try string(readString()).utf8))
            } else if token(type, equals: "N") {
                let text = try readString()
                guard let encoded = OrderedNumber.encode(Array(try string(text).utf8)) else {
                    throw DynamoDBShapeError(message: "A value provided cannot be converted into a number")
                }
                value = .n(encoded)
            } else if token(type, equals: "B") {
                let text = try string(readString())
                guard let data = Data(base64Encoded: text) else {
                    throw DynamoDBShapeError(message: "Invalid Base64 value for a binary attribute")
                }
                value = .b(Array(data))
            } else {
                let typeBytes = Array(UnsafeRawBufferPointer(rebasing: bytes[type.content]))
                let range = try skipValue()
                value = .other(type: typeBytes, json: Array(UnsafeRawBufferPointer(rebasing: bytes[range])))
            }
        }
        guard let value else {
            throw DynamoDBShapeError(message: "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
        }
        return value
    }

    /// Reads a map of attribute values (an item, a key, `ExpressionAttributeValues`).
    mutating func readStoreValues() throws -> [String: StoreValue] {
        var members = try beginObject()
        var values: [String: StoreValue] = [:]
        while let name = try nextKey(&members) {
            values[try string(name)] = try readStoreValue()
        }
        return values
    }

    /// Reads a map of strings (`ExpressionAttributeNames`).
    mutating func readStringMap() throws -> [String: String] {
        var members = try beginObject()
        var values: [String: String] = [:]
        while let name = try nextKey(&members) {
            values[try string(name)] = try string(readString())
        }
        return values
    }
}

/// Reads top-level attributes out of an item's JSON text.
enum StoredItemJSON {
    /// The value of attribute `name`, or nil when the item has none.
    static func attribute(_ name: String, in item: UnsafeRawBufferPointer) -> StoreValue? {
        var cursor = JSONCursor(item)
        guard var members = try? cursor.beginObject() else { return nil }
        let wanted = Array(name.utf8)
        while let key = try? cursor.nextKey(&members) {
            if matches(cursor, key, wanted) { return try? cursor.readStoreValue() }
            guard (try? cursor.skipValue()) != nil else { return nil }
        }
        return nil
    }

    /// The byte range of attribute `name`'s value (`{"S":"..."}`), to copy verbatim.
    static func attributeRange(_ name: [UInt8], in item: UnsafeRawBufferPointer) -> Range<Int>? {
        var cursor = JSONCursor(item)
        guard var members = try? cursor.beginObject() else { return nil }
        while let key = try? cursor.nextKey(&members) {
            guard let range = try? cursor.skipValue() else { return nil }
            if matches(cursor, key, name) { return range }
        }
        return nil
    }

    /// The item with only the named top-level attributes (a `ProjectionExpression`).
    static func project(_ item: UnsafeRawBufferPointer, onto names: Set<String>, into buffer: inout ByteBuffer) {
        var cursor = JSONCursor(item)
        buffer.writeInteger(UInt8(ascii: "{"))
        var first = true
        if var members = try? cursor.beginObject() {
            while let key = try? cursor.nextKey(&members), let value = try? cursor.skipValue() {
                guard let name = try? cursor.string(key), names.contains(name) else { continue }
                if !first { buffer.writeInteger(UInt8(ascii: ",")) }
                first = false
                buffer.writeBytes(of: item, range: key.quoted.lowerBound..<value.upperBound)
            }
        }
        buffer.writeInteger(UInt8(ascii: "}"))
    }

    private static func matches(_ cursor: JSONCursor, _ key: JSONStringToken, _ wanted: [UInt8]) -> Bool {
        if key.hasEscapes { return (try? cursor.string(key)).map { Array($0.utf8) == wanted } ?? false }
        guard key.content.count == wanted.count else { return false }
        return wanted.withUnsafeBytes { compareBytes(UnsafeRawBufferPointer(rebasing: cursor.bytes[key.content]), $0) == 0 }
    }
}
