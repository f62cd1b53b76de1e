import BillingModel
import DynamoDBModel
import Foundation
import Testing
import ValidationCore

/// A shop: customers and their orders share `CUST#{customer_id:6}`, products
/// are keyed by text (`hashed`) or by number (`numeric`).
func shopMapping(productKey: String) throws -> Mapping {
    let productColumn = productKey == "text" ? #"{ "name": "sku", "type": "varchar(20)" }"# : #"{ "name": "sku", "type": "int" }"#
    let json = """
        {
          "target": { "partitionKey": "PK", "sortKey": "SK" },
          "tables": [
            { "table": "customers", "columns": [{ "name": "customer_id", "type": "int unsigned" }, { "name": "name", "type": "varchar(20)" }],
              "primaryKey": ["customer_id"], "partitionKey": "CUST#{customer_id:6}", "sortKey": "PROFILE" },
            { "table": "orders", "columns": [{ "name": "customer_id", "type": "int unsigned" }, { "name": "order_id", "type": "int unsigned" }],
              "primaryKey": ["customer_id", "order_id"], "partitionKey": "CUST#{customer_id:6}", "sortKey": "ORDER#{order_id}" },
            { "table": "products", "columns": [\(productColumn), { "name": "label", "type": "varchar(20)" }],
              "primaryKey": ["sku"], "partitionKey": "PRODUCT#{sku}", "sortKey": "PRODUCT" },
            { "table": "variants", "columns": [\(productColumn), { "name": "colour", "type": "varchar(20)" }],
              "primaryKey": ["sku", "colour"], "partitionKey": "PRODUCT#{sku}", "sortKey": "COLOUR#{colour}" }
          ]
        }
        """
    return try Mapping(json: Data(json.utf8))
}

@Suite("partitioning and relationship rules for any mapping")
struct PartitionSchemeTests {
    @Test func billingIsNumericRangesOnBanInEveryTable() {
        let scheme = PartitionScheme(mapping: .billing)
        for table in Mapping.billing.tables { #expect(scheme.column(of: table.table) == "ban") }
        #expect(scheme.number(inPartitionKey: "BAN#0042") == 42)
        #expect(scheme.number(inPartitionKey: "BAN#4x") == nil)
        #expect(scheme.number(inPartitionKey: "MIGRATION#STATUS") == nil)
        #expect(scheme.partitionKeys(of: 7) == ["BAN#7"])
    }

    @Test func billingsRulesAreWhatItsMappingImplies() {
        // Its keys give the account rules, its declared references the subscriber ones.
        #expect(RelationshipRules.of(.billing) == .billing)
        var withoutReferences = Mapping.billing
        for index in withoutReferences.tables.indices { withoutReferences.tables[index].references = [] }
        let derived = RelationshipRules.of(withoutReferences)
        #expect(derived.accountEntity == RelationshipRules.billing.accountEntity)
        #expect(derived.accountChildren == RelationshipRules.billing.accountChildren)
        #expect(derived.partitionParents.isEmpty)
        #expect(derived.subscriberChildren.isEmpty)
    }

    @Test func paddedAndPrefixedNumbersParseAndRender() throws {
        let scheme = PartitionScheme(mapping: try shopMapping(productKey: "number"))
        #expect(scheme.column(of: "orders") == "customer_id")
        #expect(scheme.column(of: "variants") == "sku")
        #expect(scheme.number(inPartitionKey: "CUST#000012") == 12)
        #expect(scheme.number(inPartitionKey: "PRODUCT#12") == 12)
        #expect(scheme.number(inPartitionKey: "PRODUCT#-3") == 0)  // negatives: the first range
        #expect(scheme.number(inPartitionKey: "CUST#") == nil)
        #expect(scheme.number(inPartitionKey: "ORDER#5") == nil)
        #expect(Set(scheme.partitionKeys(of: 12)) == ["CUST#000012", "PRODUCT#12"])
    }

    @Test func aTextPartitionKeyHashes() throws {
        let scheme = PartitionScheme(mapping: try shopMapping(productKey: "text"))
        #expect(scheme == .hashed)
        #expect(scheme.column(of: "customers") == nil)
        #expect(scheme.partitionKeys(of: 1).isEmpty)
        // Without the text-keyed tables the rest is numeric.
        #expect(PartitionScheme(mapping: try shopMapping(productKey: "text"), tables: ["customers", "orders"]).column(of: "orders") == "customer_id")
    }

    @Test func eachGroupOfASharedTemplateGetsItsParent() throws {
        let rules = RelationshipRules.of(try shopMapping(productKey: "text"))
        #expect(rules.accountEntity == "customers")
        #expect(rules.accountChildren == ["orders"])
        #expect(rules.partitionParents == ["variants": "products"])
        #expect(rules.parent(of: "variants") == "products")
        #expect(rules.parent(of: "customers") == nil)
    }

    @Test func aChildWithoutItsDerivedParentIsAnOrphan() throws {
        let mapping = try shopMapping(productKey: "text")
        let comparator = try PartitionComparator(mapping: mapping, rules: .of(mapping))
        let mapper = try ItemMapper(mapping: mapping)
        let rows = [
            SourceTableRow(table: "products", row: [.text("A1"), .text("Lamp")]),
            SourceTableRow(table: "variants", row: [.text("A1"), .text("red")]),
            SourceTableRow(table: "customers", row: [.text("7"), .text("Ada")]),
            SourceTableRow(table: "orders", row: [.text("7"), .text("1")]),
        ]
        let items = try rows.map { try mapper.item(table: $0.table, row: $0.row, version: "0").item }
        #expect(comparator.compare(rows: rows, items: items).mismatches.isEmpty)
        // The product and the customer items are gone: missing, and their children orphans.
        let outcome = comparator.compare(rows: rows, items: [items[1], items[3]])
        let found = Set(outcome.mismatches.map { "\($0.kind.rawValue) \($0.pk) \($0.sk)" })
        #expect(found == [
            "missing PRODUCT#A1 PRODUCT", "orphan PRODUCT#A1 COLOUR#red",
            "missing CUST#000007 PROFILE", "orphan CUST#000007 ORDER#1",
        ])
        #expect(outcome.mismatches.first { $0.entity == "variants" }?.detail == "no products item in partition PRODUCT#A1")
    }

    @Test func aRowSurvivesItsSpillItem() {
        let row = SourceTableRow(table: "t", row: [.null, .text("a"), .bytes([0, 255]), .text("")])
        let back = SourceTableRow(spillItem: row.spillItem)
        #expect(back?.table == "t")
        #expect(back?.row == row.row)
        #expect(SourceTableRow(spillItem: ["PK": .s("x")]) == nil)
    }
}
