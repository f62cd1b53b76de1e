import Testing

@testable import BillingModel

/// The mapping compared with the source's own definitions: every difference named.
@Suite struct MappingSourceDefinitionTests {
    /// The definitions a source whose tables are exactly the billing mapping's would report.
    static func matchingDefinitions() -> [String: SourceTableDefinition] {
        var definitions: [String: SourceTableDefinition] = [:]
        for table in Mapping.billing.tables {
            definitions[table.table] = SourceTableDefinition(table: table.table, columns: table.columns.map {
                SourceColumnDefinition(name: $0.name, dataType: String($0.type.description.prefix { $0 != "(" && $0 != " " }),
                    columnType: $0.type.description, isNullable: $0.isNullable)
            })
        }
        return definitions
    }

    @Test func theBillingMappingMatchesItsOwnSchema() {
        #expect(Mapping.billing.differences(from: Self.matchingDefinitions()) == [])
    }

    @Test func swappedColumnsAWrongTypeNullabilityAndGapsAreEachNamed() throws {
        var definitions = Self.matchingDefinitions()
        var customer = try #require(definitions["CUSTOMER"])
        let first = try #require(customer.columnIndex(named: "first_name"))
        let last = try #require(customer.columnIndex(named: "last_name"))
        customer.columns.swapAt(first, last)
        customer.columns.append(SourceColumnDefinition(name: "loyalty", dataType: "int", columnType: "int(11)", isNullable: true))
        definitions["CUSTOMER"] = customer
        var bill = try #require(definitions["BILL"])
        let decimal = try #require(bill.columns.firstIndex { $0.dataType == "decimal" })
        bill.columns[decimal].columnType = "decimal(14,4)"
        bill.columns[0].isNullable = true
        definitions["BILL"] = bill
        definitions["CHARGE"] = nil

        let differences = Mapping.billing.differences(from: definitions)
        #expect(differences.count == 5, "\(differences)")
        #expect(differences.contains { $0.hasPrefix("CUSTOMER.last_name: listed after first_name in the mapping but before it in the source") })
        #expect(differences.contains("CUSTOMER.loyalty: a source column the mapping does not list (list it, with \"excluded\": true to keep it out of items)"))
        #expect(differences.contains { $0.hasPrefix("BILL.\(bill.columns[decimal].name): the mapping declares decimal(") && $0.hasSuffix("the source has decimal(14,4)") })
        #expect(differences.contains("BILL.\(bill.columns[0].name): the mapping says NOT NULL, the source nullable"))
        #expect(differences.contains("CHARGE: the source has no such table in billing"))
    }

    @Test func intForADecimalIsRefusedAndEnumReadsAsAString() {
        let decimal = SourceColumnDefinition(name: "amount", dataType: "decimal", columnType: "decimal(12,2)", isNullable: false)
        #expect(ColumnType.integer(bits: 32, signed: true).mismatch(with: decimal) != nil)
        #expect(ColumnType.decimal(precision: 12, scale: 2).mismatch(with: decimal) == nil)
        let state = SourceColumnDefinition(name: "state", dataType: "enum", columnType: "enum('a','b')", isNullable: false)
        #expect(ColumnType.varchar(length: 10).mismatch(with: state) == nil)
        #expect(ColumnType.integer(bits: 8, signed: true).mismatch(with: state) != nil)
        let unsigned = SourceColumnDefinition(name: "id", dataType: "bigint", columnType: "bigint(20) unsigned", isNullable: false)
        #expect(ColumnType.integer(bits: 64, signed: false).mismatch(with: unsigned) == nil)
        #expect(ColumnType.integer(bits: 64, signed: true).mismatch(with: unsigned) != nil)
    }
}
