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
