import BillingModel
import DynamoDBModel
import Testing

/// What reverse replication reads of versions and epochs, and what it publishes
/// for the cutover (`CONTROL#REVERSE`).
@Suite struct ReverseStreamProgressTests {
    /// The billing service's key: `V`, ten epoch digits, `A`, twenty clock digits (`ApplicationVersion` makes it).
    static func applicationKey(epoch: UInt32, clock: UInt64) -> String {
        ItemVersion(epoch: SwitchEpoch(epoch), position: .applicationClock(clock)).orderingKey
    }

    @Test func theServicesWritesCarryTheirEpoch() {
        #expect(ItemVersion.epoch(ofOrderingKey: Self.applicationKey(epoch: 1, clock: 1_800_000_000_000_000)) == SwitchEpoch(1))
        #expect(ItemVersion.epoch(ofOrderingKey: Self.applicationKey(epoch: 3, clock: 7)) == SwitchEpoch(3))
        // Epoch-0 keys and malformed prefixes stay epoch 0.
        #expect(ItemVersion.epoch(ofOrderingKey: "B000000000300000000000000004567000002") == .initial)
        #expect(ItemVersion.epoch(ofOrderingKey: "V12") == .initial)
        #expect(ItemVersion.epoch(ofOrderingKey: "Vabcdefghij0000") == .initial)
        // The old `X` format is gone: one version format.
        #expect(ItemVersion.epoch(ofOrderingKey: "X0000000001" + String(repeating: "0", count: 20)) == .initial)
    }

    @Test func aHistoryFromTheEpochNumberAlternatesStores() {
        let history = SwitchEpochHistory(alternatingThrough: SwitchEpoch(3))
        #expect(history.entries.map(\.epoch.number) == [0, 1, 2, 3])
        #expect(history.entries.map(\.primary) == [.mysql, .dynamodb, .mysql, .dynamodb])
        #expect(SwitchEpochHistory(alternatingThrough: .initial) == SwitchEpochHistory())

        // Reverse replication of epoch 3 copies the service's epoch-3 writes only.
        #expect(history.reverseShouldApply(versionKey: Self.applicationKey(epoch: 3, clock: 9), reverseEpoch: SwitchEpoch(3)))
        #expect(!history.reverseShouldApply(versionKey: Self.applicationKey(epoch: 1, clock: 9), reverseEpoch: SwitchEpoch(3)))
        #expect(!history.reverseShouldApply(versionKey: "B000000000300000000000000004567000002", reverseEpoch: SwitchEpoch(3)))
        // A forward-stream write of MySQL epoch 2 is MySQL's own state.
        let mysqlEpochTwo = ItemVersion(epoch: SwitchEpoch(2), position: .source(.binlog(fileSequence: 4, position: 9, rowIndex: 0)))
        #expect(!history.reverseShouldApply(versionKey: mysqlEpochTwo.orderingKey, reverseEpoch: SwitchEpoch(1)))
    }

    @Test func theControlItemRoundTripsAndGatesARollback() {
        let progress = ReverseStreamProgress(
            streamArn: "arn:aws:dynamodb:us-east-1:1:table/T/stream/2026", epoch: SwitchEpoch(1),
            checkpoints: ["shardId-1": "400", "shardId-2": "12"], caughtUp: true, caughtUpThroughMilliseconds: 1_800_000_100_500,
            caughtUpAt: "2027-01-15T08:01:40Z", lagSeconds: 0, pendingRecords: 0, newestRecordSeconds: 1_800_000_099,
            records: 42, rowWrites: 40, deadLettered: 1, updatedAtSeconds: 1_800_000_101, updatedAt: "2027-01-15T08:01:41Z")
        let item = ControlItems.reverseProgress(progress)
        #expect(item[ItemKey.partitionKeyName] == .s("MIGRATION#STATUS"))
        #expect(item[ItemKey.sortKeyName] == .s("CONTROL#REVERSE"))
        #expect(ControlItems.reverseProgress(from: item) == progress)

        var behind = progress
        behind.caughtUp = false
        behind.caughtUpThroughMilliseconds = nil
        behind.caughtUpAt = nil
        behind.lagSeconds = 3.5
        #expect(ControlItems.reverseProgress(from: ControlItems.reverseProgress(behind)) == behind)

        // Other control items are not progress.
        #expect(ControlItems.reverseProgress(from: ControlItems.streamPosition(.fullLoad(file: "f", line: 1), updatedAt: "now")) == nil)

        // Drained only by a caught-up round that began after writes were held.
        #expect(progress.isDrained(since: 1_800_000_100_000))
        #expect(progress.isDrained(since: 1_800_000_100_500))
        #expect(!progress.isDrained(since: 1_800_000_100_501))
        // What `billmig cutover` reads: CaughtUpThrough in milliseconds, LagMilliseconds, Checkpoints.
        #expect(item["CaughtUpThrough"] == .n("1800000100500"))
        #expect(item["LagMilliseconds"] == .n("0.0"))
        #expect(item["Checkpoints"] == .m(["shardId-1": .s("400"), "shardId-2": .s("12")]))
        #expect(item["UpdatedAt"] == .s("2027-01-15T08:01:41Z"))
        #expect(!behind.isDrained(since: 0))
    }
}
