import BillingModel
import NIOCore

/// Writes values the way AWS DMS writes CSV: a value holding `"`, `,`, `\r` or `\n`
/// is wrapped in quotes with inner quotes doubled; NULL is an empty unquoted field;
/// the empty string is `""`; everything else (spaces included) as is. Rows end in `\n`.
public enum DMSCSVEncoder {
    private static let comma = UInt8(ascii: ",")
    private static let quote = UInt8(ascii: "\"")

    /// Appends one field.
    public static func appendField(_ value: SourceValue, to buffer: inout ByteBuffer) {
        switch value {
        case .null:
            return
        case .text(var text):
            if text.isEmpty {
                buffer.writeStaticString("\"\"")
                return
            }
            text.withUTF8 { appendBytes($0, to: &buffer) }
        case .bytes(let bytes):
            if bytes.isEmpty {
                buffer.writeStaticString("\"\"")
                return
            }
            bytes.withUnsafeBufferPointer { appendBytes($0, to: &buffer) }
        }
    }

    private static func appendBytes(_ bytes: UnsafeBufferPointer<UInt8>, to buffer: inout ByteBuffer) {
        var needsQuotes = false
        for byte in bytes where byte == quote || byte == comma || byte == 0x0A || byte == 0x0D {
            needsQuotes = true
            break
        }
        guard needsQuotes else {
            buffer.writeBytes(bytes)
            return
        }
        buffer.writeInteger(quote)
        var runStart = 0
        for (index, byte) in bytes.enumerated() where byte == quote {
            buffer.writeBytes(UnsafeBufferPointer(rebasing: bytes[runStart...index]))
            buffer.writeInteger(quote)  // the doubling
            runStart = index + 1
        }
        buffer.writeBytes(UnsafeBufferPointer(rebasing: bytes[runStart...]))
        buffer.writeInteger(quote)
    }

    /// Appends one record (fields separated by `,`) and its `\n`.
    public static func appendRecord(_ values: some Sequence<SourceValue>, to buffer: inout ByteBuffer) {
        var first = true
        for value in values {
            if !first { buffer.writeInteger(comma) }
            first = false
            appendField(value, to: &buffer)
        }
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    /// One record as text, without the line terminator.
    public static func line(_ values: some Sequence<SourceValue>) -> String {
        var buffer = ByteBuffer()
        appendRecord(values, to: &buffer)
        buffer.moveWriterIndex(to: buffer.writerIndex - 1)
        return String(buffer: buffer)
    }
}
