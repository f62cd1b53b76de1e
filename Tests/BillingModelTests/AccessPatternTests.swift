import BillingModel
import Testing

@Suite struct AccessPatternTests {
    @Test func accountPatternsReadTheBaseTableWithoutTombstones() {
        let everything = AccessPattern.account(ban: 42).queries
        #expect(everything == [KeyQuery(table: .base, partitionKey: "BAN#42", excludeTombstones: true)])
        #expect(everything[0].keyConditionExpression == "#pk = :pk")
        #expect(everything[0].filterExpression == "attribute_not_exists(#deleted)")
        #expect(everything[0].expressionAttributeNames == ["#pk": "PK", "#deleted": "Deleted"])

        let one = AccessPattern.accountEntity(ban: 42, sortKey: "CUSTOMER").queries[0]
        #expect(one.keyConditionExpression == "#pk = :pk AND #sk = :sk")
        #expect(one.expressionAttributeValues == [":pk": "BAN#42", ":sk": "CUSTOMER"])
    }

    @Test func subscriberNeedsTwoKeyConditionsOnGSI1() {
        let queries = AccessPattern.subscriber(subscriberNo: "5551234567").queries
        #expect(queries.map(\.table.indexName) == ["GSI1", "GSI1"])
        #expect(queries.map(\.sortKey) == [.equals("ACCOUNT"), .beginsWith("SA#")])
        #expect(queries[1].keyConditionExpression == "#pk = :pk AND begins_with(#sk, :sk)")
        #expect(queries[1].expressionAttributeNames == ["#pk": "GSI1PK", "#sk": "GSI1SK"])
    }

    @Test func dateRangesAreKeyConditions() {
        let charges = AccessPattern.subscriberCharges(subscriberNo: "555", from: "2024-01-01", to: "2024-01-31").queries[0]
        #expect(charges.keyConditionExpression == "#pk = :pk AND #sk BETWEEN :from AND :to")
        #expect(charges.expressionAttributeValues == [":pk": "SUB#555", ":from": "CHARGE#2024-01-01", ":to": "CHARGE#2024-01-31"])
        #expect(charges.filterExpression == nil)

        let bills = AccessPattern.cycleBills(cycleCode: "C05", from: "2024-01-01", to: "2024-06-30").queries[0]
        #expect(bills.table == .gsi2)
        #expect(bills.expressionAttributeValues[":pk"] == "BILL#C05")

        let feature = AccessPattern.featureCharges(featureCode: "ROAM", from: "2024-03-01", to: "2024-03-31").queries[0]
        #expect(feature.expressionAttributeValues == [":pk": "CHARGE#ROAM", ":from": "2024-03-01", ":to": "2024-03-31"])
    }
}

@Suite struct NotNullTextTests {
    @Test func anEmptyFieldInANotNullTextColumnIsTheEmptyString() throws {
        let mapper = try ItemMapper(mapping: .billing)
        var row: SourceRow = [
            .text("7"), .text("I"), .text("01"), .text("O"), .text("2024-01-01"), .text("MONTHLY"), .null, .null,
            .text("USD"), .text("2020-01-01"), .text("2020-01-01 00:00:00.000"), .text("2020-01-01 00:00:00.000"),
        ]
        row[2] = .null  // account_sub_type CHAR(2) NOT NULL
        let (_, item) = try mapper.item(table: "BILLING_ACCOUNT", row: row, version: "0")
        #expect(item["account_sub_type"] == .s(""))
        #expect(item["credit_class"] == nil)
        // A NOT NULL number is still an error: NULL there is bad data, not an empty value.
        row[0] = .null
        #expect(throws: MappingError.self) { try mapper.item(table: "BILLING_ACCOUNT", row: row, version: "0") }
    }
}
