import BillingModel
import DynamoDBModel
import Foundation
import Testing

@Suite struct KeyTemplateTests {
    @Test func parsesLiteralsColumnsAndPadding() throws {
        #expect(try KeyTemplate("BAN#{ban}").segments == [.literal("BAN#"), .column(name: "ban", padding: nil)])
        #expect(
            try KeyTemplate("CHARGE#{charge_seq:20}#{activity_num}").segments == [
                .literal("CHARGE#"), .column(name: "charge_seq", padding: 20), .literal("#"),
                .column(name: "activity_num", padding: nil),
            ])
        #expect(try KeyTemplate("{cycle_close_date}").segments == [.column(name: "cycle_close_date", padding: nil)])
        #expect(try KeyTemplate("ACCOUNT").segments == [.literal("ACCOUNT")])
        #expect(try KeyTemplate("BILL#{bill_seq_number:10}").columnNames == ["bill_seq_number"])
        for text in ["BAN#{ban}", "CHARGE#{charge_seq:20}#{activity_num}", "{a}{b:3}", "ACCOUNT"] {
            #expect(try KeyTemplate(text).description == text)
        }
    }

    @Test func rejectsMalformedTemplates() {
        let cases: [(String, String)] = [
            ("", "the template is empty"),
            ("BAN#{ban", "a `{` without a matching `}`"),
            ("BAN#ban}", "a `}` without a matching `{`"),
            ("BAN#{}", "`{}` names no column"),
            ("{a:0}", "padding `0` of column `a` is not a number from 1 to 40"),
            ("{a:x}", "padding `x` of column `a` is not a number from 1 to 40"),
            ("{a:1:2}", "`{a:1:2}` has more than one `:`"),
            ("{a{b}}", "nested `{`"),
        ]
        for (text, reason) in cases {
            #expect(throws: KeyTemplateError(template: text, reason: reason)) { try KeyTemplate(text) }
        }
    }
}

@Suite struct ColumnTypeTests {
    @Test func readsSQLSpellings() {
        let cases: [(String, ColumnType)] = [
            ("BIGINT UNSIGNED", .integer(bits: 64, signed: false)),
            ("bigint(20) unsigned", .integer(bits: 64, signed: false)),
            ("int", .integer(bits: 32, signed: true)),
            ("tinyint", .integer(bits: 8, signed: true)),
            ("mediumint unsigned", .integer(bits: 24, signed: false)),
            ("DECIMAL(12,2)", .decimal(precision: 12, scale: 2)),
            ("decimal", .decimal(precision: 10, scale: 0)),
            ("char(1)", .char(length: 1)),
            ("varchar(254)", .varchar(length: 254)),
            ("mediumtext", .text(.medium)),
            ("text", .text(.regular)),
            ("date", .date),
            ("datetime(3)", .datetime(fsp: 3)),
            ("datetime", .datetime(fsp: 0)),
            ("timestamp(6)", .timestamp(fsp: 6)),
            ("binary(16)", .binary(length: 16)),
            ("varbinary(255)", .varbinary(length: 255)),
            ("longblob", .blob(.long)),
        ]
        for (text, type) in cases {
            #expect(ColumnType(sql: text) == type, "\(text)")
            #expect(ColumnType(sql: type.description) == type, "\(type)")
        }
    }

    @Test func rejectsUnsupportedTypes() {
        for text in ["money", "varchar", "datetime(7)", "decimal(66,2)", "decimal(5,6)", "char(1) unsigned", "int unsigned zerofill", ""] {
            #expect(ColumnType(sql: text) == nil, "\(text)")
        }
    }
}

@Suite struct MappingValidationTests {
    @Test func builtInMappingIsValidAndCoversTheContract() throws {
        try Mapping.billing.validate()
        #expect(
            Mapping.billing.tables.map(\.table) == [
                "BILLING_ACCOUNT", "CUSTOMER", "SUBSCRIBER", "SERVICE_AGREEMENT", "BILL", "CHARGE",
            ])
        #expect(Mapping.billing.indexes.map(\.name) == ["GSI1", "GSI2"])
        #expect(Mapping.billing.partitionKeyAttribute == "PK" && Mapping.billing.sortKeyAttribute == "SK")
    }

    func problems(_ mapping: Mapping) -> [String] {
        do {
            try mapping.validate()
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    func oneTable(_ table: TableMapping, indexes: [IndexDefinition] = [Mapping.billing.indexes[0]]) -> Mapping {
        Mapping(tables: [table], indexes: indexes)
    }

    let columns = [
        ColumnSpec("id", .integer(bits: 64, signed: false)),
        ColumnSpec("amount", .decimal(precision: 9, scale: 2)),
        ColumnSpec("photo", .blob(.regular), nullable: true),
        ColumnSpec("note", .text(.regular), nullable: true),
    ]

    @Test func paddingNeedsAnIntegerOrText() throws {
        let mapping = oneTable(
            TableMapping(
                table: "T", columns: columns, primaryKey: ["id"], partitionKey: try KeyTemplate("T#{id}"),
                sortKey: try KeyTemplate("A#{amount:5}#{photo}")))
        #expect(
            problems(mapping) == [
                "table T: the sort key template `A#{amount:5}#{photo}` pads column `amount` of type decimal(9,2); padding needs an integer or text column holding digits",
                "table T: the sort key template `A#{amount:5}#{photo}` uses binary column `photo`",
            ])
    }

    @Test func keyColumnsCannotBeExcludedButOthersCan() throws {
        var excluded = columns
        excluded[0].isExcluded = true
        excluded[3].isExcluded = true
        let mapping = oneTable(
            TableMapping(
                table: "T", columns: excluded, primaryKey: ["id"], partitionKey: try KeyTemplate("T#{id}"),
                sortKey: try KeyTemplate("T")))
        #expect(problems(mapping) == ["table T: column `id` is used by the item key and cannot be excluded"])
    }

    @Test func renamedAndExcludedColumnsAreMappedThatWay() throws {
        var renamed = columns
        renamed[1].attributeName = "Amount"
        renamed[3].isExcluded = true
        let mapping = oneTable(
            TableMapping(
                table: "T", columns: renamed, primaryKey: ["id"], partitionKey: try KeyTemplate("T#{id}"),
                sortKey: try KeyTemplate("T")))
        let mapper = try ItemMapper(mapping: mapping)
        let item = try put(change("T", .snapshot, ["1", "2.5", nil, "hidden"]), mapper: mapper)
        #expect(item == ["PK": .s("T#1"), "SK": .s("T"), "id": .n("1"), "Amount": .n("2.50"), "EntityType": .s("T"), "SourceVersion": .s("0")])
        let decoded = try ItemDecoder(mapping: mapping).decode(item)
        #expect(decoded.row == [.text("1"), .text("2.50"), .null, .null])
        #expect(
            ItemDecoder(mapping: mapping).differingColumns(
                table: "T", expected: row(["1", "2.5", nil, "hidden"]), actual: decoded.row) == [])
    }

    @Test func indexesAndKeyNamesMustBeConsistent() throws {
        let table = TableMapping(
            table: "T", columns: columns, primaryKey: ["id"], partitionKey: try KeyTemplate("T#{id}"),
            sortKey: try KeyTemplate("T"),
            indexKeys: [
                IndexKeyTemplates(
                    indexName: "GSI1", partitionKeyAttribute: "X", sortKeyAttribute: "GSI1SK",
                    partitionKey: try KeyTemplate("N"), sortKey: try KeyTemplate("{note}")),
                IndexKeyTemplates(
                    indexName: "GSI7", partitionKeyAttribute: "A", sortKeyAttribute: "B",
                    partitionKey: try KeyTemplate("{id}"), sortKey: try KeyTemplate("{id}")),
            ])
        let mapping = Mapping(
            tables: [table], partitionKeyAttribute: "PK", sortKeyAttribute: "PK",
            indexes: [
                IndexDefinition(name: "GSI1", partitionKeyAttribute: "GSI1PK", sortKeyAttribute: "GSI1SK"),
                IndexDefinition(name: "GSI1", partitionKeyAttribute: "TTL", sortKeyAttribute: "GSI1SK"),
            ])
        #expect(
            problems(mapping) == [
                "the partition and sort key attributes have the same name `PK`",
                "index `GSI1` is defined twice",
                "index `GSI1` key attribute `TTL` is a migration attribute name",
                "index `GSI1` key attribute `GSI1SK` is already a key of index `GSI1`",
                "table T: index `GSI1` keys are written as `X`/`GSI1SK` but the index is on `GSI1PK`/`GSI1SK`",
                "table T: the GSI1 partition key template `N` uses no column, so every row would share it",
                "table T: index keys name undefined index `GSI7`",
            ])
    }

    @Test func uniqueKeyMakesAnItemKeyIdentifying() throws {
        let customer = Mapping.billing.table("CUSTOMER")!
        var withoutUniqueKey = customer
        withoutUniqueKey.uniqueKeys = []
        #expect(problems(Mapping(tables: [customer], indexes: [])) == [])
        #expect(problems(Mapping(tables: [withoutUniqueKey], indexes: [])).count == 1)
    }
}

/// schema/billing.sql and Mapping.billing describe the same tables and columns.
@Suite struct SchemaFileTests {
    struct SQLColumn: Equatable {
        var name: String
        var type: ColumnType?
        var nullable: Bool
    }

    /// Reads the column lines of each CREATE TABLE: `name TYPE [UNSIGNED] [NOT] NULL ...`.
    func tables(_ sql: String) -> [(String, [SQLColumn], [String])] {
        var result: [(String, [SQLColumn], [String])] = []
        for line in sql.split(separator: "\n") {
            let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard let first = words.first, !first.hasPrefix("--") else { continue }
            if words.starts(with: ["CREATE", "TABLE"]) {
                result.append((words[words.count - 2], [], []))
            } else if first == "PRIMARY", let open = line.firstIndex(of: "("), let close = line.firstIndex(of: ")") {
                result[result.count - 1].2 = line[line.index(after: open)..<close].split(separator: ",").map {
                    $0.trimmingCharacters(in: .whitespaces)
                }
            } else if !result.isEmpty, first.first?.isLetter == true, first == first.lowercased(), words.count >= 3 {
                let unsigned = words[2] == "UNSIGNED"
                let typeText = unsigned ? words[1] + " unsigned" : words[1]
                let rest = words.dropFirst(unsigned ? 3 : 2).prefix(2).joined(separator: " ")
                result[result.count - 1].1.append(
                    SQLColumn(name: first, type: ColumnType(sql: typeText), nullable: !rest.hasPrefix("NOT NULL")))
            }
        }
        return result
    }

    @Test func schemaAndBuiltInMappingAgree() throws {
        let sql = String(decoding: try repositoryFile("schema/billing.sql"), as: UTF8.self)
        #expect(sql.contains("CREATE DATABASE IF NOT EXISTS billing"))
        let parsed = tables(sql)
        #expect(parsed.map(\.0) == Mapping.billing.tables.map(\.table))
        for (name, columns, primaryKey) in parsed {
            let table = try #require(Mapping.billing.table(name))
            #expect(columns == table.columns.map { SQLColumn(name: $0.name, type: $0.type, nullable: $0.isNullable) }, "\(name)")
            #expect(primaryKey == table.primaryKey, "\(name)")
        }
    }
}
