/// A table with one column of every type the decoder reads, and rows with the
/// values most likely to break a decoder: extremes, negatives, fractions,
/// multi-byte text, NULLs, zeros and empties, long values.
enum TypeProbe {
    static let columns: [(name: String, type: String)] = [
        ("id", "INT UNSIGNED NOT NULL PRIMARY KEY"),
        ("i8", "TINYINT"), ("u8", "TINYINT UNSIGNED"),
        ("i16", "SMALLINT"), ("u16", "SMALLINT UNSIGNED"),
        ("i24", "MEDIUMINT"), ("u24", "MEDIUMINT UNSIGNED"),
        ("i32", "INT"), ("u32", "INT UNSIGNED"),
        ("i64", "BIGINT"), ("u64", "BIGINT UNSIGNED"),
        ("dec_12_2", "DECIMAL(12,2)"), ("dec_12_4", "DECIMAL(12,4)"), ("dec_9_2", "DECIMAL(9,2)"),
        ("dec_65_30", "DECIMAL(65,30)"), ("dec_5_0", "DECIMAL(5,0)"), ("dec_3_3", "DECIMAL(3,3)"),
        ("dec_19_9", "DECIMAL(19,9)"),
        ("flt", "FLOAT"), ("dbl", "DOUBLE"),
        ("ch1", "CHAR(1)"), ("ch3", "CHAR(3)"), ("ch100", "CHAR(100)"), ("ch_latin1", "CHAR(5) CHARACTER SET latin1"),
        ("vc10", "VARCHAR(10)"), ("vc255", "VARCHAR(255)"), ("vc_latin1", "VARCHAR(300) CHARACTER SET latin1"),
        ("bin4", "BINARY(4)"), ("vbin", "VARBINARY(300)"),
        ("ttext", "TINYTEXT"), ("txt", "TEXT"), ("mtext", "MEDIUMTEXT"), ("ltext", "LONGTEXT"),
        ("tblob", "TINYBLOB"), ("blb", "BLOB"), ("mblob", "MEDIUMBLOB"), ("lblob", "LONGBLOB"),
        ("d", "DATE"), ("dt0", "DATETIME"), ("dt1", "DATETIME(1)"), ("dt2", "DATETIME(2)"), ("dt3", "DATETIME(3)"),
        ("dt4", "DATETIME(4)"), ("dt5", "DATETIME(5)"), ("dt6", "DATETIME(6)"),
        ("ts0", "TIMESTAMP NULL DEFAULT NULL"), ("ts3", "TIMESTAMP(3) NULL DEFAULT NULL"), ("ts6", "TIMESTAMP(6) NULL DEFAULT NULL"),
        ("tm0", "TIME"), ("tm2", "TIME(2)"), ("tm4", "TIME(4)"), ("tm6", "TIME(6)"),
        ("yr", "YEAR"), ("en", "ENUM('red','green','blue')"), ("st", "SET('a','b','c','d')"), ("bt", "BIT(10)"),
    ]

    static var columnNames: [String] { columns.map(\.name) }

    static var createTable: String {
        "CREATE TABLE billing.TYPE_PROBE (\n"
            + columns.map { "  \($0.name) \($0.type)" }.joined(separator: ",\n")
            + "\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"
    }

    /// One INSERT per row, values in column order.
    static let inserts: [String] = [
        insert([
            "1", "-128", "255", "-32768", "65535", "-8388608", "16777215", "-2147483648", "4294967295",
            "-9223372036854775808", "18446744073709551615",
            "-9999999999.99", "-12.3400", "-1234567.89",
            "-12345678901234567890123456789012345.123456789012345678901234567890", "-99999", "-0.001", "-1234567890.123456789",
            "1.5", "-2.25e100",
            "'é'", "'€ab'", "REPEAT('🎉', 100)", "'Ñoñó'",
            "'日本語🎉テスト'", "REPEAT('𝄞', 255)", "CONCAT('ÀÉÎ', REPEAT('x', 297))",
            "X'00FF1000'", "X'DEADBEEF00'",
            "'tiny ✓'", "'text, with \"quotes\" and\\nnewlines'", "REPEAT('medium ', 40)", "REPEAT('long🎉', 100)",
            "X'01'", "X'00010203'", "REPEAT(X'AB', 300)", "X''",
            "'1000-01-01'", "'9999-12-31 23:59:59'", "'2024-01-15 10:22:31.1'", "'2024-01-15 10:22:31.12'",
            "'2024-01-15 10:22:31.120'", "'2024-01-15 10:22:31.1234'", "'2024-01-15 10:22:31.12345'",
            "'2024-01-15 10:22:31.123456'",
            "'1970-01-01 00:00:01'", "'2038-01-19 03:14:07.999'", "'2024-02-29 12:00:00.000001'",
            "'-838:59:59'", "'-00:00:00.01'", "'-12:34:56.7891'", "'838:59:58.999999'",
            "1901", "'blue'", "'a,c,d'", "b'1010101010'",
        ]),
        // Every nullable column NULL.
        "INSERT INTO billing.TYPE_PROBE (id) VALUES (2)",
        // Zeros, empties and zero dates.
        insert([
            "3", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0",
            "0", "0", "0", "0", "0", "0", "0",
            "0", "0",
            "''", "''", "''", "''", "''", "''", "''", "X''", "X''",
            "''", "''", "''", "''", "X''", "X''", "X''", "X''",
            "'0000-00-00'", "'0000-00-00 00:00:00'", "'0000-00-00 00:00:00.0'", "'0000-00-00 00:00:00.00'",
            "'0000-00-00 00:00:00.000'", "'0000-00-00 00:00:00.0000'", "'0000-00-00 00:00:00.00000'",
            "'0000-00-00 00:00:00.000000'",
            "'0000-00-00 00:00:00'", "'0000-00-00 00:00:00.000'", "'0000-00-00 00:00:00.000000'",
            "'00:00:00'", "'00:00:00'", "'00:00:00'", "'00:00:00'",
            "0", "'red'", "''", "b'0'",
        ]),
        // Small magnitudes and values next to the boundaries.
        insert([
            "4", "-1", "128", "-1", "32768", "-1", "8388608", "-1", "2147483648",
            "-1", "9223372036854775808",
            "-0.01", "0.0001", "0.01", "0.000000000000000000000000000001", "1", "0.5", "1.000000001",
            "0.1", "0.1",
            "' '", "'a b'", "'trailing  '", "'x'",
            "'a'", "' leading'", "'tab\\there'",
            "X'20'", "X'00'",
            "'0'", "'NULL'", "''", "'🎉'",
            "X'00'", "X''", "X'FF'", "X'0000'",
            "'2000-02-29'", "'2000-01-01 00:00:00'", "'2024-12-31 23:59:59.9'", "'2024-12-31 23:59:59.99'",
            "'2024-12-31 23:59:59.999'", "'2024-12-31 23:59:59.9999'", "'2024-12-31 23:59:59.99999'",
            "'2024-12-31 23:59:59.999999'",
            "'2001-09-09 01:46:40'", "'2001-09-09 01:46:40.5'", "'2001-09-09 01:46:40.000001'",
            "'-00:00:01'", "'00:00:00.01'", "'-00:00:01.0001'", "'-00:00:00.000001'",
            "2155", "'green'", "'b'", "b'1111111111'",
        ]),
    ]

    static let updates: [String] = [
        "UPDATE billing.TYPE_PROBE SET i32 = 42, ch100 = 'short', vc255 = NULL, dec_12_4 = 12.34, mtext = 'changed' WHERE id = 1",
        "UPDATE billing.TYPE_PROBE SET tm6 = '-838:59:59.000000', dt6 = '2024-06-30 12:00:00.000001', st = 'a,b,c,d' WHERE id = 4",
        "UPDATE billing.TYPE_PROBE SET i8 = 127, ltext = 'no longer null' WHERE id = 2",
    ]

    static let deletes: [String] = [
        "DELETE FROM billing.TYPE_PROBE WHERE id = 3",
        "DELETE FROM billing.TYPE_PROBE WHERE id = 2",
    ]

    private static func insert(_ values: [String]) -> String {
        precondition(values.count == columns.count, "TypeProbe row has \(values.count) values for \(columns.count) columns")
        return "INSERT INTO billing.TYPE_PROBE VALUES (" + values.joined(separator: ", ") + ")"
    }
}
