import BillingModel
import MySQLSource
import Testing

/// Single values against hand-computed encodings (see EventBuilder's note).
struct BinlogValueDecoderTests {
    static func decode(
        _ type: BinlogColumnType, metadata: UInt16 = 0, unsigned: Bool? = false, collation: UInt64? = 45,
        labels: [String]? = nil, options: BinlogValueDecoder.Options = .init(), _ bytes: [UInt8]
    ) throws -> (value: SourceValue, length: Int) {
        let column = BinlogColumn(
            wireType: type, metadata: metadata, isNullable: true, isUnsigned: unsigned, name: "c",
            collation: collation, labels: labels)
        let table = BinlogTableMap(tableID: 1, database: "billing", table: "T", columns: [column])
        return try BinlogValueDecoder(table: table, options: options).decodeValue(column: 0, from: bytes)
    }

    static func text(
        _ type: BinlogColumnType, metadata: UInt16 = 0, unsigned: Bool? = false, collation: UInt64? = 45,
        options: BinlogValueDecoder.Options = .init(), hex: String
    ) throws -> String? {
        let bytes = [UInt8](hex: hex)
        let decoded = try decode(type, metadata: metadata, unsigned: unsigned, collation: collation, options: options, bytes)
        #expect(decoded.length == bytes.count, "consumes exactly the value's bytes")
        return decoded.value.text
    }

    @Test(arguments: [
        (BinlogColumnType.tiny, false, "80", "-128"), (.tiny, true, "ff", "255"), (.tiny, false, "7f", "127"),
        (.short, false, "0080", "-32768"), (.short, true, "ffff", "65535"),
        (.int24, false, "000080", "-8388608"), (.int24, true, "ffffff", "16777215"), (.int24, false, "ffffff", "-1"),
        (.long, false, "ffffffff", "-1"), (.long, true, "ffffffff", "4294967295"), (.long, false, "00000080", "-2147483648"),
        (.longLong, true, "ffffffffffffffff", "18446744073709551615"),
        (.longLong, false, "0000000000000080", "-9223372036854775808"),
        (.longLong, true, "2a00000000000000", "42"),
    ])
    func integers(type: BinlogColumnType, unsigned: Bool, hex: String, expected: String) throws {
        #expect(try Self.text(type, unsigned: unsigned, hex: hex) == expected)
    }

    @Test(arguments: [
        ("7ffffff3f2b7", 12, 4, "-12.3400"), ("8000000c0d48", 12, 4, "12.3400"),
        ("810dfb38d20c", 12, 2, "1234567890.12"), ("7ffffffffffe", 12, 2, "-0.01"), ("800000000000", 12, 2, "0.00"),
        ("7fed2978a6", 9, 2, "-1234567.89"), ("81f4", 3, 3, "0.500"), ("7e7960", 5, 0, "-99999"),
        ("800000000100000001", 19, 9, "1.000000001"),
        ("7f439eb1ca484078caf1cb3fd0f8a086f8a432eaff439eb1ca484078fc85", 65, 30,
         "-12345678901234567890123456789012345.123456789012345678901234567890"),
    ])
    func decimals(hex: String, precision: Int, scale: Int, expected: String) throws {
        #expect(try Self.text(.newDecimal, metadata: UInt16(precision << 8 | scale), hex: hex) == expected)
    }

    @Test(arguments: [
        ("99b25ea59f04b0", 3, "2024-01-15 10:22:31.120"), ("fef3ff7efb", 0, "9999-12-31 23:59:59"),
        ("99b25ea59f01e240", 6, "2024-01-15 10:22:31.123456"), ("99b25ea59f0a", 1, "2024-01-15 10:22:31.1"),
        ("8000000000", 0, "0000-00-00 00:00:00"), ("80000000000000", 3, "0000-00-00 00:00:00.000"),
    ])
    func datetime2(hex: String, fsp: Int, expected: String) throws {
        #expect(try Self.text(.datetime2, metadata: UInt16(fsp), hex: hex) == expected)
    }

    @Test func dates() throws {
        #expect(try Self.text(.date, hex: "2fd00f") == "2024-01-15")
        #expect(try Self.text(.date, hex: "21d007") == "1000-01-01")
        #expect(try Self.text(.date, hex: "000000") == "0000-00-00")
    }

    @Test func timestamps() throws {
        #expect(try Self.text(.timestamp2, metadata: 3, hex: "7fffffff2706") == "2038-01-19 03:14:07.999")
        #expect(try Self.text(.timestamp2, metadata: 0, hex: "00000001") == "1970-01-01 00:00:01")
        #expect(try Self.text(.timestamp2, metadata: 0, hex: "00000000") == "0000-00-00 00:00:00")
        #expect(try Self.text(.timestamp2, metadata: 6, hex: "3b9aca0007a120") == "2001-09-09 01:46:40.500000")
        let plusOneHour = BinlogValueDecoder.Options(timestampUTCOffsetSeconds: 3600)
        #expect(try Self.text(.timestamp2, metadata: 0, options: plusOneHour, hex: "00000001") == "1970-01-01 01:00:01")
    }

    @Test(arguments: [
        ("7fffffff", 2, "-00:00:00.01"), ("7f3747e12d", 4, "-12:34:56.7891"), ("4b9105", 0, "-838:59:59"),
        ("b46efa0f423f", 6, "838:59:58.999999"), ("7fffffffffff", 6, "-00:00:00.000001"), ("800000", 0, "00:00:00"),
    ])
    func time2(hex: String, fsp: Int, expected: String) throws {
        #expect(try Self.text(.time2, metadata: UInt16(fsp), hex: hex) == expected)
    }

    @Test func floatingPointYearAndBit() throws {
        #expect(try Self.text(.float, hex: "0000c03f") == "1.5")
        #expect(try Self.text(.double, hex: "000000000000f03f") == "1")
        #expect(try Self.text(.double, hex: "0000000000000040") == "2")
        #expect(try Self.text(.year, hex: "7d") == "2025")
        #expect(try Self.text(.year, hex: "00") == "0000")
        // BIT(10): metadata bytes (2 bits, 1 byte) little-endian; value big-endian in 2 bytes.
        #expect(try Self.decode(.bit, metadata: 0x0102, [0x02, 0xAA]).value == .bytes([0x02, 0xAA]))
    }

    @Test func stringsOfEveryCharset() throws {
        // CHAR(100) utf8mb4: 400 bytes, so the length hides in the type byte (0xEE) and takes 2 bytes.
        let emoji = Array("ÄÖÜ€🎉".utf8)
        let char400 = try Self.decode(.string, metadata: 0xEE90, [UInt8(emoji.count), 0] + emoji)
        #expect(char400.value == .text("ÄÖÜ€🎉"))
        #expect(char400.length == 2 + emoji.count)
        // CHAR(3) utf8mb4 (12 bytes): 1-byte length; padding spaces dropped as SELECT does.
        #expect(try Self.decode(.string, metadata: 0xFE0C, [5, 0x61, 0x62, 0x20, 0x20, 0x20]).value == .text("ab"))
        // latin1 CHAR: bytes are code points.
        #expect(try Self.decode(.string, metadata: 0xFE05, collation: 8, [3, 0xD1, 0x6F, 0xF1]).value == .text("Ñoñ"))
        // BINARY(4): trailing zero bytes restored.
        #expect(try Self.decode(.string, metadata: 0xFE04, collation: 63, [2, 0x61, 0x62]).value == .bytes([0x61, 0x62, 0, 0]))
        // VARCHAR(255) utf8mb4 (max 1020 bytes): 2-byte length.
        let long = Array(String(repeating: "𝄞", count: 255).utf8)
        #expect(try Self.decode(.varchar, metadata: 1020, EventBuilder.littleEndian(UInt64(long.count), 2) + long).value
            == .text(String(repeating: "𝄞", count: 255)))
        // VARCHAR(60) utf8mb4 (240 bytes): 1-byte length; trailing spaces kept.
        #expect(try Self.decode(.varchar, metadata: 240, [4, 0x5A, 0x6F, 0x65, 0x20]).value == .text("Zoe "))
        // VARBINARY(300): VARCHAR on the wire with the binary collation.
        #expect(try Self.decode(.varchar, metadata: 300, collation: 63, [2, 0, 0xDE, 0xAD]).value == .bytes([0xDE, 0xAD]))
    }

    @Test func blobsWithEveryLengthPrefix() throws {
        let text = Array("line1\nline2, \"q\"".utf8)
        for prefix in 1...4 {
            let bytes = EventBuilder.littleEndian(UInt64(text.count), prefix) + text
            let decoded = try Self.decode(.blob, metadata: UInt16(prefix), bytes)
            #expect(decoded.value == .text("line1\nline2, \"q\""))
            #expect(decoded.length == bytes.count)
        }
        let large = [UInt8](repeating: 0x61, count: 70_000)
        let decoded = try Self.decode(.blob, metadata: 3, EventBuilder.littleEndian(70_000, 3) + large)
        #expect(decoded.value.text?.count == 70_000)
        #expect(try Self.decode(.blob, metadata: 2, collation: 63, [2, 0, 0xFF, 0x00]).value == .bytes([0xFF, 0x00]))
        // Without charset metadata, invalid UTF-8 stays bytes.
        #expect(try Self.decode(.blob, metadata: 1, collation: nil, [1, 0xFF]).value == .bytes([0xFF]))
    }

    @Test func enumAndSetUseTheirLabels() throws {
        let labels = ["red", "green", "blue"]
        #expect(try Self.decode(.string, metadata: 0xF701, labels: labels, [3]).value == .text("blue"))
        #expect(try Self.decode(.string, metadata: 0xF701, labels: labels, [0]).value == .text(""))
        #expect(try Self.decode(.string, metadata: 0xF801, labels: ["a", "b", "c", "d"], [0b1101]).value == .text("a,c,d"))
        #expect(throws: BinlogDecodingError.self) { try Self.decode(.string, metadata: 0xF701, [1]) }
    }

    @Test func missingSignednessAndShortInputAreErrorsNotGuesses() throws {
        #expect(throws: BinlogDecodingError.missingMetadata(table: "billing.T", column: 0, what: "signedness")) {
            try Self.decode(.longLong, unsigned: nil, [UInt8](repeating: 0xFF, count: 8))
        }
        #expect(throws: BinlogDecodingError.self) { try Self.decode(.longLong, unsigned: true, [0x01, 0x02]) }
        #expect(throws: BinlogDecodingError.self) { try Self.decode(.varchar, metadata: 240, [10, 0x61]) }
        #expect(throws: BinlogDecodingError.self) { try Self.decode(.newDecimal, metadata: 0x0C04, [0x80]) }
        #expect(throws: BinlogDecodingError.self) { try Self.decode(.json, metadata: 4, [1, 0, 0, 0, 0]) }
    }
}
