import NIOCore

/// Small helpers for writing JSON straight into a `ByteBuffer`.
extension ByteBuffer {
    /// Writes `value` as a quoted JSON string.
    mutating func writeJSONString(_ value: String) {
        writeInteger(UInt8(ascii: "\""))
        for unit in value.utf8 {
            switch unit {
            case UInt8(ascii: "\""): writeStaticString("\\\"")
            case UInt8(ascii: "\\"): writeStaticString("\\\\")
            case 0x0A: writeStaticString("\\n")
            case 0x0D: writeStaticString("\\r")
            case 0x09: writeStaticString("\\t")
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                writeStaticString("\\u00")
                writeInteger(hex[Int(unit >> 4)])
                writeInteger(hex[Int(unit & 0x0F)])
            default: writeInteger(unit)
            }
        }
        writeInteger(UInt8(ascii: "\""))
    }

    /// Copies a range of `source` verbatim.
    mutating func writeBytes(of source: UnsafeRawBufferPointer, range: Range<Int>) {
        writeBytes(UnsafeRawBufferPointer(rebasing: source[range]))
    }
}
