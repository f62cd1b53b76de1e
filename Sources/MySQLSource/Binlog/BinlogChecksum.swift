/// The binlog's event checksum: `binlog_checksum=CRC32` appends the CRC-32
/// (ISO-HDLC, as zlib computes it) of the event's bytes, little-endian.
public enum BinlogChecksumAlgorithm: UInt8, Sendable, Hashable {
    case none = 0
    case crc32 = 1

    /// Bytes the checksum adds to every event.
    public var trailerLength: Int { self == .crc32 ? 4 : 0 }
}

enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 {
            value = value & 1 == 1 ? (value >> 1) ^ 0xEDB8_8320 : value >> 1
        }
        return value
    }

    static func checksum<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }
}
