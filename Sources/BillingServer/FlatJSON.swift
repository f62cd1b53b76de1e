import BillingService
import NIOCore

/// A response's JSON written straight from the models into bytes: byte for byte
/// what `BillingGateway.json` (JSONEncoder, sorted keys, slashes as they are)
/// writes for the same records, without a Codable walk. The records give their
/// fields in key order (`RecordFieldWriter`); this only writes them.
struct FlatJSON: RecordFieldWriter {
    private(set) var buffer: ByteBuffer
    /// Whether the object being written has no field yet (no comma before the next).
    private var firstField = true

    init(capacity: Int = 1024) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    /// Appends the record as one JSON object.
    mutating func write(_ record: BillingRecord) {
        buffer.writeInteger(UInt8(ascii: "{"))
        firstField = true
        record.writeFields(to: &self)
        buffer.writeInteger(UInt8(ascii: "}"))
    }

    /// Appends raw JSON text (punctuation, `null`).
    mutating func writeRaw(_ text: StaticString) {
        buffer.writeStaticString(text)
    }

    /// Appends a JSON string.
    mutating func writeString(_ text: String) {
        Self.writeString(text, into: &buffer)
    }

    // MARK: RecordFieldWriter

    mutating func string(_ key: StaticString, _ value: String) {
        writeKey(key)
        Self.writeString(value, into: &buffer)
    }

    mutating func number(_ key: StaticString, _ value: UInt64) {
        writeKey(key)
        // Digits from the right into a stack tuple: no String for the number.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { bytes in
            repeat {
                count += 1
                bytes[24 - count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[(24 - count)...]))
        }
    }

    mutating func timestamp(_ key: StaticString, _ value: BillingTimestamp) {
        writeKey(key)
        // ISO-8601 needs no escaping.
        buffer.writeInteger(UInt8(ascii: "\""))
        value.withISO8601Bytes { _ = buffer.writeBytes($0) }
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    /// `"key":`, after a comma unless it is the object's first field. Keys are
    /// the models' snake_case names: nothing to escape.
    private mutating func writeKey(_ key: StaticString) {
        buffer.writeStaticString(firstField ? "\"" : ",\"")
        firstField = false
        buffer.writeStaticString(key)
        buffer.writeStaticString("\":")
    }

    /// A JSON string as JSONEncoder writes it with `.withoutEscapingSlashes`:
    /// runs without an escape are copied as they are.
    static func writeString(_ text: String, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var start = 0
            for index in utf8.indices {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if start < index { buffer.writeBytes(UnsafeBufferPointer(rebasing: utf8[start..<index])) }
                switch byte {
                case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
                case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                case 0x08: buffer.writeStaticString("\\b")
                case 0x0C: buffer.writeStaticString("\\f")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                case 0x09: buffer.writeStaticString("\\t")
                default:
                    buffer.writeStaticString("\\u00")
                    buffer.writeInteger(UInt8(ascii: "0") + byte >> 4)
                    let low = byte & 0x0F
                    buffer.writeInteger(low < 10 ? UInt8(ascii: "0") + low : UInt8(ascii: "a") + low - 10)
                }
                start = index + 1
            }
            if start < utf8.count { buffer.writeBytes(UnsafeBufferPointer(rebasing: utf8[start...])) }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }
}
