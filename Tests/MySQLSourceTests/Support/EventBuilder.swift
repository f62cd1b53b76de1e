import MySQLSource

/// Builds binlog events byte by byte for hand-made fixtures (no checksum).
/// The value encodings in the tests were computed separately from MySQL's
/// format description, not with the decoder under test.
enum EventBuilder {
    static func event(type: BinlogEventType, nextPosition: UInt32, body: [UInt8], flags: UInt16 = 0) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes += littleEndian(UInt64(1_700_000_000), 4)  // timestamp
        bytes.append(type.rawValue)
        bytes += littleEndian(1, 4)  // server id
        bytes += littleEndian(UInt64(19 + body.count), 4)
        bytes += littleEndian(UInt64(nextPosition), 4)
        bytes += littleEndian(UInt64(flags), 2)
        return bytes + body
    }

    static func littleEndian(_ value: UInt64, _ width: Int) -> [UInt8] {
        (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }

    static func lengthEncoded(_ value: UInt64) -> [UInt8] {
        switch value {
        case 0..<251: [UInt8(value)]
        case 251..<65_536: [0xFC] + littleEndian(value, 2)
        case 65_536..<16_777_216: [0xFD] + littleEndian(value, 3)
        default: [0xFE] + littleEndian(value, 8)
        }
    }

    static func lengthEncoded(_ bytes: [UInt8]) -> [UInt8] {
        lengthEncoded(UInt64(bytes.count)) + bytes
    }

    struct Column {
        var type: BinlogColumnType
        var metadata: [UInt8]
        var nullable: Bool
    }

    static func bitmap(_ bits: [Bool]) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: (bits.count + 7) / 8)
        for (index, bit) in bits.enumerated() where bit { bytes[index / 8] |= 1 << (index % 8) }
        return bytes
    }

    static func tableMapBody(
        tableID: UInt64, database: String, table: String, columns: [Column], optional: [(UInt8, [UInt8])] = []
    ) -> [UInt8] {
        var body = littleEndian(tableID, 6) + [0x01, 0x00]
        body += [UInt8(database.utf8.count)] + Array(database.utf8) + [0]
        body += [UInt8(table.utf8.count)] + Array(table.utf8) + [0]
        body += lengthEncoded(UInt64(columns.count))
        body += columns.map(\.type.rawValue)
        body += lengthEncoded(columns.flatMap(\.metadata))
        body += bitmap(columns.map(\.nullable))
        for (code, value) in optional {
            body += [code] + lengthEncoded(value)
        }
        return body
    }

    /// A rows event body; `extraData` (V2 only) is the block after its 2-byte length.
    static func rowsBody(
        tableID: UInt64, version: Int, extraData: [UInt8] = [], columnCount: Int,
        present: [Bool], presentAfter: [Bool]? = nil, rows: [UInt8]
    ) -> [UInt8] {
        var body = littleEndian(tableID, 6) + [0x01, 0x00]
        if version == 2 { body += littleEndian(UInt64(2 + extraData.count), 2) + extraData }
        body += lengthEncoded(UInt64(columnCount))
        body += bitmap(present)
        if let presentAfter { body += bitmap(presentAfter) }
        return body + rows
    }
}

extension Array where Element == UInt8 {
    /// Bytes from hex digits; for literals in tests.
    init(hex: String) {
        do {
            self = try Hex.decode(hex)
        } catch {
            preconditionFailure("bad hex literal in a test: \(hex)")
        }
    }
}
