import BillingModel
import DynamoDBModel
import Testing

/// A small mapping exercising what the billing mapping does not: signed padded
/// integers, padded text, binary, TIMESTAMP(6), and a nullable key column.
let testMapping = Mapping(
    sourceSchema: "test",
    tables: [
        TableMapping(
            table: "T",
            columns: [
                ColumnSpec("id", .integer(bits: 32, signed: true)),
                ColumnSpec("code", .varchar(length: 10)),
                ColumnSpec("data", .blob(.regular), nullable: true),
                ColumnSpec("ts", .timestamp(fsp: 6), nullable: true),
                ColumnSpec("small", .integer(bits: 8, signed: true), nullable: true),
            ],
            primaryKey: ["id"],
            partitionKey: try! KeyTemplate("T#{id:3}"),
            sortKey: try! KeyTemplate("C#{code:4}")),
        TableMapping(
            table: "N",
            columns: [
                ColumnSpec("id", .integer(bits: 64, signed: false)),
                ColumnSpec("opt", .varchar(length: 10), nullable: true),
            ],
            primaryKey: ["id"],
            partitionKey: try! KeyTemplate("N#{id}"),
            sortKey: try! KeyTemplate("O#{opt}")),
    ],
    indexes: [])

let testMapper = try! ItemMapper(mapping: testMapping)

@Suite struct KeyRuleTests {
    @Test func paddingFillsZeros() throws {
        let item = try put(change("T", .snapshot, ["7", "12", nil, nil, nil]), mapper: testMapper)
        #expect(item["PK"] == .s("T#007"))
        #expect(item["SK"] == .s("C#0012"))
        #expect(item["id"] == .n("7"))
        #expect(item["code"] == .s("12"))
    }

    @Test func integerThatDoesNotFitItsPaddingIsAnError() {
        let error = mappingError(change("T", .snapshot, ["1000", "1", nil, nil, nil]), mapper: testMapper)
        #expect(error?.kind == .invalidKey)
        #expect(error?.column == "id")
        #expect(error?.value == "1000")
        #expect(error?.description == "T.id = \"1000\": PK `T#{id:3}`: has more than the 3 digits its padding allows (at test.csv:7)")
    }

    @Test func negativeIntegerCannotBePadded() {
        let error = mappingError(change("T", .snapshot, ["-5", "1", nil, nil, nil]), mapper: testMapper)
        #expect(error?.kind == .invalidKey)
        #expect(error?.reason == "PK `T#{id:3}`: a negative number cannot be zero-padded to 3 digits")
    }

    @Test func nonIntegerTextCannotBePadded() {
        let error = mappingError(change("T", .snapshot, ["5", "12a", nil, nil, nil]), mapper: testMapper)
        #expect(error?.kind == .invalidKey)
        #expect(error?.column == "code")
        #expect(error?.reason == "SK `C#{code:4}`: not an unsigned integer cannot be zero-padded to 4 digits")
    }

    @Test func largestBigintFitsTwentyDigits() throws {
        let item = try put(
            change(
                "CHARGE", .snapshot,
                [
                    "1", "18446744073709551615", "A", nil, "SMS", "2024-01-01", "0.0000", "0.0000", nil, nil,
                    "2024-01-01 00:00:00.000", "2024-01-01 00:00:00.000",
                ]))
        #expect(item["SK"] == .s("CHARGE#18446744073709551615#A"))
    }

    @Test func hashInAKeyValueIsAnError() {
        let error = mappingError(
            change(
                "SUBSCRIBER", .snapshot,
                ["41#65", "1", "A", "2024-01-10", "C", "P", nil, "2024-01-01 00:00:00.000", "2024-01-01 00:00:00.000"]))
        #expect(error?.kind == .invalidKey)
        #expect(error?.column == "subscriber_no")
        #expect(error?.value == "41#65")
        #expect(error?.reason == "SK `SUB#{subscriber_no}`: a key value must not contain `#`, the key separator")
    }

    @Test func hashInAnIndexKeyValueIsAnErrorNotASparseIndex() {
        let error = mappingError(chargeChange(subscriber: "41#65"))
        #expect(error?.kind == .invalidKey)
        #expect(error?.reason == "GSI1PK `SUB#{subscriber_no}`: a key value must not contain `#`, the key separator")
    }

    @Test func emptySubscriberOnAChargeIsAnError() {
        let error = mappingError(chargeChange(subscriber: ""))
        #expect(error?.kind == .invalidKey)
        #expect(error?.column == "subscriber_no")
        #expect(error?.reason == "GSI1PK `SUB#{subscriber_no}`: an empty value cannot be part of a key")
    }

    @Test func nullSubscriberOnAChargeLeavesOnlyGSI1Out() throws {
        let item = try put(chargeChange(subscriber: nil))
        #expect(item["GSI1PK"] == nil)
        #expect(item["GSI1SK"] == nil)
        #expect(item["subscriber_no"] == nil)
        #expect(item["GSI2PK"] == .s("CHARGE#DATA"))
        #expect(item["GSI2SK"] == .s("2024-01-03"))
    }

    @Test func emptySortKeyValueIsAnError() {
        let error = mappingError(
            change(
                "CHARGE", .snapshot,
                [
                    "1", "5", "", nil, "SMS", "2024-01-01", "0.0000", "0.0000", nil, nil, "2024-01-01 00:00:00.000",
                    "2024-01-01 00:00:00.000",
                ]))
        #expect(error?.kind == .invalidKey)
        #expect(error?.column == "activity_num")
    }

    @Test func nullInASortKeyColumnIsAnError() {
        let error = mappingError(change("N", .snapshot, ["1", nil]), mapper: testMapper)
        #expect(error?.kind == .invalidKey)
        #expect(error?.column == "opt")
        #expect(error?.reason == "SK `O#{opt}`: the key column is NULL")
    }

    @Test func nullInANotNullKeyColumnIsAnError() {
        let error = mappingError(
            change(
                "BILLING_ACCOUNT", .snapshot,
                [
                    nil, "I", "01", "O", "2024-01-15", "MONTHLY", nil, nil, "USD", "2023-06-01",
                    "2024-01-15 10:22:31.120", "2024-01-15 10:22:31.120",
                ]))
        #expect(error?.kind == .nullInNotNullColumn)
        #expect(error?.column == "ban")
    }

    @Test func keyOverDynamoDBsLengthLimitIsAnError() {
        let long = String(repeating: "x", count: 1100)
        let error = mappingError(change("N", .snapshot, ["1", long]), mapper: testMapper)
        #expect(error?.kind == .invalidKey)
        #expect(error?.reason == "SK is 1102 bytes, over DynamoDB's limit of 1024")
    }

    @Test func keyColumnsStayAsAttributes() throws {
        let item = try put(chargeChange(subscriber: "4165550101"))
        for name in ["ban", "charge_seq", "activity_num", "subscriber_no", "feature_code", "charge_creation_date"] {
            #expect(item[name] != nil, "\(name)")
        }
    }
}

/// A DATA charge of account 1000000001, with the given subscriber.
func chargeChange(
    subscriber: String?, amount: String = "1.0000", description: String? = nil,
    operation: SourceChange.Operation = .snapshot
) -> SourceChange {
    change(
        "CHARGE", operation,
        [
            "1000000001", "9", "A9", subscriber, "DATA", "2024-01-03", amount, "0.0000", nil, description,
            "2024-01-03 00:00:00.000", "2024-01-03 00:00:00.000",
        ])
}

@Suite struct NumberRuleTests {
    func creditLimit(_ value: String) throws -> AttributeValue? {
        try put(
            change(
                "BILLING_ACCOUNT", .snapshot,
                [
                    "1", "I", "01", "O", "2024-01-15", "MONTHLY", nil, value, "USD", "2023-06-01",
                    "2024-01-15 10:22:31.120", "2024-01-15 10:22:31.120",
                ]))["credit_limit"]
    }

    func amount(_ value: String) -> Result<AttributeValue?, MappingError> {
        do {
            return .success(try put(chargeChange(subscriber: nil, amount: value))["amount"])
        } catch let error as MappingError {
            return .failure(error)
        } catch {
            return .success(nil)
        }
    }

    @Test func scientificNotationIsExpandedExactly() throws {
        #expect(try creditLimit("+5.0656000000000000e+05") == .n("506560.00"))
        #expect(try creditLimit("2.4E4") == .n("24000.00"))
        #expect(try creditLimit("1.5e-1") == .n("0.15"))
    }

    @Test func decimalsAreWrittenAtTheColumnScale() throws {
        #expect(try creditLimit("24000.00") == .n("24000.00"))
        #expect(try creditLimit("24000") == .n("24000.00"))
        #expect(try creditLimit("+7.5") == .n("7.50"))
        #expect(try creditLimit("0007.50") == .n("7.50"))
        #expect(try creditLimit(".5") == .n("0.50"))
        #expect(try creditLimit("9999999999.99") == .n("9999999999.99"))
        #expect(try amount("-12.3400").get() == .n("-12.3400"))
        #expect(try amount("-0.0000").get() == .n("0.0000"))
        #expect(try amount("-0.5").get() == .n("-0.5000"))
        #expect(try amount("1.23450").get() == .n("1.2345"))
    }

    @Test func decimalsThatDoNotFitAreErrors() {
        guard case .failure(let tooPrecise) = amount("1.23456") else {
            Issue.record("1.23456 fits decimal(12,4)?")
            return
        }
        #expect(tooPrecise.kind == .invalidValue)
        #expect(tooPrecise.column == "amount")
        #expect(tooPrecise.reason == "has more than 4 decimal places (decimal(12,4))")
        guard case .failure(let tooLarge) = amount("123456789") else {
            Issue.record("123456789 fits decimal(12,4)?")
            return
        }
        #expect(tooLarge.reason == "out of range (decimal(12,4))")
    }

    @Test func nonNumbersAreErrors() {
        for text in ["abc", "", "1,5", "1.2.3", "--1", "1e", "e5", "1e99999", "NaN", "Infinity", " 1"] {
            guard case .failure(let error) = amount(text) else {
                Issue.record("`\(text)` was accepted as a number")
                continue
            }
            #expect(error.kind == .invalidValue)
            #expect(error.reason == "not a number (decimal(12,4))", "\(text)")
        }
    }

    @Test func integersAreNormalisedAndRangeChecked() throws {
        func ban(_ value: String) -> Result<AttributeValue?, MappingError> {
            do {
                return .success(
                    try put(
                        change(
                            "BILLING_ACCOUNT", .snapshot,
                            [
                                value, "I", "01", "O", "2024-01-15", "MONTHLY", nil, nil, "USD", "2023-06-01",
                                "2024-01-15 10:22:31.120", "2024-01-15 10:22:31.120",
                            ]))["ban"])
            } catch let error as MappingError {
                return .failure(error)
            } catch {
                return .success(nil)
            }
        }
        #expect(try ban("+42").get() == .n("42"))
        #expect(try ban("007").get() == .n("7"))
        #expect(try ban("1.0").get() == .n("1"))
        #expect(try ban("+5.0656000000000000e+05").get() == .n("506560"))
        #expect(try ban("18446744073709551615").get() == .n("18446744073709551615"))
        for (text, reason) in [
            ("18446744073709551616", "out of range"),
            ("-1", "out of range"),
            ("1.5", "not an integer"),
            ("12abc", "not a number"),
        ] {
            guard case .failure(let error) = ban(text) else {
                Issue.record("`\(text)` was accepted as a bigint unsigned")
                continue
            }
            #expect(error.kind == .invalidValue)
            #expect(error.reason == "\(reason) (bigint unsigned)")
        }
    }

    @Test func signedIntegerLimits() throws {
        func small(_ value: String) -> MappingError? {
            mappingError(change("T", .snapshot, ["1", "1", nil, nil, value]), mapper: testMapper)
        }
        #expect(small("-128") == nil)
        #expect(small("127") == nil)
        #expect(small("128")?.reason == "out of range (tinyint)")
        #expect(small("-129")?.reason == "out of range (tinyint)")
        #expect(try put(change("T", .snapshot, ["1", "1", nil, nil, "-0"]), mapper: testMapper)["small"] == .n("0"))
    }
}

@Suite struct TextAndTimeRuleTests {
    @Test func emptyTextStaysEmptyAndTrailingSpacesStay() throws {
        let item = try put(chargeChange(subscriber: "55", description: ""))
        #expect(item["description"] == .s(""))
        let spaced = try put(chargeChange(subscriber: "55", description: "Norway  "))
        #expect(spaced["description"] == .s("Norway  "))
    }

    @Test func textGivenAsBytesIsDecodedAsUTF8() throws {
        var values = row([
            "1000000001", "9", "A9", nil, "DATA", "2024-01-03", "1.0000", "0.0000", nil, nil,
            "2024-01-03 00:00:00.000", "2024-01-03 00:00:00.000",
        ])
        values[9] = .bytes(Array("Zoë".utf8))
        let writes = try billingMapper.map(
            SourceChange(
                table: "CHARGE", operation: .snapshot, row: values, position: .fullLoad(file: "f", line: 1),
                origin: RowOrigin(source: "binlog")))
        guard case .put(let item) = writes[0].action else { throw TestFailure("not a put") }
        #expect(item["description"] == .s("Zoë"))

        values[9] = .bytes([0x5A, 0xFF, 0xFE])
        #expect(throws: MappingError.self) {
            try billingMapper.map(
                SourceChange(
                    table: "CHARGE", operation: .snapshot, row: values, position: .fullLoad(file: "f", line: 1),
                    origin: RowOrigin(source: "binlog")))
        }
    }

    func createdAt(_ value: String, mapper: ItemMapper = billingMapper) -> Result<AttributeValue?, MappingError> {
        do {
            return .success(
                try put(
                    change(
                        "SUBSCRIBER", .snapshot,
                        ["1", "2", "A", "2024-01-10", "C", "P", nil, value, "2024-01-10 12:00:00.000"]),
                    mapper: mapper)["created_at"])
        } catch let error as MappingError {
            return .failure(error)
        } catch {
            return .success(nil)
        }
    }

    @Test func dateTimesBecomeISO8601WithMilliseconds() throws {
        #expect(try createdAt("2024-01-15 10:22:31.120").get() == .s("2024-01-15T10:22:31.120Z"))
        #expect(try createdAt("2024-01-15 10:22:31.12").get() == .s("2024-01-15T10:22:31.120Z"))
        #expect(try createdAt("2024-01-15 10:22:31").get() == .s("2024-01-15T10:22:31.000Z"))
        #expect(try createdAt("2024-01-15T10:22:31.5").get() == .s("2024-01-15T10:22:31.500Z"))
        #expect(try createdAt("2024-01-15 10:22:31.120000").get() == .s("2024-01-15T10:22:31.120Z"))
    }

    @Test func nonZeroMicrosecondsAreKept() throws {
        #expect(try createdAt("2024-01-15 10:22:31.123456").get() == .s("2024-01-15T10:22:31.123456Z"))
        #expect(try createdAt("2024-01-15 10:22:31.0001").get() == .s("2024-01-15T10:22:31.000100Z"))
    }

    @Test func invalidDateTimesAreErrors() {
        for text in [
            "2024-01-15", "2024-02-30 00:00:00", "2024-01-15 24:00:00", "2024-01-15 10:60:00", "0000-00-00 00:00:00",
            "2024-01-15 10:22:31.1234567", "2024-01-15 10:22:31.", "2024/01/15 10:22:31", "",
        ] {
            guard case .failure(let error) = createdAt(text) else {
                Issue.record("`\(text)` was accepted as a date-time")
                continue
            }
            #expect(error.kind == .invalidValue)
            #expect(error.column == "created_at")
            #expect(error.reason == "not a valid date-time (YYYY-MM-DD HH:MM:SS[.ffffff]) (datetime(3))")
        }
    }

    @Test func sourceTimeZoneOffsetIsAppliedOnce() throws {
        let eastOfUTC = try ItemMapper(mapping: .billing, options: .init(sourceUTCOffsetSeconds: 2 * 3600))
        #expect(try createdAt("2024-01-01 01:00:00.250", mapper: eastOfUTC).get() == .s("2023-12-31T23:00:00.250Z"))
        let westOfUTC = try ItemMapper(mapping: .billing, options: .init(sourceUTCOffsetSeconds: -5 * 3600))
        #expect(try createdAt("2024-02-28 20:00:00.000", mapper: westOfUTC).get() == .s("2024-02-29T01:00:00.000Z"))
        #expect(throws: MappingValidationError.self) {
            try ItemMapper(mapping: .billing, options: .init(sourceUTCOffsetSeconds: 19 * 3600))
        }
    }

    @Test func datesAreValidated() {
        func statusDate(_ value: String) -> MappingError? {
            mappingError(
                change(
                    "SUBSCRIBER", .snapshot,
                    ["1", "2", "A", value, "C", "P", nil, "2024-01-10 12:00:00.000", "2024-01-10 12:00:00.000"]))
        }
        #expect(statusDate("2024-02-29") == nil)
        for text in ["2023-02-29", "2024-13-01", "2024-00-10", "2024-1-5", "0000-00-00", "2024-01-15 00:00:00", "20240115"] {
            #expect(statusDate(text)?.reason == "not a valid date (YYYY-MM-DD) (date)", "\(text)")
        }
    }

    @Test func timestampWithMicrosecondsAndBinary() throws {
        var values = row(["1", "1", nil, "2024-01-15 10:22:31.000001", nil])
        values[2] = .bytes([0, 1, 0xFF])
        let writes = try testMapper.map(
            SourceChange(
                table: "T", operation: .snapshot, row: values, position: .fullLoad(file: "f", line: 1),
                origin: RowOrigin(source: "t")))
        guard case .put(let item) = writes[0].action else { throw TestFailure("not a put") }
        #expect(item["data"] == .b([0, 1, 0xFF]))
        #expect(item["ts"] == .s("2024-01-15T10:22:31.000001Z"))

        let hex = try put(change("T", .snapshot, ["1", "1", "0x00ff10", nil, nil]), mapper: testMapper)
        #expect(hex["data"] == .b([0, 0xFF, 0x10]))
        let error = mappingError(change("T", .snapshot, ["1", "1", "zz", nil, nil]), mapper: testMapper)
        #expect(error?.kind == .invalidValue)
        #expect(error?.column == "data")
    }
}

/// More nullable columns than the mapper keeps precomputed layouts for, so
/// late NULLs (and an index pair built from one) are removed after filling.
@Suite struct ManyNullableColumnsTests {
    static let mapping = Mapping(
        tables: [
            TableMapping(
                table: "W",
                columns: [ColumnSpec("id", .integer(bits: 32, signed: false))]
                    + (1...8).map { ColumnSpec("c\($0)", .varchar(length: 5), nullable: true) },
                primaryKey: ["id"],
                partitionKey: try! KeyTemplate("W#{id}"),
                sortKey: try! KeyTemplate("W"),
                indexKeys: [
                    IndexKeyTemplates(
                        Mapping.billing.indexes[0], partitionKey: try! KeyTemplate("C8#{c8}"),
                        sortKey: try! KeyTemplate("{c1}"))
                ])
        ],
        indexes: [Mapping.billing.indexes[0]])

    @Test(arguments: 0..<9)
    func everySingleNullIsLeftOut(nullColumn: Int) throws {
        let mapper = try ItemMapper(mapping: Self.mapping)
        var values: [String?] = ["5"] + (1...8).map { "v\($0)" }
        if nullColumn > 0 { values[nullColumn] = nil }
        let item = try put(change("W", .snapshot, values), mapper: mapper)
        var expected: Item = ["PK": .s("W#5"), "SK": .s("W"), "id": .n("5"), "EntityType": .s("W"), "SourceVersion": .s("0")]
        for column in 1...8 where column != nullColumn {
            expected["c\(column)"] = .s("v\(column)")
        }
        if nullColumn != 1 && nullColumn != 8 {
            expected["GSI1PK"] = .s("C8#v8")
            expected["GSI1SK"] = .s("v1")
        }
        #expect(item == expected)
    }

    @Test func allNullsAtOnce() throws {
        let mapper = try ItemMapper(mapping: Self.mapping)
        let item = try put(change("W", .snapshot, ["5"] + Array(repeating: nil, count: 8)), mapper: mapper)
        #expect(item == ["PK": .s("W#5"), "SK": .s("W"), "id": .n("5"), "EntityType": .s("W"), "SourceVersion": .s("0")])
    }
}
