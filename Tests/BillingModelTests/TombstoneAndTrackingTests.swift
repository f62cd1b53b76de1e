import BillingModel
import DynamoDBModel
import Testing

@Suite struct TombstoneTests {
    @Test func tombstoneHoldsOnlyKeyDeletedVersionAndTTL() {
        let builder = TombstoneBuilder(retentionDays: 7)
        let item = builder.item(
            key: ItemKey(pk: "BAN#1", sk: "SUB#2"), version: cdcVersion, nowEpochSeconds: 1_700_000_000)
        #expect(
            item == [
                "PK": .s("BAN#1"),
                "SK": .s("SUB#2"),
                "Deleted": .bool(true),
                "SourceVersion": .s(cdcVersion),
                "TTL": .n("1700604800"),
            ])
        #expect(TombstoneBuilder.isTombstone(item))
    }

    @Test func tombstoneForADeleteWrite() throws {
        let writes = try billingMapper.map(
            change(
                "BILL", .delete,
                [
                    "5", "3", "C05", "2024-01-05", "2024-01-06", "2024-01-27", "0.00", "0.00", "0.00", "0.00", "0.00",
                    "O", "2024-01-06 02:00:00.000", "2024-01-06 02:00:00.000",
                ], position: cdcPosition))
        let item = TombstoneBuilder(mapping: .billing).item(for: writes[0], nowEpochSeconds: 0)
        #expect(
            item == [
                "PK": .s("BAN#5"), "SK": .s("BILL#0000000003"), "Deleted": .bool(true),
                "SourceVersion": .s(cdcVersion), "TTL": .n(String(30 * 86_400)),
            ])
    }

    @Test func rowItemsAreNotTombstones() throws {
        let item = try put(chargeChange(subscriber: nil))
        #expect(!TombstoneBuilder.isTombstone(item))
    }
}

@Suite struct TrackingItemTests {
    let tracking = TrackingItem(
        batchId: "load-CHARGE-0007", entityType: "CHARGE", status: .inProgress, recordsProcessed: 25_000,
        recordsFailed: 3, startTimeMilliseconds: 1_705_314_151_120, endTimeMilliseconds: nil,
        errorDetails: "3 rows dead-lettered", ttl: 1_707_906_151)

    @Test func itemHasTheContractsAttributes() {
        #expect(
            tracking.item() == [
                "PK": .s("MIGRATION#STATUS"),
                "SK": .s("BATCH#load-CHARGE-0007"),
                "BatchId": .s("load-CHARGE-0007"),
                "EntityType": .s("CHARGE"),
                "Status": .s("IN_PROGRESS"),
                "RecordsProcessed": .n("25000"),
                "RecordsFailed": .n("3"),
                "StartTime": .s("2024-01-15T10:22:31.120Z"),
                "ErrorDetails": .s("3 rows dead-lettered"),
                "TTL": .n("1707906151"),
            ])
        #expect(tracking.key == ItemKey(pk: "MIGRATION#STATUS", sk: "BATCH#load-CHARGE-0007"))
    }

    @Test func itemParsesBack() throws {
        #expect(try TrackingItem(item: tracking.item()) == tracking)
        var done = tracking
        done.status = .completed
        done.endTimeMilliseconds = 1_705_317_751_999
        done.errorDetails = nil
        #expect(done.item()["EndTime"] == .s("2024-01-15T11:22:31.999Z"))
        #expect(try TrackingItem(item: done.item()) == done)
        for status in TrackingItem.Status.allCases {
            var other = tracking
            other.status = status
            #expect(try TrackingItem(item: other.item()).status == status)
        }
    }

    @Test func malformedItemsAreRejected() {
        var item = tracking.item()
        item["Status"] = .s("DONE")
        #expect(throws: TrackingItemError(reason: "unknown Status `DONE`")) { try TrackingItem(item: item) }
        item = tracking.item()
        item["PK"] = .s("BAN#1")
        #expect(throws: TrackingItemError.self) { try TrackingItem(item: item) }
        item = tracking.item()
        item["BatchId"] = .s("other")
        #expect(throws: TrackingItemError.self) { try TrackingItem(item: item) }
        item = tracking.item()
        item["RecordsFailed"] = .n("1.5")
        #expect(throws: TrackingItemError(reason: "RecordsFailed is not an integer number")) {
            try TrackingItem(item: item)
        }
        item = tracking.item()
        item["StartTime"] = .s("yesterday")
        #expect(throws: TrackingItemError(reason: "StartTime is not an ISO-8601 UTC time")) {
            try TrackingItem(item: item)
        }
    }
}
