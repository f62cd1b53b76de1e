// The DynamoDB JSON wire form of attribute values and items, written straight to
// bytes (the loader encodes >100k items/s; JSONEncoder is far slower). Reading it
// back is DynamoDBJSON+Reading.swift, over the parser of JSONValue.swift; the
// writer is JSONWriter.swift. Numbers stay decimal text in both directions.

/// The DynamoDB JSON codec: `{"S":"x"}`, `{"N":"1.5"}`, `{"M":{...}}` and the rest.
public enum DynamoDBJSON {
    /// Appends a JSON string literal, escaping quotes, backslashes and control characters.
    @inlinable
    public static func appendString(_ text: String, to bytes: inout some ByteSink) {
        bytes.append(UInt8(ascii: "\""))
        appendEscaped(text, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// `appendEscaped(utf8:to:)` of a string's bytes, read in place: a native string
    /// lends them without a copy (a `var` copy for `withUTF8` would retain it per call).
    @inlinable
    public static func appendEscaped(_ text: String, to bytes: inout some ByteSink) {
        if text.utf8.withContiguousStorageIfAvailable({ appendEscaped(utf8: $0, to: &bytes) }) == nil {
            var text = text
            text.withUTF8 { appendEscaped(utf8: $0, to: &bytes) }
        }
    }

    @inlinable
    public static func appendString(utf8: UnsafeBufferPointer<UInt8>, to bytes: inout some ByteSink) {
        bytes.append(UInt8(ascii: "\""))
        appendEscaped(utf8: utf8, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends text escaped for a JSON string, without the quotes: a string
    /// written in pieces (a key from its template) needs no whole copy of itself.
    @inlinable
    public static func appendEscaped(utf8: UnsafeBufferPointer<UInt8>, to bytes: inout some ByteSink) {
        bytes.appendEscaped(utf8: utf8)
    }

    /// Escapes run by run: the runs with nothing to escape are appended whole.
    @inlinable
    static func appendEscapedByRuns(utf8: UnsafeBufferPointer<UInt8>, to bytes: inout some ByteSink) {
        guard let base = utf8.baseAddress else { return }
        var runStart = 0
        var index = firstToEscape(in: base, from: 0, count: utf8.count)
        while index < utf8.count {
            if runStart < index { bytes.append(bytes: UnsafeBufferPointer(start: base + runStart, count: index - runStart)) }
            runStart = index + 1
            appendEscape(of: utf8[index], to: &bytes)
            index = firstToEscape(in: base, from: index + 1, count: utf8.count)
        }
        if runStart < utf8.count { bytes.append(bytes: UnsafeBufferPointer(start: base + runStart, count: utf8.count - runStart)) }
    }

    /// `\"`, `\n`, `\u001f` and the like for one byte that JSON escapes.
    @usableFromInline
    static func appendEscape(of byte: UInt8, to bytes: inout some ByteSink) {
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
            func hex(_ digit: UInt8) -> UInt8 { digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10 }
            for part in [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex(byte >> 4), hex(byte & 0xF)] {
                bytes.append(part)
            }
        }
    }

    /// Whether any of a word's eight bytes is one JSON escapes (a control
    /// character, `"` or `\\`): some byte below 0x20, or zero after the XOR with
    /// `"` or `\\` (the usual "has a byte less than" and "has a zero byte" tests).
    @inlinable @inline(__always)
    static func hasByteToEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let control = (word &- 0x20 &* ones) & ~word
        let quote = word ^ (0x22 &* ones)
        let backslash = word ^ (0x5C &* ones)
        return (control | ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)) & 0x8080_8080_8080_8080 != 0
    }

    /// The first byte at or after `start` that JSON escapes (a control
    /// character, `"` or `\\`), or `count`. Eight bytes a step while none does:
    /// most text has none, and the load writes every value through here.
    @inlinable @inline(__always)
    static func firstToEscape(in base: UnsafePointer<UInt8>, from start: Int, count: Int) -> Int {
        var index = start
        while index + 8 <= count, !hasByteToEscape(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)) {
            index += 8
        }
        while index < count {
            let byte = base[index]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return index }
            index += 1
        }
        return count
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

    /// `{"PutRequest":{"Item":{...}}}`, one request of a BatchWriteItem body.
    public static func appendPutRequest(_ item: Item, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: putRequestStart)
        appendItem(item, to: &bytes)
        bytes.append(contentsOf: putRequestEnd)
    }

    /// What a put request writes before its item's attributes, and after its item.
    public static let putRequestStart: [UInt8] = Array(#"{"PutRequest":{"Item":"#.utf8)
    public static let putRequestEnd: [UInt8] = Array("}}".utf8)

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
}
