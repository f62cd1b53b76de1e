import BillingModel
import DynamoDBModel
import Testing
import ValidationCore

@Suite("Comparing source rows with items")
struct PartitionComparatorTests {
    let rows = account("42") + account("43")
    let chargeKey = key("BAN#42", "CHARGE#00000000000000000001#A1")

    @Test func aCorrectMigrationIsClean() {
        let outcome = comparator.compare(rows: rows, items: items(for: rows))
        #expect(outcome.mismatches.isEmpty)
        #expect(outcome.tallies["CHARGE"]?.rows == 4)
        #expect(outcome.tallies["CHARGE"]?.items == 4)
        #expect(outcome.tallies["CHARGE"]?.matched == 4)
        #expect(outcome.tallies.values.reduce(0) { $0 + $1.matched } == rows.count)
    }

    @Test func numbersCompareAsDecimalsAndVersionsAreIgnored() {
        let edited = editing(items(for: rows), at: chargeKey) { item in
            item["amount"] = .n("12.34")  // DynamoDB drops trailing zeros
            item["tax_amount"] = .n("9.872E-1")
            item["SourceVersion"] = .s("B0000000001")
        }
        #expect(comparator.compare(rows: rows, items: edited).mismatches.isEmpty)
    }

    @Test func aDeletedItemIsMissing() throws {
        let outcome = comparator.compare(rows: rows, items: removing(items(for: rows), at: chargeKey))
        let mismatch = try #require(outcome.mismatches.first)
        #expect(outcome.mismatches.count == 1)
        #expect(mismatch.kind == .missing)
        #expect(mismatch.key == chargeKey)
        #expect(mismatch.entity == "CHARGE")
        #expect(mismatch.sourceKey == [
            KeyColumnValue(column: "ban", value: "42"), KeyColumnValue(column: "charge_seq", value: "1"),
            KeyColumnValue(column: "activity_num", value: "A1"),
        ])
        #expect(outcome.tallies["CHARGE"]?.missing == 1)
        #expect(outcome.tallies["CHARGE"]?.matched == 3)
    }

    @Test func aChangedAttributeIsDifferentWithBothValues() {
        let edited = editing(items(for: rows), at: chargeKey) { $0["description"] = .s("texts") }
        let outcome = comparator.compare(rows: rows, items: edited)
        #expect(outcome.mismatches.map(\.kind) == [.different])
        #expect(outcome.mismatches.first?.differences == [
            AttributeDifference(
                attribute: "description", expected: ReportedValue(type: "S", value: "calls"),
                actual: ReportedValue(type: "S", value: "texts"))
        ])
    }

    @Test func aDecimalChangedInItsLastDigitIsDifferent() {
        let edited = editing(items(for: rows), at: chargeKey) { $0["amount"] = .n("12.3401") }
        let outcome = comparator.compare(rows: rows, items: edited)
        #expect(outcome.mismatches.map(\.kind) == [.different])
        #expect(outcome.mismatches.first?.differences.map(\.attribute) == ["amount"])
        #expect(outcome.mismatches.first?.differences.first?.expected?.value == "12.3400")
    }

    @Test func aNullColumnTurnedIntoAnEmptyStringIsDifferent() throws {
        // The account-level charge has a NULL description: no attribute.
        let accountCharge = key("BAN#42", "CHARGE#00000000000000000002#A2")
        let edited = editing(items(for: rows), at: accountCharge) { $0["description"] = .s("") }
        let outcome = comparator.compare(rows: rows, items: edited)
        #expect(outcome.mismatches.count == 1)
        let difference = try #require(outcome.mismatches.first?.differences.first)
        #expect(difference.attribute == "description")
        #expect(difference.expected == nil)
        #expect(difference.actual == ReportedValue(type: "S", value: ""))
    }

    @Test func anItemWithoutARowIsExtraWithItsDecodedKey() {
        let stray = account("44").last!
        let outcome = comparator.compare(rows: rows, items: items(for: rows) + items(for: [stray]))
        // The stray charge's account item is not there either, so it is an orphan too.
        #expect(outcome.mismatches.map(\.kind) == [.extra])
        let mismatch = outcome.mismatches[0]
        #expect(mismatch.key == key("BAN#44", "CHARGE#00000000000000000002#A2"))
        #expect(mismatch.sourceKey?.first == KeyColumnValue(column: "ban", value: "44"))
        #expect(outcome.tallies["CHARGE"]?.extra == 1)
    }

    @Test func tombstonesAndTrackingItemsAreNotData() {
        let tombstone = TombstoneBuilder().item(key: key("BAN#99", "CHARGE#1"), version: "B1", nowEpochSeconds: 0)
        let tracking = TrackingItem(batchId: "LOAD-X", entityType: "CHARGE", status: .completed).item()
        let outcome = comparator.compare(rows: rows, items: items(for: rows) + [tombstone, tracking])
        #expect(outcome.mismatches.isEmpty)
        #expect(outcome.itemsNotData == 2)
        // A tombstone where a row should be is a missing item.
        let replaced = removing(items(for: rows), at: chargeKey)
            + [TombstoneBuilder().item(key: chargeKey, version: "B1", nowEpochSeconds: 0)]
        #expect(comparator.compare(rows: rows, items: replaced).mismatches.map(\.kind) == [.missing])
    }

    @Test func childrenWithoutTheirAccountItemAreOrphans() {
        let accountKey = key("BAN#42", "ACCOUNT")
        let outcome = comparator.compare(rows: rows, items: removing(items(for: rows), at: accountKey))
        let missing = outcome.mismatches.filter { $0.kind == .missing }
        let orphans = outcome.mismatches.filter { $0.kind == .orphan }
        #expect(missing.map(\.key) == [accountKey])
        #expect(orphans.count == 6)
        #expect(Set(orphans.map(\.pk)) == ["BAN#42"])
        #expect(Set(orphans.compactMap(\.entity)) == ["CUSTOMER", "SUBSCRIBER", "SERVICE_AGREEMENT", "BILL", "CHARGE"])
        #expect(outcome.tallies["CHARGE"]?.orphans == 2)
        #expect(outcome.tallies["CHARGE"]?.matched == 2)
    }

    @Test func subscriberReferencesOutsideThePartitionAreSettledByTheCaller() {
        let subscriberKey = key("BAN#42", "SUB#555042")
        var outcome = comparator.compare(rows: rows, items: removing(items(for: rows), at: subscriberKey))
        #expect(outcome.mismatches.map(\.kind) == [.missing])
        #expect(Set(outcome.unresolvedSubscriberReferences.map(\.subscriberNo)) == ["555042"])
        #expect(outcome.unresolvedSubscriberReferences.count == 2)  // the agreement and the subscriber's charge
        var found = outcome
        found.settleSubscriberReferences(existing: ["555042"])
        #expect(found.mismatches.map(\.kind) == [.missing])
        outcome.settleSubscriberReferences(existing: [])
        #expect(outcome.mismatches.filter { $0.kind == .orphan }.map(\.sk).sorted() == [
            "CHARGE#00000000000000000001#A1", "SA#555042#SOC1",
        ])
        #expect(outcome.tallies["SERVICE_AGREEMENT"]?.orphans == 1)
        #expect(outcome.tallies["SERVICE_AGREEMENT"]?.matched == 1)
        #expect(outcome.tallies["SERVICE_AGREEMENT"]?.failedKeys == 1)
    }

    @Test func aReferenceDanglingInTheSourceTooIsASourceOrphanNotAMismatch() {
        // The subscriber row is gone from the source as well (MySQL has no foreign
        // key from CHARGE): the table says what the source says.
        let subscriberKey = key("BAN#42", "SUB#555042")
        let sourceRows = rows.filter { !($0.table == "SUBSCRIBER" && $0.row.first?.text == "555042") }
        var outcome = comparator.compare(rows: sourceRows, items: removing(items(for: rows), at: subscriberKey))
        #expect(outcome.mismatches.isEmpty)
        outcome.settleSubscriberReferences(existing: [], danglingInSource: ["555042"])
        #expect(outcome.mismatches.isEmpty)
        #expect(outcome.tallies["CHARGE"]?.sourceOrphans == 1)
        #expect(outcome.tallies["SERVICE_AGREEMENT"]?.sourceOrphans == 1)
        #expect(outcome.tallies["CHARGE"]?.orphans == 0)
    }

    @Test func anIndexKeyNotMatchingItsAttributesIsAGSIKeyMismatch() {
        let edited = editing(items(for: rows), at: chargeKey) { $0["GSI1SK"] = .s("CHARGE#2024-01-11") }
        let outcome = comparator.compare(rows: rows, items: edited)
        #expect(outcome.mismatches.map(\.kind) == [.gsiKeyMismatch])
        #expect(outcome.mismatches[0].differences == [
            AttributeDifference(
                attribute: "GSI1SK", expected: ReportedValue(type: "S", value: "CHARGE#2024-01-10"),
                actual: ReportedValue(type: "S", value: "CHARGE#2024-01-11"))
        ])
        #expect(outcome.tallies["CHARGE"]?.gsiKeyMismatches == 1)
        #expect(outcome.tallies["CHARGE"]?.different == 0)
    }

    @Test func aChangedIndexSourceColumnIsBothDifferentAndInconsistent() {
        let edited = editing(items(for: rows), at: chargeKey) { $0["feature_code"] = .s("DATA") }
        let kinds = comparator.compare(rows: rows, items: edited).mismatches.map(\.kind)
        #expect(Set(kinds) == [.different, .gsiKeyMismatch])
    }

    @Test func anEntityFilterComparesOnlyThatEntity() {
        let withoutAccount = removing(items(for: rows), at: key("BAN#42", "ACCOUNT"))
        let outcome = comparator.compare(rows: rows, items: withoutAccount, entities: ["BILL"])
        #expect(Set(outcome.tallies.keys) == ["BILL"])
        #expect(outcome.mismatches.map(\.kind) == [.orphan])
        #expect(outcome.tallies["BILL"]?.rows == 2)
    }

    @Test func unmappableRowsAreCountedNotCompared() {
        var bad = account("45")[5]
        bad.row[2] = .text("A#1")  // a `#` in a key column
        let outcome = comparator.compare(rows: rows + [bad], items: items(for: rows))
        #expect(outcome.mismatches.isEmpty)
        #expect(outcome.tallies["CHARGE"]?.unmappable == 1)
    }
}
