import Foundation
import NIOCore
import Synchronization

/// JSON of a flat `Encodable` value (a billing record: named scalars, nested values
/// that encode as one scalar), written straight into bytes: byte for byte what
/// `BillingGateway.json` (JSONEncoder, sorted keys, slashes as they are) writes,
/// without JSONEncoder's intermediate tree, which cost a miss of a 100-record page
/// about 1 ms. `write` answers false for anything not flat (then use JSONEncoder).
enum FlatJSON {
    enum Scalar {
        case string(String)
        case number(String)
        case bool(Bool)
    }

    /// Appends the object; false (nothing appended) when the value is not flat.
    static func write(_ value: some Encodable, into buffer: inout ByteBuffer) -> Bool {
        let collector = FieldCollector()
        do {
            try value.encode(to: collector)
        } catch {
            return false
        }
        guard !collector.unsupported else { return false }
        let fields = collector.fields
        buffer.writeInteger(UInt8(ascii: "{"))
        for (index, position) in order(of: fields.map(\.key)).enumerated() {
            let field = fields[position]
            if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            writeString(field.key, into: &buffer)
            buffer.writeInteger(UInt8(ascii: ":"))
            switch field.value {
            case .string(let text): writeString(text, into: &buffer)
            case .number(let text): buffer.writeString(text)
            case .bool(let flag): buffer.writeString(flag ? "true" : "false")
            }
        }
        buffer.writeInteger(UInt8(ascii: "}"))
        return true
    }

    /// Sorted orders of the key lists seen (a few per table: which optionals are present).
    private static let orders = Mutex<[[String]: [Int]]>([:])

    /// The positions of `keys` in sorted order, computed once per key list (the
    /// Foundation comparison is far slower than the rest of the writing).
    static func order(of keys: [String]) -> [Int] {
        if let known = orders.withLock({ $0[keys] }) { return known }
        let order = keys.indices.sorted { sortedBefore(keys[$0], keys[$1]) }
        orders.withLock { if $0.count < 4096 { $0[keys] = order } }
        return order
    }

    /// JSONEncoder's `.sortedKeys` order.
    static func sortedBefore(_ a: String, _ b: String) -> Bool {
        a.compare(b, options: [.numeric, .caseInsensitive, .forcedOrdering]) == .orderedAscending
    }

    /// A JSON string as JSONEncoder writes it with `.withoutEscapingSlashes`.
    static func writeString(_ text: String, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\""))
        var start = text.utf8.startIndex
        let utf8 = text.utf8
        var index = start
        func flush(_ upTo: String.UTF8View.Index) {
            if start < upTo { buffer.writeBytes(utf8[start..<upTo]) }
        }
        while index < utf8.endIndex {
            let byte = utf8[index]
            let escape: String? =
                switch byte {
                case UInt8(ascii: "\""): "\\\""
                case UInt8(ascii: "\\"): "\\\\"
                case 0x08: "\\b"
                case 0x0C: "\\f"
                case 0x0A: "\\n"
                case 0x0D: "\\r"
                case 0x09: "\\t"
                case 0..<0x20: "\\u00" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16)
                default: nil
                }
            if let escape {
                flush(index)
                buffer.writeString(escape)
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        flush(index)
        buffer.writeInteger(UInt8(ascii: "\""))
    }
}

/// An `Encoder` that only collects a flat object's fields.
private final class FieldCollector: Encoder {
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]
    var fields: [(key: String, value: FlatJSON.Scalar)] = []
    var unsupported = false

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(FieldContainer<Key>(collector: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        unsupported = true
        return UnsupportedList()
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        unsupported = true
        return ScalarCollector()
    }
}

private struct FieldContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let collector: FieldCollector
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws { collector.unsupported = true }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        let scalar = ScalarCollector()
        try scalar.take(value)
        guard let found = scalar.scalar, !scalar.unsupported else {
            collector.unsupported = true
            return
        }
        collector.fields.append((key.stringValue, found))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        collector.unsupported = true
        return FieldCollector().container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        collector.unsupported = true
        return UnsupportedList()
    }

    mutating func superEncoder() -> any Encoder {
        collector.unsupported = true
        return FieldCollector()
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        collector.unsupported = true
        return FieldCollector()
    }
}

/// Takes one value that encodes as a single scalar (a string, an integer, a value
/// type writing one through `singleValueContainer`).
private final class ScalarCollector: Encoder, SingleValueEncodingContainer {
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]
    var scalar: FlatJSON.Scalar?
    var unsupported = false

    func take<T: Encodable>(_ value: T) throws {
        switch value {
        case let text as String: scalar = .string(text)
        case let number as UInt64: scalar = .number(String(number))
        case let number as UInt32: scalar = .number(String(number))
        case let number as Int: scalar = .number(String(number))
        case let number as Int64: scalar = .number(String(number))
        case let flag as Bool: scalar = .bool(flag)
        case is Double, is Float, is Decimal, is Date, is Data, is URL: unsupported = true
        default: try value.encode(to: self)
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        unsupported = true
        return FieldCollector().container(keyedBy: type)
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        unsupported = true
        return UnsupportedList()
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    func encodeNil() throws { unsupported = true }
    func encode(_ value: Bool) throws { try take(value) }
    func encode(_ value: String) throws { try take(value) }
    func encode(_ value: Double) throws { unsupported = true }
    func encode(_ value: Float) throws { unsupported = true }
    func encode(_ value: Int) throws { try take(value) }
    func encode(_ value: Int8) throws { try take(Int(value)) }
    func encode(_ value: Int16) throws { try take(Int(value)) }
    func encode(_ value: Int32) throws { try take(Int(value)) }
    func encode(_ value: Int64) throws { try take(value) }
    func encode(_ value: UInt) throws { try take(UInt64(value)) }
    func encode(_ value: UInt8) throws { try take(UInt64(value)) }
    func encode(_ value: UInt16) throws { try take(UInt64(value)) }
    func encode(_ value: UInt32) throws { try take(value) }
    func encode(_ value: UInt64) throws { try take(value) }
    func encode<T: Encodable>(_ value: T) throws { try take(value) }
}

/// What a collector hands out for a list it does not support (its content is ignored).
private struct UnsupportedList: UnkeyedEncodingContainer {
    var codingPath: [any CodingKey] { [] }
    var count: Int { 0 }
    mutating func encodeNil() throws {}
    mutating func encode<T: Encodable>(_ value: T) throws {}
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        FieldCollector().container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { self }
    mutating func superEncoder() -> any Encoder { FieldCollector() }
}
