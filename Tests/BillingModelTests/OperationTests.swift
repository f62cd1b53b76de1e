import BillingModel
import DynamoDBModel
import Testing

/// Which writes each kind of change becomes.
@Suite struct OperationTests {
    let subscriberRow: [String?] = [
        "4165550101", "1000000001", "A", "2024-01-10", "C", "PP_UNL50", nil, "2023-06-01 00:00:00.000",
        "2024-01-10 12:00:00.500",
    ]
    let key = ItemKey(pk: "BAN#1000000001", sk: "SUB#4165550101")

    @Test func snapshotIsOneUnconditionalPut() throws {
        let writes = try billingMapper.map(change("SUBSCRIBER", .snapshot, subscriberRow))
        #expect(writes.count == 1)
        #expect(writes[0].key == key)
        #expect(writes[0].version == "0")
        #expect(writes[0].entity == "SUBSCRIBER")
        guard case .put(let item) = writes[0].action else {
            Issue.record("not a put")
            return
        }
        #expect(item["SourceVersion"] == .s("0"))
    }

    @Test func insertAndUpdateAreConditionalPutsCarryingTheirVersion() throws {
        for operation in [SourceChange.Operation.insert, .update] {
            let writes = try billingMapper.map(change("SUBSCRIBER", operation, subscriberRow, position: cdcPosition))
            #expect(writes.count == 1)
            #expect(writes[0].key == key)
            #expect(writes[0].version == cdcVersion)
            guard case .put(let item) = writes[0].action else {
                Issue.record("not a put")
                continue
            }
            #expect(item["SourceVersion"] == .s(cdcVersion))
        }
    }

    @Test func binlogVersionIsItsOrderingKey() throws {
        let position = SourcePosition.binlog(fileSequence: 3, position: 4567, rowIndex: 2)
        let item = try put(change("SUBSCRIBER", .insert, subscriberRow, position: position))
        #expect(item["SourceVersion"] == .s("B000000000300000000000000004567000002"))
    }

    @Test func deleteIsAConditionalTombstoneAtTheKey() throws {
        let writes = try billingMapper.map(change("SUBSCRIBER", .delete, subscriberRow, position: cdcPosition))
        #expect(writes.count == 1)
        #expect(writes[0].key == key)
        #expect(writes[0].version == cdcVersion)
        guard case .tombstone = writes[0].action else {
            Issue.record("not a tombstone")
            return
        }
    }

    @Test func deleteReadsOnlyKeyColumns() throws {
        var row = subscriberRow
        row[3] = "not a date"
        let writes = try billingMapper.map(change("SUBSCRIBER", .delete, row, position: cdcPosition))
        #expect(writes.map(\.key) == [key])
    }

    @Test func updateThatMovesTheKeyTombstonesTheOldKey() throws {
        var before = subscriberRow
        before[1] = "1000000002"
        let writes = try billingMapper.map(
            change("SUBSCRIBER", .update, subscriberRow, before: before, position: cdcPosition))
        #expect(writes.count == 2)
        #expect(writes[0].key == ItemKey(pk: "BAN#1000000002", sk: "SUB#4165550101"))
        #expect(writes[0].version == cdcVersion)
        if case .tombstone = writes[0].action {} else { Issue.record("first write is not a tombstone") }
        #expect(writes[1].key == key)
        if case .put = writes[1].action {} else { Issue.record("second write is not a put") }
    }

    @Test func updateWithTheSameKeyIsOnePut() throws {
        var before = subscriberRow
        before[2] = "S"
        let writes = try billingMapper.map(
            change("SUBSCRIBER", .update, subscriberRow, before: before, position: cdcPosition))
        #expect(writes.count == 1)
        if case .put = writes[0].action {} else { Issue.record("not a put") }
    }

    @Test func wrongColumnCountIsAnError() {
        let error = mappingError(change("SUBSCRIBER", .snapshot, Array(subscriberRow.dropLast())))
        #expect(error?.kind == .wrongColumnCount)
        #expect(error?.description == "SUBSCRIBER: the row has 8 values but the table has 9 columns (at test.csv:7)")
        let beforeError = mappingError(
            change("SUBSCRIBER", .update, subscriberRow, before: ["x"], position: cdcPosition))
        #expect(beforeError?.kind == .wrongColumnCount)
    }

    @Test func unknownTableIsAnError() {
        let error = mappingError(change("PAYMENT", .insert, ["1"]))
        #expect(error?.kind == .unknownTable)
        #expect(error?.table == "PAYMENT")
        #expect(error?.origin == RowOrigin(source: "test.csv", line: 7))
        #expect(error?.description == "PAYMENT: the mapping has no table `PAYMENT` (at test.csv:7)")
    }

    @Test func errorNamesTableColumnAndShortenedValue() {
        let long = String(repeating: "9", count: 50) + String(repeating: "x", count: 450)
        let error = mappingError(chargeChange(subscriber: nil, amount: long))
        #expect(error?.table == "CHARGE")
        #expect(error?.column == "amount")
        #expect(error?.value == String(long.prefix(80)) + "…")
        #expect(
            error?.description
                == "CHARGE.amount = \"\(long.prefix(80))…\": not a number (decimal(12,4)) (at test.csv:7)")
    }

    @Test func itemOverFourHundredKilobytesIsAnErrorNeverTruncated() throws {
        func customer(notes: String) -> SourceChange {
            change(
                "CUSTOMER", .snapshot,
                [
                    "77", "1", "P", nil, nil, nil, nil, nil, "1 Main St", nil, "Springfield", nil, "62701", "US", nil, notes,
                    "2024-01-15 10:22:31.120", "2024-01-15 10:22:31.120",
                ])
        }
        let fitting = try put(customer(notes: String(repeating: "é", count: 200 * 1024 - 1000)))
        #expect(ItemSize.of(fitting) <= ItemSize.limit)
        #expect(ItemSize.of(fitting) > ItemSize.limit - 2100)

        let error = mappingError(customer(notes: String(repeating: "é", count: 200 * 1024)))
        #expect(error?.kind == .itemTooLarge)
        #expect(error?.table == "CUSTOMER")
        #expect(error?.reason.hasPrefix("the item would be ") == true)
    }

    /// At the very byte where the item stops fitting, the dry run's check (which
    /// builds no item) and the mapping agree: both sum the same sizes.
    @Test func checkAndMapAgreeAtTheSizeLimit() throws {
        func customer(notesLength: Int) -> SourceChange {
            change(
                "CUSTOMER", .snapshot,
                [
                    "77", "1", "P", nil, "Ada", nil, nil, nil, "1 Main St", nil, "Springfield", nil, "62701", "US", nil,
                    String(repeating: "n", count: notesLength), "2024-01-15 10:22:31.120", "2024-01-15 10:22:31.120",
                ])
        }
        var fits = 0
        var tooLarge = ItemSize.limit
        while tooLarge - fits > 1 {
            let middle = (fits + tooLarge) / 2
            if mappingError(customer(notesLength: middle)) == nil { fits = middle } else { tooLarge = middle }
        }
        let largest = try put(customer(notesLength: fits))
        #expect(ItemSize.of(largest) == ItemSize.limit)
        #expect(mappingError(customer(notesLength: fits + 1))?.kind == .itemTooLarge)
        #expect(try billingMapper.encodedPut(customer(notesLength: fits)).request.itemSize == ItemSize.limit)
    }

    @Test func itemSizeCountsNamesAndValues() {
        let item: Item = ["PK": .s("BAN#1"), "n": .n("-12.3400"), "b": .b([1, 2, 3]), "Deleted": .bool(true)]
        // 2+5, 1+((8 characters+1)/2+1)=1+5, 1+3, 7+1
        #expect(ItemSize.of(item) == 7 + 6 + 4 + 8)
    }

    @Test func keyAndItemHelpersAgreeWithMap() throws {
        let row = row(subscriberRow)
        #expect(try billingMapper.key(table: "SUBSCRIBER", row: row) == key)
        let (itemKey, item) = try billingMapper.item(table: "SUBSCRIBER", row: row, version: "V")
        #expect(itemKey == key)
        #expect(item["SourceVersion"] == .s("V"))
    }

    @Test func mappingWithManyTablesFindsEachTable() throws {
        let tables = (1...20).map { number in
            TableMapping(
                table: "T\(number)", columns: [ColumnSpec("id", .integer(bits: 32, signed: false))], primaryKey: ["id"],
                partitionKey: try! KeyTemplate("T\(number)#{id}"), sortKey: try! KeyTemplate("ROW"))
        }
        let mapper = try ItemMapper(mapping: Mapping(tables: tables, indexes: []))
        for number in [1, 17, 20] {
            #expect(try put(change("T\(number)", .snapshot, ["3"]), mapper: mapper)["PK"] == .s("T\(number)#3"))
        }
        #expect(mappingError(change("T21", .snapshot, ["3"]), mapper: mapper)?.kind == .unknownTable)
    }
}
