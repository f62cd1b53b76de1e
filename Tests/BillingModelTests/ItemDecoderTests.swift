import BillingModel
import DynamoDBModel
import Testing

@Suite struct ItemDecoderTests {
    let decoder = ItemDecoder(mapping: .billing)

    /// Rows already in the source's canonical text form, one per table.
    static let rows: [(String, [String?])] = [
        (
            "BILLING_ACCOUNT",
            [
                "1000000001", "I", "01", "O", "2024-01-15", "MONTHLY", nil, "5000.00", "USD", "2023-06-01",
                "2024-01-15 10:22:31.120", "2024-02-01 08:00:00.000",
            ]
        ),
        (
            "CUSTOMER",
            [
                "77", "1000000001", "P", "Zoë", "O'Brien", nil, nil, nil, "1 Main St", nil, "Springfield", nil, "62701",
                "US", nil, "line one,\n\"two\" ", "2024-01-15 10:22:31.120", "2024-01-15 10:22:31.120",
            ]
        ),
        (
            "SUBSCRIBER",
            ["4165550101", "1000000001", "A", "2024-01-10", "C", "PP", nil, "2023-06-01 00:00:00.000", "2024-01-10 12:00:00.500"]
        ),
        (
            "SERVICE_AGREEMENT",
            [
                "1000000001", "4165550101", "ROAM10", "O", "2024-01-01", nil, "10.00", "2024-01-01 09:15:00.000",
                "2024-01-01 09:15:00.000",
            ]
        ),
        (
            "BILL",
            [
                "1000000001", "42", "C05", "2024-01-05", "2024-01-06", "2024-01-27", "120.50", "-120.50", "89.99", "7.20",
                "97.19", "O", "2024-01-06 02:00:00.000", "2024-01-06 02:00:00.000",
            ]
        ),
        (
            "CHARGE",
            [
                "1000000001", "123456789", "ACT-0001", nil, "VOICE", "2024-01-03", "-2.5000", "0.3250", nil, "",
                "2024-01-03 18:44:09.001", "2024-01-06 02:00:00.000",
            ]
        ),
    ]

    @Test(arguments: rows.map(\.0))
    func itemDecodesBackToItsRow(table: String) throws {
        let values = Self.rows.first { $0.0 == table }!.1
        let item = try put(change(table, .snapshot, values))
        let decoded = try decoder.decode(item)
        #expect(decoded.table == table)
        #expect(decoded.row == row(values))
    }

    @Test func trimmedNumbersComeBackAtTheColumnScale() throws {
        var item = try put(change("BILL", .snapshot, Self.rows[4].1))
        item["previous_balance"] = .n("120.5")
        item["total_taxes"] = .n("7.2E0")
        let decoded = try decoder.decode(item)
        #expect(decoded.row[6] == .text("120.50"))
        #expect(decoded.row[9] == .text("7.20"))
    }

    @Test func microsecondsAreKeptWhenDecoding() throws {
        var item = try put(change("SUBSCRIBER", .snapshot, Self.rows[2].1))
        item["created_at"] = .s("2023-06-01T00:00:00.000250Z")
        #expect(try decoder.decode(item).row[7] == .text("2023-06-01 00:00:00.000250"))
    }

    @Test func sourceOffsetIsReversed() throws {
        let options = ItemMapper.Options(sourceUTCOffsetSeconds: 3600)
        let mapper = try ItemMapper(mapping: .billing, options: options)
        let values = Self.rows[2].1
        let item = try put(change("SUBSCRIBER", .snapshot, values), mapper: mapper)
        #expect(item["created_at"] == .s("2023-05-31T23:00:00.000Z"))
        #expect(try ItemDecoder(mapping: .billing, options: options).decode(item).row == row(values))
    }

    @Test func nonRowItemsAreRefused() throws {
        let tombstone = TombstoneBuilder().item(key: ItemKey(pk: "BAN#1", sk: "ACCOUNT"), version: "0", nowEpochSeconds: 0)
        #expect(throws: ItemDecodingError(kind: .notARow, reason: "the item is a tombstone")) {
            try decoder.decode(tombstone)
        }
        let tracking = TrackingItem(batchId: "b1", entityType: "CHARGE", status: .pending).item()
        #expect(throws: ItemDecodingError(kind: .notARow, reason: "the item is a migration tracking item")) {
            try decoder.decode(tracking)
        }
        var item = try put(change("BILL", .snapshot, Self.rows[4].1))
        item["EntityType"] = .s("PAYMENT")
        #expect(throws: ItemDecodingError(kind: .unknownEntityType, reason: "no table has entity type `PAYMENT`")) {
            try decoder.decode(item)
        }
        item["EntityType"] = .s("BILL")
        item["ban"] = .s("1000000001")
        #expect(
            throws: ItemDecodingError(
                kind: .invalidAttribute,
                reason: "BILL.ban (attribute ban): a bigint unsigned column cannot be read from s(\"1000000001\")")
        ) {
            try decoder.decode(item)
        }
    }

    @Test func differingColumnsComparesValues() {
        let source = row([
            "1000000001", "42", "C05", "2024-01-05", "2024-01-06", "2024-01-27", "2.4E4", "-120.5", "89.99", "7.20",
            "97.19", "O", "2024-01-06 02:00:00.12", "2024-01-06 02:00:00",
        ])
        let decoded = row([
            "1000000001", "42", "C05", "2024-01-05", "2024-01-06", "2024-01-27", "24000.00", "-120.50", "89.99", "7.20",
            "97.19", "O", "2024-01-06 02:00:00.120", "2024-01-06 02:00:00.000",
        ])
        #expect(decoder.differingColumns(table: "BILL", expected: source, actual: decoded) == [])

        var changed = decoded
        changed[2] = .text("C05 ")
        changed[8] = .text("89.98")
        changed[12] = .text("2024-01-06 02:00:00.121")
        changed[9] = .null
        #expect(
            decoder.differingColumns(table: "BILL", expected: source, actual: changed)
                == ["cycle_code", "total_charges", "total_taxes", "created_at"])
    }
}

@Suite struct DecimalTextTests {
    @Test func equalComparesValues() {
        #expect(DecimalText.equal("24000.00", "24000"))
        #expect(DecimalText.equal("24000", "2.4E4"))
        #expect(DecimalText.equal("+5.0656000000000000e+05", "506560.00"))
        #expect(DecimalText.equal("-0.000", "0"))
        #expect(DecimalText.equal("0.001", "1e-3"))
        #expect(!DecimalText.equal("24000.01", "24000"))
        #expect(!DecimalText.equal("-1", "1"))
        #expect(!DecimalText.equal("1", "abc"))
        #expect(!DecimalText.equal("", ""))
    }

    @Test func normalizedIsPlainAndShortest() {
        #expect(DecimalText.normalized("+5.0656000000000000e+05") == "506560")
        #expect(DecimalText.normalized("-0012.3400") == "-12.34")
        #expect(DecimalText.normalized("1.5e-3") == "0.0015")
        #expect(DecimalText.normalized("-0") == "0")
        #expect(DecimalText.normalized("12345678901234567890123456789012345678") == "12345678901234567890123456789012345678")
        #expect(DecimalText.normalized("1e") == nil)
        #expect(DecimalText.isNumber("7."))
        #expect(!DecimalText.isNumber("."))
    }
}

@Suite struct DateTimeTextTests {
    @Test func epochMillisecondsRoundTrip() {
        #expect(DateTimeText.iso8601(epochMilliseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(DateTimeText.iso8601(epochMilliseconds: -1) == "1969-12-31T23:59:59.999Z")
        #expect(DateTimeText.iso8601(epochMilliseconds: 951_782_400_000) == "2000-02-29T00:00:00.000Z")
        for value: Int64 in [0, -1, 1_705_314_151_120, 253_402_300_799_999] {
            #expect(DateTimeText.epochMilliseconds(fromISO8601: DateTimeText.iso8601(epochMilliseconds: value)) == value)
        }
    }

    @Test func sqlAndISOConvert() {
        #expect(DateTimeText.iso8601(fromSQL: "2024-01-15 10:22:31.12") == "2024-01-15T10:22:31.120Z")
        #expect(DateTimeText.sql(fromISO8601: "2024-01-15T10:22:31.120Z", fractionDigits: 0) == "2024-01-15 10:22:31.120")
        #expect(DateTimeText.sql(fromISO8601: "2024-01-15T10:22:31.000Z", fractionDigits: 0) == "2024-01-15 10:22:31")
        #expect(DateTimeText.sql(fromISO8601: "2024-01-15T10:22:31Z", fractionDigits: 6) == "2024-01-15 10:22:31.000000")
        #expect(DateTimeText.sql(fromISO8601: "2024-01-15 10:22:31.000Z") == nil)
        #expect(DateTimeText.isValidDate("2000-02-29"))
        #expect(!DateTimeText.isValidDate("1900-02-29"))
    }
}
