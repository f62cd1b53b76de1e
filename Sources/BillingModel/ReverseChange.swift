import DynamoDBModel

/// What one change of a DynamoDB item means for MySQL: the inverse of `ItemMapper`
/// for reverse replication (DynamoDB Streams with NEW_AND_OLD_IMAGES -> MySQL).
public enum RowWrite: Sendable, Hashable {
    /// Insert the row, or update it where its primary key exists. Only `columns`
    /// (those items carry) are written: excluded columns keep MySQL's value.
    case upsert(table: String, columns: [String], values: [SourceValue])
    /// Delete the row with these key values (its primary key, and the columns of its
    /// item's key), if it is there.
    case delete(table: String, keyColumns: [String], keyValues: [SourceValue])
}

/// Turns an item's old and new image into the MySQL writes that make the source
/// equal the item again. Pure; idempotent by construction (an upsert of a full row,
/// a delete by key), so replaying a stream from an earlier checkpoint converges.
public struct ReverseMapper: Sendable {
    public let decoder: ItemDecoder

    public init(decoder: ItemDecoder) {
        self.decoder = decoder
    }

    /// - A row item (new image): upsert it; when the old image was a row of
    ///   another primary key (the item keeps its key, the row moved), delete that too.
    /// - A tombstone or no new image (the item deleted): delete the old image's row;
    ///   nothing when the old image was no row (already deleted).
    /// - Tracking and control items (`MIGRATION#…`): nothing.
    public func rowWrites(oldImage: Item?, newImage: Item?) throws(ItemDecodingError) -> [RowWrite] {
        let old = try row(oldImage)
        guard let newImage, !TombstoneBuilder.isTombstone(newImage) else {
            return old.map { [delete($0)] } ?? []
        }
        guard let new = try row(newImage) else { return [] }
        var writes: [RowWrite] = []
        if let old, old.table != new.table || key(old) != key(new) {
            writes.append(delete(old))
        }
        writes.append(upsert(new))
        return writes
    }

    /// The decoded row of an image, or nil for tombstones, tracking/control items and no image.
    private func row(_ image: Item?) throws(ItemDecodingError) -> (table: TableMapping, row: SourceRow)? {
        guard let image, !TombstoneBuilder.isTombstone(image) else { return nil }
        if image[decoder.mapping.partitionKeyAttribute]?.stringValue?.hasPrefix("MIGRATION#") == true { return nil }
        let decoded = try decoder.decode(image)
        guard let table = decoder.mapping.table(decoded.table) else {
            throw ItemDecodingError(kind: .unknownEntityType, reason: "the mapping has no table `\(decoded.table)`")
        }
        return (table, decoded.row)
    }

    private func key(_ row: (table: TableMapping, row: SourceRow)) -> [SourceValue] {
        row.table.primaryKey.map { name in row.table.columnIndex(name).map { row.row[$0] } ?? .null }
    }

    /// Deletes by primary key, and only where the row still has the columns of the
    /// deleted item's key: a row moved to another item (a subscriber moved to
    /// another account) whose new item arrived first, from another shard, stays.
    private func delete(_ row: (table: TableMapping, row: SourceRow)) -> RowWrite {
        var columns = row.table.primaryKey
        for name in row.table.partitionKey.columnNames + row.table.sortKey.columnNames where !columns.contains(name) {
            columns.append(name)
        }
        let values = columns.map { name in row.table.columnIndex(name).map { row.row[$0] } ?? .null }
        return .delete(table: row.table.table, keyColumns: columns, keyValues: values)
    }

    private func upsert(_ row: (table: TableMapping, row: SourceRow)) -> RowWrite {
        var columns: [String] = []
        var values: [SourceValue] = []
        for (index, column) in row.table.columns.enumerated() where !column.isExcluded {
            columns.append(column.name)
            values.append(row.row[index])
        }
        return .upsert(table: row.table.table, columns: columns, values: values)
    }
}
