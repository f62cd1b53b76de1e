import BillingModel
import DynamoDBModel
import Migration
import SampleData
import Testing

/// The load sends each row's put request as `ItemMapper.encodedPut` writes it
/// from the checked row; these tests hold it to the item `map` builds (which the
/// dictionary encoder sent before). The old encoder wrote attributes in the
/// dictionary's (unordered) order, so the two are compared decoded.
@Suite struct EncodedPutTests {
    /// Expects the encoded put of a snapshot row to decode to the mapper's item,
    /// with the same key and size.
    static func expectSameAsItem(_ mapper: ItemMapper, table: String, row: SourceRow, line: Int = 1) throws {
        let change = SourceChange(
            table: table, operation: .snapshot, row: row, position: .fullLoad(file: "LOAD00000001.csv", line: line),
            origin: RowOrigin(source: "test.csv", line: line))
        let writes = try mapper.map(change)
        guard writes.count == 1, case .put(let item) = writes[0].action else {
            Issue.record("expected one put")
            return
        }
        let encoded = try mapper.encodedPut(change)
        #expect(encoded.key == writes[0].key)
        #expect(encoded.entity == writes[0].entity)
        #expect(encoded.request.itemSize == ItemSize.of(item))
        #expect(try encoded.request.item() == item)
        // The same JSON text as the dictionary encoder's, attribute for attribute.
        var old: [UInt8] = []
        DynamoDBJSON.appendPutRequest(item, to: &old)
        #expect(try JSONValue.parse(encoded.request.bytes) == JSONValue.parse(old))
    }

    @Test func everyGeneratedBillingRowEncodesAsItsItem() throws {
        let data = SampleDataSet(.init(seed: 11, accounts: 8, badRows: 0))
        let mapper = try ItemMapper(mapping: .billing)
        var rows = 0
        for table in SampleTable.allCases {
            for (line, row) in data.rows(of: table).enumerated() {
                try Self.expectSameAsItem(mapper, table: table.name, row: row, line: line + 1)
                rows += 1
            }
        }
        #expect(rows > 1000)
    }

    /// Every column type, NULL and not, excluded and renamed columns, padded and
    /// sparse index keys, and text that JSON has to escape.
    static let everyType = Mapping(
        sourceSchema: "test",
        tables: [
            TableMapping(
                table: "ALLTYPES",
                entityType: "ALL\"TYPES",
                columns: [
                    ColumnSpec("id", .integer(bits: 64, signed: false)),
                    ColumnSpec("tiny", .integer(bits: 8, signed: true), nullable: true),
                    ColumnSpec("amount", .decimal(precision: 12, scale: 4), nullable: true),
                    ColumnSpec("code", .char(length: 4)),
                    ColumnSpec("name", .varchar(length: 60), nullable: true, attributeName: "Name"),
                    ColumnSpec("notes", .text(.medium), nullable: true),
                    ColumnSpec("day", .date, nullable: true),
                    ColumnSpec("created", .datetime(fsp: 3)),
                    ColumnSpec("changed", .timestamp(fsp: 6), nullable: true),
                    ColumnSpec("hash", .binary(length: 4), nullable: true),
                    ColumnSpec("blob", .varbinary(length: 100), nullable: true),
                    ColumnSpec("big", .blob(.long), nullable: true),
                    ColumnSpec("secret", .varchar(length: 10), nullable: true, excluded: true),
                    ColumnSpec("group_no", .integer(bits: 32, signed: false), nullable: true),
                ],
                primaryKey: ["id"],
                partitionKey: try! KeyTemplate("ALL#{id:8}"),
                sortKey: try! KeyTemplate("{code}"),
                indexKeys: [
                    IndexKeyTemplates(
                        indexName: "GSI1", partitionKeyAttribute: "GSI1PK", sortKeyAttribute: "GSI1SK",
                        partitionKey: try! KeyTemplate("GROUP#{group_no:6}"), sortKey: try! KeyTemplate("\\\"{code}#{id:20}"))
                ],
                createdAtColumn: "created", updatedAtColumn: "changed")
        ],
        indexes: [IndexDefinition(name: "GSI1", partitionKeyAttribute: "GSI1PK", sortKeyAttribute: "GSI1SK")])

    @Test func everyColumnTypeEncodesAsItsItem() throws {
        let mapper = try ItemMapper(mapping: Self.everyType)
        let full: SourceRow = [
            .text("42"), .text("-8"), .text("1234.5"), .text("A\"B\\"), .text("Zoë \u{1}\t\n"), .text("{\"json\": [1]}"),
            .text("2024-02-29"), .text("2024-03-01 12:00:00.5"), .text("2024-03-01 12:00:01.000250"),
            .bytes([0, 255, 16, 1]), .bytes([1, 2]), .bytes(Array(0...255)), .text("hidden"), .text("77"),
        ]
        try Self.expectSameAsItem(mapper, table: "ALLTYPES", row: full)
        // Each nullable column NULL on its own, then all of them at once.
        let nullable = Self.everyType.tables[0].columns.indices.filter { Self.everyType.tables[0].columns[$0].isNullable }
        for index in nullable {
            var row = full
            row[index] = .null
            try Self.expectSameAsItem(mapper, table: "ALLTYPES", row: row)
        }
        var allNull = full
        for index in nullable { allNull[index] = .null }
        try Self.expectSameAsItem(mapper, table: "ALLTYPES", row: allNull)
        // Empty text and binary values.
        var empty = full
        empty[5] = .text("")
        empty[10] = .bytes([])
        try Self.expectSameAsItem(mapper, table: "ALLTYPES", row: empty)
        // Text that escaping makes six times longer, far past the room the
        // request is first given: it is written again into more.
        var escaped = full
        escaped[5] = .text(String(repeating: "\u{1}", count: 5000))
        try Self.expectSameAsItem(mapper, table: "ALLTYPES", row: escaped)
    }

    @Test func theErrorsAreMapsErrors() throws {
        let mapper = try ItemMapper(mapping: Self.everyType)
        let bad: [SourceRow] = [
            [.text("x")],
            [.text("42"), .null, .null, .text("AB#C"), .null, .null, .null, .text("2024-03-01 12:00:00"), .null, .null, .null, .null, .null, .null],
            [.text("-1"), .null, .null, .text("AB"), .null, .null, .null, .text("2024-03-01 12:00:00"), .null, .null, .null, .null, .null, .null],
        ]
        for row in bad {
            let change = SourceChange(
                table: "ALLTYPES", operation: .snapshot, row: row, position: .fullLoad(file: "F.csv", line: 3),
                origin: RowOrigin(source: "F.csv", line: 3))
            let mapped = #expect(throws: MappingError.self) { try mapper.map(change) }
            let encoded = #expect(throws: MappingError.self) { try mapper.encodedPut(change) }
            #expect(mapped.map(String.init(describing:)) == encoded.map(String.init(describing:)))
            #expect(encoded?.origin == change.origin)
        }
        let unknown = SourceChange(
            table: "NOPE", operation: .snapshot, row: [], position: .fullLoad(file: "F.csv", line: 1), origin: RowOrigin(source: "F.csv"))
        #expect(throws: MappingError.self) { try mapper.encodedPut(unknown) }
    }
}
