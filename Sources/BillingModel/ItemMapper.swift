import DynamoDBModel

/// Turns source changes into writes, following a `Mapping` (pure, no I/O).
///
/// The mapping is validated and compiled once into index-based plans, so
/// mapping a row does no lookup by column name: one lookup of the table, then
/// straight passes over the row's values.
///
/// Errors are thrown (typed `MappingError`), so a caller handles the one
/// failure type without unwrapping a `Result` for every row; the whole change
/// fails (nothing of it is written) and goes to the dead-letter store.
public struct ItemMapper: Sendable {
    public struct Options: Sendable, Hashable {
        /// The source's time zone as a fixed offset east of UTC, in seconds;
        /// DATETIME/TIMESTAMP values are read in it and written in UTC. 0 (UTC)
        /// unless the source time zone is configured.
        public var sourceUTCOffsetSeconds: Int

        public init(sourceUTCOffsetSeconds: Int = 0) {
            self.sourceUTCOffsetSeconds = sourceUTCOffsetSeconds
        }
    }

    public let mapping: Mapping
    public let options: Options
    private let plans: [String: TablePlan]

    /// Validates and compiles a mapping. Throws when the mapping is invalid or
    /// the offset is beyond ±18 hours.
    public init(mapping: Mapping, options: Options = Options()) throws(MappingValidationError) {
        try mapping.validate()
        guard abs(options.sourceUTCOffsetSeconds) <= 18 * 3600 else {
            throw MappingValidationError(problems: [
                .init(table: nil, message: "the source UTC offset \(options.sourceUTCOffsetSeconds)s is beyond ±18 hours")
            ])
        }
        self.mapping = mapping
        self.options = options
        var plans: [String: TablePlan] = [:]
        for table in mapping.tables {
            plans[table.table] = TablePlan(table, mapping: mapping, options: options)
        }
        self.plans = plans
    }

    /// The writes for one change:
    /// - snapshot: one unconditional put; insert/update: one conditional put;
    /// - update whose `before` row has another PK/SK: a conditional tombstone
    ///   at the old key, then the conditional put at the new key;
    /// - delete: a conditional tombstone at the row's key (only the key columns
    ///   of a deleted row are read).
    /// Every write carries `change.position.orderingKey` as its version.
    public func map(_ change: SourceChange) throws(MappingError) -> [WriteOp] {
        guard let plan = plans[change.table] else {
            throw MappingError(
                kind: .unknownTable, table: change.table, reason: "the mapping has no table `\(change.table)`",
                origin: change.origin)
        }
        let version = change.position.orderingKey
        do throws(MappingError) {
            switch change.operation {
            case .snapshot, .insert, .update:
                let (key, item) = try plan.item(change.row, version: version)
                let put = WriteOp(
                    key: key, action: .put(item), entity: plan.entityType, version: version,
                    isConditional: change.operation != .snapshot)
                if change.operation == .update, let before = change.before {
                    let oldKey = try plan.key(before)
                    if oldKey != key {
                        let tombstone = WriteOp(
                            key: oldKey, action: .tombstone, entity: plan.entityType, version: version,
                            isConditional: true)
                        return [tombstone, put]
                    }
                }
                return [put]
            case .delete:
                let key = try plan.key(change.row)
                return [
                    WriteOp(key: key, action: .tombstone, entity: plan.entityType, version: version, isConditional: true)
                ]
            }
        } catch {
            var error = error
            error.origin = change.origin
            throw error
        }
    }

    /// The full item of a row, with `SourceVersion` = `version`.
    public func item(table: String, row: SourceRow, version: String) throws(MappingError) -> (key: ItemKey, item: Item) {
        try plan(table).item(row, version: version)
    }

    /// The PK/SK of a row; only its key columns are read.
    public func key(table: String, row: SourceRow) throws(MappingError) -> ItemKey {
        try plan(table).key(row)
    }

    private func plan(_ table: String) throws(MappingError) -> TablePlan {
        guard let plan = plans[table] else {
            throw MappingError(kind: .unknownTable, table: table, reason: "the mapping has no table `\(table)`")
        }
        return plan
    }
}

/// DynamoDB's key length limits (bytes of UTF-8).
enum KeyLimit {
    static let partition = 2048
    static let sort = 1024
}

/// One table's mapping, compiled: column plans by position and templates over positions.
private final class TablePlan: Sendable {
    struct ColumnPlan: Sendable {
        let name: String
        let typeName: String
        let attributeName: String
        let conversion: ValueConversion
        let isNullable: Bool
        let isIncluded: Bool
    }

    struct TemplatePlan: Sendable {
        enum Piece: Sendable {
            case literal(String)
            /// `padding` 0 means none.
            case column(index: Int, padding: Int)
        }
        let pieces: [Piece]
        let attributeName: String
        let text: String
        let lengthLimit: Int

        init(_ template: KeyTemplate, attributeName: String, lengthLimit: Int, columns: [ColumnSpec]) {
            pieces = template.segments.map {
                switch $0 {
                case .literal(let text): return .literal(text)
                case .column(let name, let padding):
                    // Validation guarantees the column exists.
                    return .column(index: columns.firstIndex { $0.name == name }!, padding: padding ?? 0)
                }
            }
            self.attributeName = attributeName
            self.text = template.description
            self.lengthLimit = lengthLimit
        }
    }

    struct IndexPlan: Sendable {
        let partitionKey: TemplatePlan
        let sortKey: TemplatePlan
    }

    let table: String
    let entityType: String
    let columns: [ColumnPlan]
    let partitionKey: TemplatePlan
    let sortKey: TemplatePlan
    let indexes: [IndexPlan]
    /// Positions of the columns the PK/SK templates use, converted for `key(_:)`.
    let keyColumnIndexes: [Int]
    let createdAtIndex: Int?
    let updatedAtIndex: Int?
    /// Attribute count of a full item, to size the dictionary once.
    let attributeCapacity: Int

    init(_ mapping: TableMapping, mapping whole: Mapping, options: ItemMapper.Options) {
        table = mapping.table
        entityType = mapping.entityType
        columns = mapping.columns.map {
            ColumnPlan(
                name: $0.name, typeName: $0.type.description, attributeName: $0.attributeName,
                conversion: ValueConversion($0.type, utcOffsetSeconds: options.sourceUTCOffsetSeconds),
                isNullable: $0.isNullable, isIncluded: !$0.isExcluded)
        }
        partitionKey = TemplatePlan(
            mapping.partitionKey, attributeName: whole.partitionKeyAttribute, lengthLimit: KeyLimit.partition,
            columns: mapping.columns)
        sortKey = TemplatePlan(
            mapping.sortKey, attributeName: whole.sortKeyAttribute, lengthLimit: KeyLimit.sort,
            columns: mapping.columns)
        indexes = mapping.indexKeys.map {
            IndexPlan(
                partitionKey: TemplatePlan(
                    $0.partitionKey, attributeName: $0.partitionKeyAttribute, lengthLimit: KeyLimit.partition,
                    columns: mapping.columns),
                sortKey: TemplatePlan(
                    $0.sortKey, attributeName: $0.sortKeyAttribute, lengthLimit: KeyLimit.sort,
                    columns: mapping.columns))
        }
        var keyColumns: [Int] = []
        for case .column(let index, _) in partitionKey.pieces + sortKey.pieces where !keyColumns.contains(index) {
            keyColumns.append(index)
        }
        keyColumnIndexes = keyColumns
        createdAtIndex = mapping.createdAtColumn.flatMap { mapping.columnIndex($0) }
        updatedAtIndex = mapping.updatedAtColumn.flatMap { mapping.columnIndex($0) }
        attributeCapacity = mapping.columns.count + 6 + 2 * mapping.indexKeys.count
    }

    // MARK: Rows

    func item(_ row: SourceRow, version: String) throws(MappingError) -> (ItemKey, Item) {
        try checkCount(row)
        var values = [AttributeValue?](repeating: nil, count: columns.count)
        for index in columns.indices {
            values[index] = try convert(row[index], column: index)
        }
        guard let pk = try render(partitionKey, values, required: true),
            let sk = try render(sortKey, values, required: true)
        else { preconditionFailure("required keys are rendered or throw") }

        var item = Item(minimumCapacity: attributeCapacity)
        var size = 0
        func put(_ name: String, _ value: AttributeValue) {
            item[name] = value
            size += name.utf8.count + Self.size(value)
        }
        put(partitionKey.attributeName, .s(pk))
        put(sortKey.attributeName, .s(sk))
        for index in indexes {
            // A NULL column leaves the whole pair out: a sparse index.
            guard let indexPK = try render(index.partitionKey, values, required: false),
                let indexSK = try render(index.sortKey, values, required: false)
            else { continue }
            put(index.partitionKey.attributeName, .s(indexPK))
            put(index.sortKey.attributeName, .s(indexSK))
        }
        for index in columns.indices where columns[index].isIncluded {
            if let value = values[index] { put(columns[index].attributeName, value) }
        }
        put(MigrationAttribute.entityType, .s(entityType))
        if let createdAtIndex, let value = values[createdAtIndex] { put(MigrationAttribute.createdAt, value) }
        if let updatedAtIndex, let value = values[updatedAtIndex] { put(MigrationAttribute.updatedAt, value) }
        put(MigrationAttribute.sourceVersion, .s(version))

        guard size <= ItemSize.limit else {
            throw MappingError(
                kind: .itemTooLarge, table: table,
                reason: "the item would be \(size) bytes, over DynamoDB's limit of \(ItemSize.limit) bytes (key \(pk) | \(sk))")
        }
        return (ItemKey(pk: pk, sk: sk), item)
    }

    func key(_ row: SourceRow) throws(MappingError) -> ItemKey {
        try checkCount(row)
        var values = [AttributeValue?](repeating: nil, count: columns.count)
        for index in keyColumnIndexes {
            values[index] = try convert(row[index], column: index)
        }
        guard let pk = try render(partitionKey, values, required: true),
            let sk = try render(sortKey, values, required: true)
        else { preconditionFailure("required keys are rendered or throw") }
        return ItemKey(pk: pk, sk: sk)
    }

    private func checkCount(_ row: SourceRow) throws(MappingError) {
        guard row.count == columns.count else {
            throw MappingError(
                kind: .wrongColumnCount, table: table,
                reason: "the row has \(row.count) values but the table has \(columns.count) columns")
        }
    }

    private func convert(_ value: SourceValue, column index: Int) throws(MappingError) -> AttributeValue? {
        let column = columns[index]
        if case .null = value {
            guard column.isNullable else {
                throw MappingError(
                    kind: .nullInNotNullColumn, table: table, column: column.name,
                    reason: "NULL in a NOT NULL column")
            }
            return nil
        }
        do throws(ValueError) {
            return try column.conversion.convert(value)
        } catch {
            throw MappingError(
                kind: error.kind, table: table, column: column.name, value: Self.display(value),
                reason: "\(error.reason) (\(column.typeName))")
        }
    }

    /// Renders a key template; nil when a column is NULL and the key is not required.
    private func render(_ template: TemplatePlan, _ values: [AttributeValue?], required: Bool)
        throws(MappingError) -> String?
    {
        var key = ""
        for piece in template.pieces {
            switch piece {
            case .literal(let text):
                key += text
            case .column(let index, let padding):
                let text: String
                switch values[index] {
                case .s(let value)?, .n(let value)?:
                    text = value
                case nil:
                    guard required else { return nil }
                    throw keyError(template, index, nil, "the key column is NULL")
                default:
                    // Validation keeps binary columns out of templates.
                    throw keyError(template, index, nil, "the key column is not text or a number")
                }
                if text.isEmpty {
                    throw keyError(template, index, text, "an empty value cannot be part of a key")
                }
                if text.utf8.contains(UInt8(ascii: "#")) {
                    throw keyError(template, index, text, "a key value must not contain `#`, the key separator")
                }
                if padding > 0 {
                    let count = text.utf8.count
                    guard text.utf8.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }) else {
                        let what = text.hasPrefix("-") ? "a negative number" : "not an unsigned integer"
                        throw keyError(template, index, text, "\(what) cannot be zero-padded to \(padding) digits")
                    }
                    guard count <= padding else {
                        throw keyError(template, index, text, "has more than the \(padding) digits its padding allows")
                    }
                    if count < padding { key += String(repeating: "0", count: padding - count) }
                }
                key += text
            }
        }
        guard key.utf8.count <= template.lengthLimit else {
            throw MappingError(
                kind: .invalidKey, table: table, value: key,
                reason: "\(template.attributeName) is \(key.utf8.count) bytes, over DynamoDB's limit of \(template.lengthLimit)")
        }
        return key
    }

    private func keyError(_ template: TemplatePlan, _ index: Int, _ value: String?, _ reason: String) -> MappingError {
        MappingError(
            kind: .invalidKey, table: table, column: columns[index].name, value: value,
            reason: "\(template.attributeName) `\(template.text)`: \(reason)")
    }

    /// The attribute value's size by DynamoDB's rule, conservatively and in O(1):
    /// a number's text length bounds its digit count.
    private static func size(_ value: AttributeValue) -> Int {
        switch value {
        case .s(let text): return text.utf8.count
        case .n(let text): return (text.utf8.count + 1) / 2 + 1
        case .b(let bytes): return bytes.count
        default: return ItemSize.of(value)
        }
    }

    private static func display(_ value: SourceValue) -> String {
        switch value {
        case .null: return "NULL"
        case .text(let text): return text
        case .bytes(let bytes):
            let hex = bytes.prefix(MappingError.valueLimit / 2).map { byte in
                let digits = Array("0123456789abcdef".utf8)
                return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 15)]], as: UTF8.self)
            }
            return "0x" + hex.joined()
        }
    }
}
