import BillingModel
import DynamoDBModel
import Testing

/// Reverse replication's mapping: item images back to MySQL writes.
@Suite struct ReverseMapperTests {
    let reverse = ReverseMapper(decoder: ItemDecoder(mapping: .billing))

    /// row -> item -> row, through a stream record's images, for all six entities.
    @Test(arguments: ItemDecoderTests.rows.map(\.0))
    func anInsertedItemComesBackAsItsRow(table: String) throws {
        let values = try #require(ItemDecoderTests.rows.first { $0.0 == table }).1
        let item = try put(change(table, .insert, values, position: .binlog(fileSequence: 1, position: 4, rowIndex: 0)))
        let writes = try reverse.rowWrites(oldImage: nil, newImage: item)
        let mapping = try #require(Mapping.billing.table(table))
        #expect(writes == [.upsert(table: table, columns: mapping.columns.map(\.name), values: row(values))])
        // And the written row maps to the very same item: the round trip is closed.
        guard case .upsert(_, _, let written) = writes[0] else { return }
        #expect(try put(change(table, .insert, written.map(\.text), position: .binlog(fileSequence: 1, position: 4, rowIndex: 0))) == item)
    }

    @Test func anUpdateUpsertsTheNewRow() throws {
        let values = ItemDecoderTests.rows[2].1
        var changed = values
        changed[2] = "S"
        let old = try put(change("SUBSCRIBER", .insert, values))
        let new = try put(change("SUBSCRIBER", .update, changed))
        let writes = try reverse.rowWrites(oldImage: old, newImage: new)
        #expect(writes.count == 1)
        guard case .upsert("SUBSCRIBER", _, let written) = writes.first else {
            Issue.record("expected an upsert, got \(writes)")
            return
        }
        #expect(written == row(changed))
    }

    @Test func aTombstoneOverARowDeletesItByPrimaryKey() throws {
        let values = ItemDecoderTests.rows[5].1  // CHARGE: ban, charge_id, ...
        let old = try put(change("CHARGE", .insert, values))
        let key = try #require(ItemKey(item: old))
        let tombstone = TombstoneBuilder(mapping: .billing).item(key: key, version: "V0000000001A00000000000000000009", nowEpochSeconds: 1_800_000_000)
        let mapping = try #require(Mapping.billing.table("CHARGE"))
        // The primary key holds every column of the item's key here.
        #expect(mapping.primaryKey == ["ban", "charge_seq", "activity_num"])
        let expected = RowWrite.delete(
            table: "CHARGE", keyColumns: mapping.primaryKey,
            keyValues: mapping.primaryKey.map { row(values)[mapping.columnIndex($0)!] })
        #expect(try reverse.rowWrites(oldImage: old, newImage: tombstone) == [expected])
        // A REMOVE of a row item (no new image) deletes too.
        #expect(try reverse.rowWrites(oldImage: old, newImage: nil) == [expected])
        // A tombstone over a tombstone, or TTL removing a tombstone: MySQL has no row already.
        #expect(try reverse.rowWrites(oldImage: tombstone, newImage: tombstone).isEmpty)
        #expect(try reverse.rowWrites(oldImage: tombstone, newImage: nil).isEmpty)
    }

    /// A subscriber moved to another account: a tombstone at the old item and a new
    /// item, which may sit in different shards and arrive in either order. The
    /// delete names the old account too, so arriving last it leaves the moved row.
    @Test func aMovedRowsLateDeleteMatchesOnlyTheOldItemsKey() throws {
        let values = ItemDecoderTests.rows[2].1  // SUBSCRIBER: subscriber_no, ban, ...
        var moved = values
        moved[1] = "1000000099"
        let old = try put(change("SUBSCRIBER", .insert, values))
        let tombstone = TombstoneBuilder(mapping: .billing).item(
            key: try #require(ItemKey(item: old)), version: "V0000000001A00000000000000000009", nowEpochSeconds: 1_800_000_000)
        let movedItem = try put(change("SUBSCRIBER", .insert, moved))
        #expect(ItemKey(item: movedItem) != ItemKey(item: old))
        #expect(
            try reverse.rowWrites(oldImage: old, newImage: tombstone) == [
                .delete(table: "SUBSCRIBER", keyColumns: ["subscriber_no", "ban"], keyValues: [row(values)[0], row(values)[1]])
            ])
        #expect(row(values)[1] != row(moved)[1])
        guard case .upsert(_, _, let written)? = try reverse.rowWrites(oldImage: nil, newImage: movedItem).first else {
            Issue.record("expected an upsert")
            return
        }
        #expect(written == row(moved))
    }

    @Test func trackingAndControlItemsAreNotRows() throws {
        let control: Item = ["PK": .s("MIGRATION#CONTROL"), "SK": .s("FLAGS"), "ReadMode": .s("shadow")]
        let tracking: Item = ["PK": .s(TrackingItem.partitionKey), "SK": .s("BATCH#LOAD-X"), "EntityType": .s("MIGRATION")]
        #expect(try reverse.rowWrites(oldImage: nil, newImage: control).isEmpty)
        #expect(try reverse.rowWrites(oldImage: control, newImage: control).isEmpty)
        #expect(try reverse.rowWrites(oldImage: nil, newImage: tracking).isEmpty)
    }

    @Test func anUnreadableItemIsAnErrorToDeadLetter() throws {
        var item = try put(change("BILL", .insert, ItemDecoderTests.rows[4].1))
        item["amount_due"] = .s("not a number")
        #expect(throws: ItemDecodingError.self) { try reverse.rowWrites(oldImage: nil, newImage: item) }
    }
}
