import Foundation
import BillingModel
import Testing

/// The version order across write switches: epoch first, then the position within
/// the epoch's primary store. Conditions compare the stored keys byte by byte, as
/// DynamoDB does, so the tests do too (`ConditionalTable`).
@Suite struct ItemVersionTests {
    static func binlog(_ file: UInt32, _ position: UInt64) -> SourcePosition {
        .binlog(fileSequence: file, position: position, rowIndex: 0)
    }

    @Test func epochZeroIsExactlyTodaysSourceVersion() {
        let positions: [SourcePosition] = [
            .fullLoad(file: "LOAD1.csv", line: 3), .changeSequence("20240115102231120000000000000000042"),
            .changeFile(name: "20240809-192717787.csv", line: 12), Self.binlog(3, 4567),
        ]
        for position in positions {
            #expect(ItemVersion(epoch: .initial, position: .source(position)).orderingKey == position.orderingKey)
            #expect(ItemVersion.epoch(ofOrderingKey: position.orderingKey) == .initial)
        }
        // The history's first epoch gives every binlog change its old key.
        let history = SwitchEpochHistory()
        #expect(history.version(ofMySQLChangeAt: Self.binlog(9, 100)).orderingKey == Self.binlog(9, 100).orderingKey)
        // A repair's `1` stays an epoch-0 key too.
        #expect(ItemVersion.epoch(ofOrderingKey: "1") == .initial)
        // An application write carries its epoch even in epoch 0 (DynamoDB made primary
        // by hand, no switch): it still sorts after every replicated position.
        let applicationInEpochZero = ItemVersion(epoch: .initial, position: .applicationClock(1))
        #expect(applicationInEpochZero.orderingKey == "V0000000000A00000000000000000001")
        for position in positions {
            #expect(ItemVersion.isOlder(position.orderingKey, than: applicationInEpochZero.orderingKey))
        }
        #expect(ItemVersion(applicationWriteKey: applicationInEpochZero.orderingKey) == applicationInEpochZero)
        #expect(ItemVersion(applicationWriteKey: Self.binlog(3, 4567).orderingKey) == nil)
    }

    @Test func laterEpochsWinOverEveryEpochZeroKey() {
        let epochOne = ItemVersion(epoch: SwitchEpoch(1), position: .applicationClock(1))
        let largestEpochZero = [
            "0", "1", SourcePosition.binlog(fileSequence: .max, position: .max, rowIndex: 999_999).orderingKey,
            SourcePosition.changeSequence(String(repeating: "9", count: 45)).orderingKey,
            SourcePosition.changeFile(name: "99999999-999999999.csv", line: .max).orderingKey,
        ]
        for key in largestEpochZero {
            #expect(ItemVersion.isOlder(key, than: epochOne.orderingKey))
        }
        #expect(epochOne.orderingKey == "V0000000001A00000000000000000001")
        #expect(ItemVersion.epoch(ofOrderingKey: epochOne.orderingKey) == SwitchEpoch(1))
        // Epochs order among themselves before positions do.
        let lateInOne = ItemVersion(epoch: SwitchEpoch(1), position: .applicationClock(.max))
        let earlyInTwo = ItemVersion(epoch: SwitchEpoch(2), position: .source(Self.binlog(0, 4)))
        #expect(lateInOne < earlyInTwo)
        #expect(ItemVersion(epoch: SwitchEpoch(9), position: .applicationClock(5)) < ItemVersion(epoch: SwitchEpoch(10), position: .applicationClock(1)))
        #expect(ItemVersion(epoch: SwitchEpoch(1), position: .applicationClock(5)) < ItemVersion(epoch: SwitchEpoch(1), position: .applicationClock(6)))
    }

    /// The scenario: switch writes to DynamoDB, the application writes there
    /// (reverse replication copies those writes into MySQL, making binlog events),
    /// roll back, then update the same items in MySQL. The updates must arrive; the
    /// binlog events reverse replication made, replayed, must not.
    @Test func afterARollbackMySQLUpdatesWinOverDynamoDBWritesAndReplaysDoNot() {
        var history = SwitchEpochHistory()
        let table = ConditionalTable()
        let key = "BAN#1|CHARGE#7"

        // Epoch 0: the forward stream writes the item from the binlog.
        #expect(table.put(key, "amount 10", version: history.version(ofMySQLChangeAt: Self.binlog(5, 1_000))))

        // Switch writes: epoch 1, DynamoDB primary; the application writes twice.
        let dynamoEpoch = history.switchToDynamoDB()
        #expect(dynamoEpoch == SwitchEpoch(1))
        #expect(table.put(key, "amount 20", version: ItemVersion(epoch: dynamoEpoch, position: .applicationClock(1_700_000_000_000_001))))
        #expect(table.put(key, "amount 30", version: ItemVersion(epoch: dynamoEpoch, position: .applicationClock(1_700_000_000_000_002))))
        // Reverse replication wrote "amount 30" into MySQL at binlog 5:2_000..3_000.

        // A forward-stream replay of an old epoch-0 change cannot overwrite it.
        #expect(!table.put(key, "amount 10", version: history.version(ofMySQLChangeAt: Self.binlog(5, 1_000))))

        // Roll back: epoch 2, MySQL primary from its position after the reverse writes.
        let mysqlEpoch = history.switchToMySQL(resumingAt: Self.binlog(5, 3_500))
        #expect(mysqlEpoch == SwitchEpoch(2))

        // The reverse writes' own binlog events, were they ever replayed forward, are epoch 0.
        #expect(history.epoch(ofMySQLChangeAt: Self.binlog(5, 2_500)) == .initial)
        #expect(!table.put(key, "amount 30 (replayed reverse write)", version: history.version(ofMySQLChangeAt: Self.binlog(5, 2_500))))

        // An update made in MySQL after the rollback arrives: it wins over the DynamoDB write of epoch 1.
        #expect(history.epoch(ofMySQLChangeAt: Self.binlog(5, 4_000)) == mysqlEpoch)
        #expect(table.put(key, "amount 40", version: history.version(ofMySQLChangeAt: Self.binlog(5, 4_000))))
        #expect(table.value(key) == "amount 40")
        // Within epoch 2 the binlog orders as always; across a binlog rotation too.
        #expect(!table.put(key, "amount 35", version: history.version(ofMySQLChangeAt: Self.binlog(5, 3_900))))
        #expect(table.put(key, "amount 50", version: history.version(ofMySQLChangeAt: Self.binlog(6, 4))))
        #expect(table.value(key) == "amount 50")

        // Switch again: epoch 3 beats epoch 2's newest binlog position.
        let again = history.switchToDynamoDB()
        #expect(table.put(key, "amount 60", version: ItemVersion(epoch: again, position: .applicationClock(1))))
        #expect(table.value(key) == "amount 60")
    }

    @Test func reverseReplicationCopiesOnlyWritesOfItsOwnDynamoDBEpoch() {
        var history = SwitchEpochHistory()
        let forwardWrite = history.version(ofMySQLChangeAt: Self.binlog(5, 1_000)).orderingKey
        let epoch = history.switchToDynamoDB()
        let applicationWrite = ItemVersion(epoch: epoch, position: .applicationClock(42)).orderingKey
        // A stream record of the forward stream's write (before the switch) is MySQL's own older state.
        #expect(!history.reverseShouldApply(versionKey: forwardWrite, reverseEpoch: epoch))
        #expect(history.reverseShouldApply(versionKey: applicationWrite, reverseEpoch: epoch))
        // After a rollback (epoch 2, MySQL) and a new switch (epoch 3), the old epoch-1 writes are stale for epoch 3's reverse stream.
        history.switchToMySQL(resumingAt: Self.binlog(6, 1))
        let mysqlWrite = history.version(ofMySQLChangeAt: Self.binlog(6, 50)).orderingKey
        let third = history.switchToDynamoDB()
        #expect(!history.reverseShouldApply(versionKey: applicationWrite, reverseEpoch: third))
        #expect(!history.reverseShouldApply(versionKey: mysqlWrite, reverseEpoch: third))
        #expect(history.reverseShouldApply(versionKey: ItemVersion(epoch: third, position: .applicationClock(1)).orderingKey, reverseEpoch: third))
    }

    @Test func historyRoundTripsThroughJSON() throws {
        var history = SwitchEpochHistory()
        history.switchToDynamoDB()
        history.switchToMySQL(resumingAt: Self.binlog(7, 77))
        let data = try JSONEncoder().encode(history)
        #expect(try JSONDecoder().decode(SwitchEpochHistory.self, from: data) == history)
        #expect(history.current.epoch == SwitchEpoch(2))
        #expect(history.current.primary == .mysql)
    }
}

/// A table that applies a put only when `attribute_not_exists(PK) OR SourceVersion < :version`
/// holds, comparing strings by UTF-8 bytes as DynamoDB does.
final class ConditionalTable {
    private var items: [String: (value: String, version: String)] = [:]

    func put(_ key: String, _ value: String, version: ItemVersion) -> Bool {
        if let current = items[key], !ItemVersion.isOlder(current.version, than: version.orderingKey) { return false }
        items[key] = (value, version.orderingKey)
        return true
    }

    func value(_ key: String) -> String? { items[key]?.value }
}
