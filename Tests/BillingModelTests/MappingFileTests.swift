import BillingModel
import DynamoDBModel
import Foundation
import Testing

@Suite struct MappingFileTests {
    @Test func shippedBillingFileEqualsTheBuiltInMapping() throws {
        let mapping = try Mapping(json: try repositoryFile("mappings/billing.json"))
        #expect(mapping == Mapping.billing)
    }

    @Test func builtInMappingRoundTripsThroughJSON() throws {
        let json = Mapping.billing.jsonData()
        #expect(try Mapping(json: json) == Mapping.billing)
    }

    @Test func everyMappingFeatureRoundTrips() throws {
        let mapping = Mapping(
            sourceSchema: "shop",
            tables: [
                TableMapping(
                    table: "orders", entityType: "ORDER",
                    columns: [
                        ColumnSpec("id", .integer(bits: 64, signed: true)),
                        ColumnSpec("secret", .varbinary(length: 16), nullable: true, excluded: true),
                        ColumnSpec("Status", .char(length: 1), attributeName: "order_status"),
                        ColumnSpec("placed", .timestamp(fsp: 6)),
                    ],
                    primaryKey: ["id"], uniqueKeys: [["id", "Status"]],
                    partitionKey: try KeyTemplate("ORDER#{id:19}"), sortKey: try KeyTemplate("META"),
                    indexKeys: [
                        IndexKeyTemplates(
                            indexName: "ByStatus", partitionKeyAttribute: "S1", sortKeyAttribute: "S2",
                            partitionKey: try KeyTemplate("STATUS#{Status}"), sortKey: try KeyTemplate("{placed}"))
                    ],
                    createdAtColumn: "placed", dateColumn: "placed")
            ],
            partitionKeyAttribute: "pk", sortKeyAttribute: "sk",
            indexes: [IndexDefinition(name: "ByStatus", partitionKeyAttribute: "S1", sortKeyAttribute: "S2")])
        try mapping.validate()
        #expect(try Mapping(json: mapping.jsonData()) == mapping)
    }

    @Test func aDateColumnIsADateColumnOfTheTable() throws {
        #expect(Mapping.billing.tables.compactMap { table in table.dateColumn.map { "\(table.table).\($0)" } } == [
            "SERVICE_AGREEMENT.effective_date", "BILL.cycle_close_date", "CHARGE.charge_creation_date",
        ])
        func problems(_ column: String) -> [String] {
            var mapping = Mapping.billing
            mapping.tables[0].dateColumn = column
            do {
                try mapping.validate()
                return []
            } catch {
                return error.problems.map(\.description)
            }
        }
        #expect(problems("status_date") == [])
        #expect(problems("created_at") == [])
        #expect(problems("bill_cycle") == ["table BILLING_ACCOUNT: the date column `bill_cycle` is varchar(10), not a DATE, DATETIME or TIMESTAMP"])
        #expect(problems("gone") == ["table BILLING_ACCOUNT: the date column `gone` is not a column of the table"])
    }

    @Test func referencesAreReadAndCheckedAgainstTheReferencedTable() throws {
        #expect(Mapping.billing.table("CHARGE")?.references == [TableReference(column: "subscriber_no", table: "SUBSCRIBER")])
        func refused(_ change: (inout Mapping) -> Void) -> String {
            var mapping = Mapping.billing
            change(&mapping)
            do {
                try mapping.validate()
                return ""
            } catch {
                return error.description
            }
        }
        func referring(_ reference: TableReference) -> (inout Mapping) -> Void {
            { mapping in
                let charge = mapping.tables.firstIndex { $0.table == "CHARGE" }!
                mapping.tables[charge].references = [reference]
            }
        }
        #expect(refused(referring(TableReference(column: "subscriber_no", table: "PHONE"))).contains("no such table"))
        #expect(refused(referring(TableReference(column: "soc", table: "SUBSCRIBER"))).contains("the table has no column `soc`"))
        #expect(refused(referring(TableReference(column: "ban", table: "SUBSCRIBER"))).contains("not SUBSCRIBER's primary key"))
        #expect(refused(referring(TableReference(column: "ban", table: "BILLING_ACCOUNT"))).contains("one of them"))
        // Without GSI1's SUB#{subscriber_no} a subscriber could not be looked up by number.
        let unfindable = refused { mapping in
            let subscriber = mapping.tables.firstIndex { $0.table == "SUBSCRIBER" }!
            mapping.tables[subscriber].indexKeys = []
        }
        #expect(unfindable.contains("no key of SUBSCRIBER is built from `subscriber_no` alone"), "\(unfindable)")
        #expect(refused { _ in } == "")
    }

    @Test func classicModelsMappingMapsTheRealDMSRows() throws {
        let mapping = try Mapping(json: try repositoryFile("mappings/classicmodels-customers.json"))
        #expect(mapping.sourceSchema == "classicmodels")
        #expect(mapping.tables.map(\.table) == ["customers"])
        #expect(mapping.tables[0].columns.count == 13)
        let mapper = try ItemMapper(mapping: mapping)

        // LOAD00000001.csv line 1, as a CSV reader gives it.
        let item = try put(
            change(
                "customers", .snapshot,
                [
                    "103", "Atelier graphique", "Schmitt", "Carine ", "40.32.2555", "54, rue Royale", nil, "Nantes", nil,
                    "44000", "France", "1370", "21000.00",
                ]), mapper: mapper)
        #expect(
            item == [
                "PK": .s("CUSTOMER#103"),
                "SK": .s("PROFILE"),
                "GSI1PK": .s("SALESREP#1370"),
                "GSI1SK": .s("CUSTOMER#0000000103"),
                "customerNumber": .n("103"),
                "customerName": .s("Atelier graphique"),
                "contactLastName": .s("Schmitt"),
                "contactFirstName": .s("Carine "),
                "phone": .s("40.32.2555"),
                "addressLine1": .s("54, rue Royale"),
                "city": .s("Nantes"),
                "postalCode": .s("44000"),
                "country": .s("France"),
                "salesRepEmployeeNumber": .n("1370"),
                "creditLimit": .n("21000.00"),
                "EntityType": .s("customers"),
                "SourceVersion": .s("0"),
            ])

        // Line 7: no sales rep, so no GSI1 keys (sparse index).
        let noRep = try put(
            change(
                "customers", .snapshot,
                [
                    "125", "Havel & Zbyszek Co", "Piestrzeniewicz", "Zbyszek ", "(26) 642-7555", "ul. Filtrowa 68", nil,
                    "Warszawa", nil, "01-012", "Poland", nil, "0.00",
                ]), mapper: mapper)
        #expect(noRep["GSI1PK"] == nil && noRep["GSI1SK"] == nil)
        #expect(noRep["creditLimit"] == .n("0.00"))
    }

    // MARK: Errors

    func fileError(_ json: String) -> MappingFileError? {
        do {
            _ = try Mapping(json: Data(json.utf8))
            return nil
        } catch {
            return error
        }
    }

    /// A valid one-table file with `table` spliced in.
    func file(table: String, target: String? = nil, extra: String = "") -> String {
        """
        {
          \(extra)
          "target": \(target ?? #"{ "partitionKey": "PK", "sortKey": "SK", "indexes": [{ "name": "GSI1", "partitionKey": "GSI1PK", "sortKey": "GSI1SK" }] }"#),
          "tables": [\(table)]
        }
        """
    }

    let goodTable = """
        { "table": "T", "columns": [{ "name": "id", "type": "int unsigned" }, { "name": "v", "type": "varchar(5)", "nullable": true }],
          "primaryKey": ["id"], "partitionKey": "T#{id}", "sortKey": "T" }
        """

    @Test func goodFileLoads() throws {
        let mapping = try Mapping(json: Data(file(table: goodTable).utf8))
        #expect(mapping.sourceSchema == "billing")
        #expect(mapping.tables[0].columns[1] == ColumnSpec("v", .varchar(length: 5), nullable: true))
    }

    @Test func malformedFilesSayWhere() {
        #expect(fileError("{ not json") == MappingFileError(kind: .malformed, messages: ["not valid JSON at line 1, column 3"]))
        // A missing comma on line 3; columns count characters, not bytes.
        let broken = "{\n  \"formatVersion\": 1,\n  \"sourceSchema\": \"bïlling\" \"target\": {}\n}"
        #expect(fileError(broken)?.messages == ["not valid JSON at line 3, column 29"])
        #expect(fileError("{ \"a\": [1, 2 }")?.messages == ["not valid JSON at line 1, column 14"])
        let missing = fileError(#"{ "tables": [] }"#)
        #expect(missing == MappingFileError(kind: .malformed, messages: ["the top level is missing required field `target`"]))
        let unknown = fileError(file(table: goodTable.replacingOccurrences(of: "\"primaryKey\"", with: "\"createdAt\": \"x\", \"primaryKey\"")))
        #expect(unknown?.kind == .malformed)
        #expect(unknown?.messages.first?.hasPrefix("`tables[0]`: unknown field `createdAt`; known fields are ") == true)
        let wrongType = fileError(file(table: goodTable.replacingOccurrences(of: "\"nullable\": true", with: "\"nullable\": \"yes\"")))
        #expect(wrongType?.messages == ["`tables[0].columns[1].nullable` should be true or false"])
    }

    @Test func invalidFilesListEveryProblem() {
        let table = """
            { "table": "T",
              "columns": [{ "name": "id", "type": "integer unsigned" }, { "name": "v", "type": "money" },
                          { "name": "EntityType", "type": "text" }, { "name": "when", "type": "date" }],
              "primaryKey": ["id"], "partitionKey": "T#{nope}", "sortKey": "{id",
              "indexKeys": [{ "index": "GSI9", "partitionKey": "X#{id}", "sortKey": "Y" }],
              "createdAtColumn": "when" }
            """
        let error = fileError(file(table: table, extra: #""formatVersion": 2,"#))
        #expect(error?.kind == .invalid)
        #expect(
            error?.messages == [
                "formatVersion 2 is not supported (this build reads 1)",
                "table T: column `v` has unsupported type `money`",
                "table T: index keys name undefined index `GSI9`",
                "table T: sort key: key template `{id`: a `{` without a matching `}`",
            ])
    }

    @Test func validationProblemsOfAFile() {
        let table = """
            { "table": "T",
              "columns": [{ "name": "id", "type": "int" }, { "name": "EntityType", "type": "text" },
                          { "name": "when", "type": "date" }, { "name": "id", "type": "int" }],
              "primaryKey": ["id", "gone"], "partitionKey": "T", "sortKey": "S#{nope}",
              "createdAtColumn": "when" },
            { "table": "T", "columns": [{ "name": "a", "type": "int" }], "primaryKey": ["a"],
              "partitionKey": "A#{a}", "sortKey": "A" }
            """
        let error = fileError(file(table: table))
        #expect(error?.kind == .invalid)
        #expect(
            error?.messages == [
                "table T: column `EntityType` would be written as attribute `EntityType`, which the migration uses itself; rename it",
                "table T: column `id` is listed twice",
                "table T: attribute `id` is written by two columns",
                "table T: the primary key names unknown column `gone`",
                "table T: the partition key template `T` uses no column, so every row would share it",
                "table T: the sort key template `S#{nope}` names unknown column `nope`",
                "table T: the partition and sort key templates use columns [\"nope\"], which do not include the primary key [\"id\", \"gone\"] or a unique key, so two rows could share one item",
                "table T: the created-at column `when` is date, not a DATETIME or TIMESTAMP",
                "table `T` is mapped twice",
                "table T: entity type `T` is used by another table",
            ])
    }
}

@Suite struct MappingDocumentationTests {
    @Test func fullExampleInTheFormatDocumentLoadsAndMaps() throws {
        let document = String(decoding: try repositoryFile("docs/mapping-format.md"), as: UTF8.self)
        let start = try #require(document.range(of: "```json\n"))
        let end = try #require(document.range(of: "\n```", range: start.upperBound..<document.endIndex))
        let mapping = try Mapping(json: Data(document[start.upperBound..<end.lowerBound].utf8))
        #expect(mapping.sourceSchema == "shop")
        #expect(mapping.tables.map(\.entityType) == ["ORDER", "CUSTOMERS"])

        let mapper = try ItemMapper(mapping: mapping)
        var values = row(["42", "7", "O", "19.9", nil, nil, "2024-03-01 12:00:00.5", "2024-03-01 12:00:01.000250"])
        values[5] = .bytes([1, 2])
        let writes = try mapper.map(
            SourceChange(
                table: "ORDERS", operation: .insert, row: values, position: cdcPosition,
                origin: RowOrigin(source: "doc")))
        guard case .put(let item) = writes.first?.action else { throw TestFailure("not a put") }
        #expect(
            item == [
                "PK": .s("CUST#7"),
                "SK": .s("ORDER#00000000000000000042"),
                "order_id": .n("42"),
                "customer_id": .n("7"),
                "order_status": .s("O"),
                "total": .n("19.90"),
                "placed_at": .s("2024-03-01T12:00:00.500Z"),
                "changed_at": .s("2024-03-01T12:00:01.000250Z"),
                "EntityType": .s("ORDER"),
                "CreatedAt": .s("2024-03-01T12:00:00.500Z"),
                "UpdatedAt": .s("2024-03-01T12:00:01.000250Z"),
                "SourceVersion": .s(cdcVersion),
            ])
    }
}
