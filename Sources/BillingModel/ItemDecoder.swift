import DynamoDBModel

/// Turns an item back into its source row: the inverse of `ItemMapper`, for
/// validation. Values come back in the source's textual form (`24000.00` for a
/// DECIMAL(12,2) even when DynamoDB stored `24000`; `2024-01-15 10:22:31.120`
/// for a DATETIME(3)), so most rows compare equal as text; `differingColumns`
/// compares by value where text may legitimately differ.
///
/// Columns left out of items (excluded by the mapping) come back as `.null`;
/// `differingColumns` ignores them.
public struct ItemDecoder: Sendable {
    public struct DecodedRow: Sendable, Hashable {
        public var table: String
        public var row: SourceRow
    }

    public let mapping: Mapping
    public let options: ItemMapper.Options

    public init(mapping: Mapping, options: ItemMapper.Options = ItemMapper.Options()) {
        self.mapping = mapping
        self.options = options
    }

    /// Decodes a row item, finding its table by `EntityType`. Throws for
    /// tombstones, tracking items and items of unknown entity types.
    public func decode(_ item: Item) throws(ItemDecodingError) -> DecodedRow {
        if TombstoneBuilder.isTombstone(item) {
            throw ItemDecodingError(kind: .notARow, reason: "the item is a tombstone")
        }
        if item[mapping.partitionKeyAttribute]?.stringValue == TrackingItem.partitionKey {
            throw ItemDecodingError(kind: .notARow, reason: "the item is a migration tracking item")
        }
        guard let entityType = item[MigrationAttribute.entityType]?.stringValue else {
            throw ItemDecodingError(kind: .notARow, reason: "the item has no \(MigrationAttribute.entityType)")
        }
        guard let table = mapping.table(entityType: entityType) else {
            throw ItemDecodingError(kind: .unknownEntityType, reason: "no table has entity type `\(entityType)`")
        }
        return DecodedRow(table: table.table, row: try decode(item, table: table))
    }

    /// Decodes an item as a row of `table`.
    public func decode(_ item: Item, table name: String) throws(ItemDecodingError) -> SourceRow {
        guard let table = mapping.table(name) else {
            throw ItemDecodingError(kind: .unknownEntityType, reason: "the mapping has no table `\(name)`")
        }
        return try decode(item, table: table)
    }

    private func decode(_ item: Item, table: TableMapping) throws(ItemDecodingError) -> SourceRow {
        var row: SourceRow = []
        row.reserveCapacity(table.columns.count)
        for column in table.columns {
            guard !column.isExcluded, let value = item[column.attributeName] else {
                row.append(.null)
                continue
            }
            row.append(try decode(value, column: column, table: table.table))
        }
        return row
    }

    private func decode(_ value: AttributeValue, column: ColumnSpec, table: String) throws(ItemDecodingError)
        -> SourceValue
    {
        func failure(_ reason: String) -> ItemDecodingError {
            ItemDecodingError(
                kind: .invalidAttribute, reason: "\(table).\(column.name) (attribute \(column.attributeName)): \(reason)")
        }
        switch (column.type.family, value) {
        case (.integer, .n(let text)):
            guard let parsed = ParsedDecimal(text) else { throw failure("`\(text)` is not a number") }
            return .text(parsed.plainText(minimumScale: 0))
        case (.decimal, .n(let text)):
            guard let parsed = ParsedDecimal(text) else { throw failure("`\(text)` is not a number") }
            guard case .decimal(_, let scale) = column.type else { preconditionFailure("family is decimal") }
            return .text(parsed.plainText(minimumScale: scale))
        case (.string, .s(let text)), (.date, .s(let text)):
            return .text(text)
        case (.dateTime, .s(let text)):
            guard
                let sql = DateTimeText.sql(
                    fromISO8601: text, utcOffsetSeconds: options.sourceUTCOffsetSeconds,
                    fractionDigits: column.type.fractionalSecondDigits ?? 0)
            else { throw failure("`\(text)` is not an ISO-8601 UTC time") }
            return .text(sql)
        case (.binary, .b(let bytes)):
            return .bytes(bytes)
        default:
            throw failure("a \(column.type) column cannot be read from \(value)")
        }
    }

    /// The names of the columns whose values differ, comparing by value:
    /// numbers as decimals (`24000.00` == `2.4E4`), date-times as instants
    /// (`...31.12` == `...31.120`), binary given as bytes or hex text, text exactly.
    /// Columns the mapping excludes are not compared. A row of the wrong length
    /// differs in every column.
    public func differingColumns(table name: String, expected: SourceRow, actual: SourceRow) -> [String] {
        guard let table = mapping.table(name) else { return [] }
        guard expected.count == table.columns.count, actual.count == table.columns.count else {
            return table.columns.map(\.name)
        }
        var differing: [String] = []
        for (index, column) in table.columns.enumerated() where !column.isExcluded {
            if !Self.valuesEqual(expected[index], actual[index], type: column.type) {
                differing.append(column.name)
            }
        }
        return differing
    }

    /// Whether two source values of a column of `type` are the same value.
    public static func valuesEqual(_ lhs: SourceValue, _ rhs: SourceValue, type: ColumnType) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.null, _), (_, .null): return false
        default: break
        }
        if type.family == .binary {
            return bytes(lhs) == bytes(rhs)
        }
        guard let left = text(lhs), let right = text(rhs) else { return false }
        switch type.family {
        case .integer, .decimal:
            return DecimalText.equal(left, right)
        case .dateTime:
            var left = left
            var right = right
            guard let leftTime = left.withUTF8({ CivilDateTime(sql: $0) }),
                let rightTime = right.withUTF8({ CivilDateTime(sql: $0) })
            else { return left == right }
            return leftTime == rightTime
        case .string, .date, .binary:
            return left == right
        }
    }

    private static func text(_ value: SourceValue) -> String? {
        switch value {
        case .text(let text): return text
        case .bytes(let bytes): return String(validating: bytes, as: UTF8.self)
        case .null: return nil
        }
    }

    private static func bytes(_ value: SourceValue) -> [UInt8]? {
        switch value {
        case .bytes(let bytes): return bytes
        case .text(let text): return ValueConversion.hexBytes(text)
        case .null: return nil
        }
    }
}

/// Why an item cannot be read back as a source row.
public struct ItemDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// A tombstone, a tracking item, or an item without `EntityType`.
        case notARow
        /// No table of the mapping has the item's entity type.
        case unknownEntityType
        /// An attribute has the wrong type or an unreadable value for its column.
        case invalidAttribute
    }

    public let kind: Kind
    public let reason: String

    public init(kind: Kind, reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { "cannot decode item: \(reason)" }
}
