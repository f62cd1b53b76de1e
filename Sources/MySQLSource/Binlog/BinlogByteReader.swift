/// A cursor over the bytes of one binlog event. Every read checks bounds and
/// throws `BinlogDecodingError.truncated` instead of trapping, because the
/// bytes come from the network.
struct BinlogByteReader {
    let bytes: [UInt8]
    private(set) var offset: Int
    let end: Int

    init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        self.offset = start
        self.end = min(end ?? bytes.count, bytes.count)
    }

    var remaining: Int { end - offset }
    var isAtEnd: Bool { offset >= end }

    private func require(_ count: Int, _ what: @autoclosure () -> String) throws(BinlogDecodingError) {
        guard count >= 0, remaining >= count else {
            throw .truncated(what: what(), needed: count, available: max(remaining, 0))
        }
    }

    mutating func skip(_ count: Int, _ what: @autoclosure () -> String = "bytes") throws(BinlogDecodingError) {
        try require(count, what())
        offset += count
    }

    mutating func readUInt8(_ what: @autoclosure () -> String = "byte") throws(BinlogDecodingError) -> UInt8 {
        try require(1, what())
        defer { offset += 1 }
        return bytes[offset]
    }

    /// An unsigned little-endian integer of `width` bytes (1...8).
    mutating func readLittleEndian(_ width: Int, _ what: @autoclosure () -> String = "integer") throws(BinlogDecodingError) -> UInt64 {
        try require(width, what())
        var value: UInt64 = 0
        for index in 0..<width {
            value |= UInt64(bytes[offset + index]) << (8 * UInt64(index))
        }
        offset += width
        return value
    }

    /// An unsigned big-endian integer of `width` bytes (1...8).
    mutating func readBigEndian(_ width: Int, _ what: @autoclosure () -> String = "integer") throws(BinlogDecodingError) -> UInt64 {
        try require(width, what())
        var value: UInt64 = 0
        for index in 0..<width {
            value = value << 8 | UInt64(bytes[offset + index])
        }
        offset += width
        return value
    }

    mutating func readUInt16(_ what: @autoclosure () -> String = "uint16") throws(BinlogDecodingError) -> UInt16 {
        UInt16(try readLittleEndian(2, what()))
    }

    mutating func readUInt32(_ what: @autoclosure () -> String = "uint32") throws(BinlogDecodingError) -> UInt32 {
        UInt32(try readLittleEndian(4, what()))
    }

    mutating func readUInt64(_ what: @autoclosure () -> String = "uint64") throws(BinlogDecodingError) -> UInt64 {
        try readLittleEndian(8, what())
    }

    /// The protocol's length-encoded integer (1, 3, 4 or 9 bytes).
    mutating func readLengthEncodedInteger(_ what: @autoclosure () -> String = "length-encoded integer") throws(BinlogDecodingError) -> UInt64 {
        let first = try readUInt8(what())
        switch first {
        case 0..<0xFB: return UInt64(first)
        case 0xFC: return try readLittleEndian(2, what())
        case 0xFD: return try readLittleEndian(3, what())
        case 0xFE: return try readLittleEndian(8, what())
        default: throw .invalidValue(what: what(), reason: "length-encoded integer starts with 0x\(String(first, radix: 16))")
        }
    }

    mutating func readBytes(_ count: Int, _ what: @autoclosure () -> String = "bytes") throws(BinlogDecodingError) -> [UInt8] {
        try require(count, what())
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    mutating func readSlice(_ count: Int, _ what: @autoclosure () -> String = "bytes") throws(BinlogDecodingError) -> ArraySlice<UInt8> {
        try require(count, what())
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    mutating func readRest() -> ArraySlice<UInt8> {
        defer { offset = end }
        return offset < end ? bytes[offset..<end] : []
    }

    /// A length-encoded integer followed by that many bytes.
    mutating func readLengthEncodedBytes(_ what: @autoclosure () -> String = "length-encoded string") throws(BinlogDecodingError) -> ArraySlice<UInt8> {
        let length = try readLengthEncodedInteger(what())
        guard length <= UInt64(remaining) else {
            throw .truncated(what: what(), needed: Int(clamping: length), available: remaining)
        }
        return try readSlice(Int(length), what())
    }

    /// A string of `count` bytes decoded as UTF-8 (names in the binlog are utf8).
    mutating func readString(_ count: Int, _ what: @autoclosure () -> String = "string") throws(BinlogDecodingError) -> String {
        String(decoding: try readSlice(count, what()), as: UTF8.self)
    }
}
