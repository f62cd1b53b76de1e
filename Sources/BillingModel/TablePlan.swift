import DynamoDBModel

/// DynamoDB's key length limits (bytes of UTF-8).
enum KeyLimit {
    static let partition = 2048
    static let sort = 1024
}

/// One table's mapping, compiled for speed: columns by position, templates
/// over positions, and an item layout filled by position. Mapping a row does
/// no lookup by column or attribute name.
final class TablePlan: Sendable {
    struct ColumnPlan: Sendable {
        let name: String
        let typeName: String
        let conversion: ValueConversion
        let isNumber: Bool
        let isBinary: Bool
        let isNullable: Bool
    }

    /// A class, so passing one to `render` costs no copy of its fields.
    final class TemplatePlan: Sendable {
        enum Piece: Sendable {
            case literal([UInt8])
            /// `padding` 0 means none.
            case column(index: Int, padding: Int)
        }
        let pieces: [Piece]
        /// The pieces again for `write`, as trivially copyable parts over one
        /// array of the literals' bytes: a `Piece` holds an array, retained and
        /// released at each piece of every key written.
        struct Part: Sendable {
            let literal: Range<Int>
            let column: Int?
            let padding: Int
        }
        let parts: [Part]
        let literals: [UInt8]
        /// UTF-8 length of the literal pieces together.
        let literalLength: Int
        /// Positions of the columns the template uses.
        let columnIndexes: [Int]
        /// The position of the column when the template is `{column}` alone.
        let soleColumn: Int?
        let attributeName: String
        let text: String
        let lengthLimit: Int

        init(_ template: KeyTemplate, attributeName: String, lengthLimit: Int, columns: [ColumnSpec]) {
            pieces = template.segments.map {
                switch $0 {
                case .literal(let text): return .literal(Array(text.utf8))
                case .column(let name, let padding):
                    // Validation guarantees the column exists.
                    return .column(index: columns.firstIndex { $0.name == name }!, padding: padding ?? 0)
                }
            }
            var literals: [UInt8] = []
            parts = pieces.map {
                switch $0 {
                case .literal(let bytes):
                    literals += bytes
                    return Part(literal: literals.count - bytes.count..<literals.count, column: nil, padding: 0)
                case .column(let index, let padding):
                    return Part(literal: 0..<0, column: index, padding: padding)
                }
            }
            self.literals = literals
            literalLength = pieces.reduce(0) {
                if case .literal(let bytes) = $1 { return $0 + bytes.count }
                return $0
            }
            columnIndexes = pieces.compactMap {
                if case .column(let index, _) = $0 { return index }
                return nil
            }
            if pieces.count == 1, case .column(let index, 0) = pieces[0] {
                soleColumn = index
            } else {
                soleColumn = nil
            }
            self.attributeName = attributeName
            self.text = template.description
            self.lengthLimit = lengthLimit
        }
    }

    struct IndexPlan: Sendable {
        let name: String
        let partitionKey: TemplatePlan
        let sortKey: TemplatePlan
    }

    /// A row's converted values by column position: the attribute text of
    /// non-binary columns, the bytes of binary ones; nil for NULL (or not converted).
    struct ConvertedRow {
        var texts: [String?]
        var bytes: [[UInt8]?]

        func isNull(_ index: Int, _ hasBinaryColumns: Bool) -> Bool {
            texts[index] == nil && (!hasBinaryColumns || bytes[index] == nil)
        }
    }

    let table: String
    let entityType: String
    let columns: [ColumnPlan]
    let hasBinaryColumns: Bool
    let partitionKey: TemplatePlan
    let sortKey: TemplatePlan
    let indexes: [IndexPlan]
    /// Positions of the columns the PK/SK templates use, converted for `key(_:)`.
    let keyColumnIndexes: [Int]
    let createdAtIndex: Int?
    let updatedAtIndex: Int?
    /// Nullable columns whose NULL-ness selects a layout (at most
    /// `patternColumnLimit`), and one layout per combination: bit i set means
    /// `patternColumns[i]` is NULL, and that layout leaves its attributes out
    /// from the start. Other absent attributes are removed after filling.
    let patternColumns: [Int]
    let layouts: [ItemLayout]
    static let patternColumnLimit = 6
    /// The attribute names of a put request, encoded once (`encodePut`).
    let putPrefixes: PutPrefixes

    init(_ mapping: TableMapping, mapping whole: Mapping, options: ItemMapper.Options) {
        table = mapping.table
        entityType = mapping.entityType
        columns = mapping.columns.map {
            let conversion = ValueConversion($0.type, utcOffsetSeconds: options.sourceUTCOffsetSeconds)
            return ColumnPlan(
                name: $0.name, typeName: $0.type.description, conversion: conversion,
                isNumber: conversion.isNumber, isBinary: conversion.isBinary, isNullable: $0.isNullable)
        }
        hasBinaryColumns = columns.contains { $0.isBinary }
        partitionKey = TemplatePlan(
            mapping.partitionKey, attributeName: whole.partitionKeyAttribute, lengthLimit: KeyLimit.partition,
            columns: mapping.columns)
        sortKey = TemplatePlan(
            mapping.sortKey, attributeName: whole.sortKeyAttribute, lengthLimit: KeyLimit.sort,
            columns: mapping.columns)
        indexes = mapping.indexKeys.map {
            IndexPlan(
                name: $0.indexName,
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
        // Columns whose NULL removes something from the item: included
        // nullable columns and nullable columns of index key templates.
        let indexColumns = Set(indexes.flatMap { $0.partitionKey.columnIndexes + $0.sortKey.columnIndexes })
        let patternColumns = mapping.columns.indices.filter { index in
            mapping.columns[index].isNullable && (!mapping.columns[index].isExcluded || indexColumns.contains(index))
        }.prefix(Self.patternColumnLimit)
        self.patternColumns = Array(patternColumns)
        putPrefixes = PutPrefixes(mapping, mapping: whole, columns: columns)
        let indexes = self.indexes
        let createdAtIndex = self.createdAtIndex
        let updatedAtIndex = self.updatedAtIndex
        layouts = (0..<(1 << patternColumns.count)).map { pattern in
            let nullColumns = Set(patternColumns.enumerated().filter { pattern & (1 << $0.offset) != 0 }.map(\.element))
            return ItemLayout(
                partitionKey: whole.partitionKeyAttribute, sortKey: whole.sortKeyAttribute,
                indexKeys: zip(mapping.indexKeys, indexes).map { pair, plan in
                    let columns = plan.partitionKey.columnIndexes + plan.sortKey.columnIndexes
                    return columns.contains(where: nullColumns.contains)
                        ? nil : (pair.partitionKeyAttribute, pair.sortKeyAttribute)
                },
                columns: mapping.columns.enumerated().map {
                    $0.element.isExcluded || nullColumns.contains($0.offset) ? nil : $0.element.attributeName
                },
                entityType: mapping.entityType,
                hasCreatedAt: createdAtIndex.map { !nullColumns.contains($0) } ?? false,
                hasUpdatedAt: updatedAtIndex.map { !nullColumns.contains($0) } ?? false)
        }
    }

    // MARK: Rows

    /// A row that passed every check of its item, held by plan position: the
    /// converted values, its NULL pattern's layout and the item's size. Turning
    /// it into an `Item` cannot fail; a dry run stops before that step.
    struct CheckedRow {
        var values: ConvertedRow
        let layout: ItemLayout
        /// UTF-8 lengths of the PK and SK.
        let keyLengths: (partition: Int, sort: Int)
        /// Bit i set: index i's key pair is in the item (no NULL in its templates).
        let presentIndexes: UInt64
        /// The item's size as `ItemSize` counts it.
        let size: Int
    }

    func item(_ row: SourceRow, version: String) throws(MappingError) -> (ItemKey, Item) {
        materialize(try check(row, version: version), version: version)
    }

    /// Converts a row and checks everything its item must satisfy (values, keys,
    /// size), building neither the keys nor the item.
    func check(_ row: SourceRow, version: String) throws(MappingError) -> CheckedRow {
        let checked = try measureItem(row, version: version)
        let size = checked.size
        guard size <= ItemSize.limit else {
            let key = "\(build(partitionKey, checked.values.texts, length: checked.keyLengths.partition)) | \(build(sortKey, checked.values.texts, length: checked.keyLengths.sort))"
            throw MappingError(
                kind: .itemTooLarge, table: table,
                reason: "the item would be \(size) bytes, over DynamoDB's limit of \(ItemSize.limit) bytes (key \(key))")
        }
        return checked
    }

    /// The key, size and index partition keys of a row's item, with every check
    /// `check` makes except the size limit: a plan reports oversized items.
    func footprint(_ row: SourceRow, version: String) throws(MappingError) -> ItemFootprint {
        let checked = try measureItem(row, version: version)
        let size = checked.size
        let texts = checked.values.texts
        var indexKeys: [ItemFootprint.IndexKey] = []
        indexKeys.reserveCapacity(checked.presentIndexes.nonzeroBitCount)
        for position in indexes.indices where checked.presentIndexes & (1 << UInt64(position)) != 0 {
            indexKeys.append(.init(index: indexes[position].name, partitionKey: build(indexes[position].partitionKey, texts)))
        }
        return ItemFootprint(
            key: ItemKey(
                pk: build(partitionKey, texts, length: checked.keyLengths.partition),
                sk: build(sortKey, texts, length: checked.keyLengths.sort)),
            size: size, indexKeys: indexKeys)
    }

    /// `footprint(_:version:)` with the keys written into a reused buffer.
    func footprint(_ row: SourceRow, version: String, into footprint: inout FootprintBytes) throws(MappingError) {
        // The keys' ends are set as `measureItem` measures them, then every key is written in one pass.
        let checked = try measureItem(row, version: version, keys: &footprint)
        let texts = checked.values.texts
        footprint.size = checked.size
        footprint.reserve(footprint.length)
        footprint.storage.withUnsafeMutableBufferPointer { buffer in
            var at = write(partitionKey, texts, into: buffer, at: 0)
            at += write(sortKey, texts, into: buffer, at: at)
            for position in indexes.indices where checked.presentIndexes & (1 << UInt64(position)) != 0 {
                at += write(indexes[position].partitionKey, texts, into: buffer, at: at)
            }
        }
    }

    private func measureItem(_ row: SourceRow, version: String) throws(MappingError) -> CheckedRow {
        var ignored = IgnoredKeyLengths()
        return try measureItem(row, version: version, keys: &ignored)
    }

    /// Converts a row and checks its values and keys, summing its item's size;
    /// tells `keys` the key lengths it measures (a plan's footprint keeps them).
    private func measureItem<Keys: KeyLengths>(_ row: SourceRow, version: String, keys: inout Keys) throws(MappingError)
        -> CheckedRow
    {
        try checkCount(row)
        var values = emptyRow()
        for index in columns.indices {
            try convert(row[index], column: index, into: &values)
        }
        let pkLength = try measure(partitionKey, values.texts, required: true)!
        let skLength = try measure(sortKey, values.texts, required: true)!
        keys.start(partitionKeyLength: pkLength, sortKeyLength: skLength)

        var pattern = 0
        for (bit, index) in patternColumns.enumerated() where values.isNull(index, hasBinaryColumns) {
            pattern |= 1 << bit
        }
        let layout = layouts[pattern]
        // The size adds up what `materialize` will store, slot by slot.
        var size = layout.fixedSize + layout.partitionKey.nameSize + pkLength + layout.sortKey.nameSize + skLength
        var presentIndexes: UInt64 = 0
        for position in indexes.indices {
            guard let slots = layout.indexKeys[position] else { continue }
            // A NULL column leaves the whole pair out: a sparse index.
            guard let indexPK = try measure(indexes[position].partitionKey, values.texts, required: false),
                let indexSK = try measure(indexes[position].sortKey, values.texts, required: false)
            else { continue }
            presentIndexes |= 1 << UInt64(position)
            keys.addIndex(position, partitionKeyLength: indexPK)
            size += slots.partitionKey.nameSize + indexPK + slots.sortKey.nameSize + indexSK
        }
        if let slot = layout.createdAt, let createdAtIndex, let text = values.texts[createdAtIndex] {
            size += slot.nameSize + text.utf8.count
        }
        if let slot = layout.updatedAt, let updatedAtIndex, let text = values.texts[updatedAtIndex] {
            size += slot.nameSize + text.utf8.count
        }
        size += layout.sourceVersion.nameSize + version.utf8.count
        for index in columns.indices {
            guard let slot = layout.columns[index] else { continue }
            if let text = values.texts[index] {
                size += slot.nameSize + (columns[index].isNumber ? ItemSize.numberSize(text) : text.utf8.count)
            } else if hasBinaryColumns, let bytes = values.bytes[index] {
                size += slot.nameSize + bytes.count
            }
        }
        return CheckedRow(
            values: values, layout: layout, keyLengths: (pkLength, skLength), presentIndexes: presentIndexes, size: size)
    }

    /// The key and item of a checked row: a copy of its layout's template filled
    /// by position. Slots left holding the `.null` placeholder (NULLs beyond the
    /// pattern columns, index pairs with such a NULL) are removed last, since
    /// removing moves other entries.
    func materialize(_ checked: consuming CheckedRow, version: String) -> (ItemKey, Item) {
        let layout = checked.layout
        let pk = build(partitionKey, checked.values.texts, length: checked.keyLengths.partition)
        let sk = build(sortKey, checked.values.texts, length: checked.keyLengths.sort)
        var item = layout.template
        var hasAbsent = false
        layout.partitionKey.fill(&item, .s(pk))
        layout.sortKey.fill(&item, .s(sk))
        for position in indexes.indices {
            guard let slots = layout.indexKeys[position] else { continue }
            guard checked.presentIndexes & (1 << UInt64(position)) != 0 else {
                hasAbsent = true
                continue
            }
            slots.partitionKey.fill(&item, .s(build(indexes[position].partitionKey, checked.values.texts)))
            slots.sortKey.fill(&item, .s(build(indexes[position].sortKey, checked.values.texts)))
        }
        if let slot = layout.createdAt {
            if let createdAtIndex, let text = checked.values.texts[createdAtIndex] {
                slot.fill(&item, .s(text))
            } else {
                hasAbsent = true
            }
        }
        if let slot = layout.updatedAt {
            if let updatedAtIndex, let text = checked.values.texts[updatedAtIndex] {
                slot.fill(&item, .s(text))
            } else {
                hasAbsent = true
            }
        }
        layout.sourceVersion.fill(&item, .s(version))
        for index in columns.indices {
            guard let slot = layout.columns[index] else { continue }
            // The converted values are not needed after this: move them, do not copy.
            if let text = checked.values.texts[index].take() {
                slot.fill(&item, columns[index].isNumber ? .n(text) : .s(text))
            } else if hasBinaryColumns, let bytes = checked.values.bytes[index].take() {
                slot.fill(&item, .b(bytes))
            } else {
                hasAbsent = true
            }
        }
        if hasAbsent {
            var absent: [String] = []
            absent.reserveCapacity(layout.optionalSlots.count)
            for (slot, name) in zip(layout.optionalSlots, layout.optionalSlotNames) {
                if case .null = item.values[slot.position] { absent.append(name) }
            }
            for name in absent { item.removeValue(forKey: name) }
        }
        return (ItemKey(pk: pk, sk: sk), item)
    }

    func key(_ row: SourceRow) throws(MappingError) -> ItemKey {
        try checkCount(row)
        var values = emptyRow()
        for index in keyColumnIndexes {
            try convert(row[index], column: index, into: &values)
        }
        let pkLength = try measure(partitionKey, values.texts, required: true)!
        let skLength = try measure(sortKey, values.texts, required: true)!
        return ItemKey(
            pk: build(partitionKey, values.texts, length: pkLength), sk: build(sortKey, values.texts, length: skLength))
    }

    private func emptyRow() -> ConvertedRow {
        ConvertedRow(
            texts: [String?](repeating: nil, count: columns.count),
            bytes: hasBinaryColumns ? [[UInt8]?](repeating: nil, count: columns.count) : [])
    }

    private func checkCount(_ row: SourceRow) throws(MappingError) {
        guard row.count == columns.count else {
            throw MappingError(
                kind: .wrongColumnCount, table: table,
                reason: "the row has \(row.count) values but the table has \(columns.count) columns")
        }
    }

    private func convert(_ value: SourceValue, column index: Int, into values: inout ConvertedRow)
        throws(MappingError)
    {
        if case .null = value {
            if !columns[index].isNullable, case .string = columns[index].conversion {
                // DMS CSV writes NULL and (unquoted) '' the same way; a NOT NULL text
                // column cannot hold NULL, so the value is the empty string.
                values.texts[index] = ""
                return
            }
            guard columns[index].isNullable else {
                throw MappingError(
                    kind: .nullInNotNullColumn, table: table, column: columns[index].name,
                    reason: "NULL in a NOT NULL column")
            }
            return
        }
        do throws(ValueError) {
            if columns[index].isBinary {
                values.bytes[index] = try columns[index].conversion.bytes(of: value)
            } else {
                values.texts[index] = try columns[index].conversion.text(of: value)
            }
        } catch {
            throw MappingError(
                kind: error.kind, table: table, column: columns[index].name, value: Self.display(value),
                reason: "\(error.reason) (\(columns[index].typeName))")
        }
    }

    /// Checks a key template's values and returns the key's UTF-8 length; nil when
    /// a column is NULL and the key is not required.
    private func measure(_ template: TemplatePlan, _ texts: [String?], required: Bool) throws(MappingError) -> Int? {
        var length = template.literalLength
        for piece in template.pieces {
            guard case .column(let index, let padding) = piece else { continue }
            guard let text = texts[index] else {
                guard required else { return nil }
                let reason = columns[index].isBinary ? "a binary column cannot be part of a key" : "the key column is NULL"
                throw keyError(template, index, nil, reason)
            }
            let count = text.utf8.count
            if count == 0 {
                throw keyError(template, index, text, "an empty value cannot be part of a key")
            }
            let (hasSeparator, allDigits) = Self.scanKeyValue(text)
            if hasSeparator {
                throw keyError(template, index, text, "a key value must not contain `#`, the key separator")
            }
            if padding > 0 {
                guard allDigits else {
                    let what = text.hasPrefix("-") ? "a negative number" : "not an unsigned integer"
                    throw keyError(template, index, text, "\(what) cannot be zero-padded to \(padding) digits")
                }
                guard count <= padding else {
                    throw keyError(template, index, text, "has more than the \(padding) digits its padding allows")
                }
                length += padding
            } else {
                length += count
            }
        }
        guard length <= template.lengthLimit else {
            throw MappingError(
                kind: .invalidKey, table: table,
                reason: "\(template.attributeName) is \(length) bytes, over DynamoDB's limit of \(template.lengthLimit)")
        }
        return length
    }

    /// Writes a key whose values `measure` checked, in one allocation.
    func build(_ template: TemplatePlan, _ texts: [String?], length: Int? = nil) -> String {
        // `{column}` alone is the value itself: no new string.
        if let index = template.soleColumn { return texts[index]! }
        return String(unsafeUninitializedCapacity: length ?? self.length(of: template, texts)) {
            write(template, texts, into: $0, at: 0)
        }
    }

    /// The UTF-8 length of a key whose values `measure` checked.
    private func length(of template: TemplatePlan, _ texts: [String?]) -> Int {
        template.pieces.reduce(0) {
            switch $1 {
            case .literal(let bytes): return $0 + bytes.count
            case .column(let index, let padding): return $0 + max(padding, texts[index]!.utf8.count)
            }
        }
    }

    /// Writes a key whose values `measure` checked into `buffer` at `offset`; returns its length.
    private func write(_ template: TemplatePlan, _ texts: [String?], into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) -> Int {
        // Byte by byte: keys are short, a call to copy a few bytes costs more.
        func copy(_ bytes: UnsafeBufferPointer<UInt8>, at: inout Int) {
            for byte in bytes {
                buffer[at] = byte
                at += 1
            }
        }
        var at = offset
        template.literals.withUnsafeBufferPointer { literals in
            for part in template.parts {
                copy(UnsafeBufferPointer(rebasing: literals[part.literal]), at: &at)
                guard let index = part.column, let text = texts[index] else { continue }  // checked above
                let count = text.utf8.count
                if part.padding > count {
                    for _ in 0..<(part.padding - count) {
                        buffer[at] = UInt8(ascii: "0")
                        at += 1
                    }
                }
                if text.utf8.withContiguousStorageIfAvailable({ copy($0, at: &at) }) == nil {
                    at += copyUTF8(of: text, into: buffer, at: at)
                }
            }
        }
        return at - offset
    }

    /// Whether a key value holds the `#` separator, and whether it is all ASCII digits.
    private static func scanKeyValue(_ text: String) -> (hasSeparator: Bool, allDigits: Bool) {
        func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> (Bool, Bool) {
            var allDigits = true
            for byte in bytes {
                if byte == UInt8(ascii: "#") { return (true, false) }
                if byte &- UInt8(ascii: "0") >= 10 { allDigits = false }
            }
            return (false, allDigits)
        }
        if let result = text.utf8.withContiguousStorageIfAvailable(scan) { return result }
        var copy = text
        return copy.withUTF8(scan)
    }

    private func keyError(_ template: TemplatePlan, _ index: Int, _ value: String?, _ reason: String) -> MappingError {
        MappingError(
            kind: .invalidKey, table: table, column: columns[index].name, value: value,
            reason: "\(template.attributeName) `\(template.text)`: \(reason)")
    }

    private static func display(_ value: SourceValue) -> String {
        switch value {
        case .null: return "NULL"
        case .text(let text): return text
        case .bytes(let bytes):
            let digits = Array("0123456789abcdef".utf8)
            var hex: [UInt8] = Array("0x".utf8)
            for byte in bytes.prefix(MappingError.valueLimit / 2) {
                hex.append(digits[Int(byte >> 4)])
                hex.append(digits[Int(byte & 15)])
            }
            return String(decoding: hex, as: UTF8.self)
        }
    }
}

/// Every attribute an item of one table can carry, as a template item holding
/// placeholders, with each attribute's position in it. Mapping a row copies
/// the template (a copy keeps positions, so nothing is rehashed) and stores
/// values by position, so building an item hashes no attribute name unless
/// some attribute is absent and has to be removed.
final class ItemLayout: Sendable {
    /// An attribute's position in the template; trivially copyable.
    struct Slot: Sendable {
        let position: Item.Index
        let nameSize: Int

        func fill(_ item: inout Item, _ value: AttributeValue) {
            item.values[position] = value
        }
    }

    struct IndexPair: Sendable {
        let partitionKey: Slot
        let sortKey: Slot
    }

    let template: Item
    let partitionKey: Slot
    let sortKey: Slot
    /// Per index, nil when this layout leaves the pair out.
    let indexKeys: [IndexPair?]
    /// Per column, nil when the column is excluded or this layout leaves it out.
    let columns: [Slot?]
    let createdAt: Slot?
    let updatedAt: Slot?
    let sourceVersion: Slot
    /// The slots that may stay empty (index keys, columns, `CreatedAt`,
    /// `UpdatedAt`), and their attribute names.
    let optionalSlots: [Slot]
    let optionalSlotNames: [String]
    /// Size of the attributes whose value is fixed (`EntityType`).
    let fixedSize: Int

    init(
        partitionKey: String, sortKey: String, indexKeys: [(String, String)?], columns: [String?], entityType: String,
        hasCreatedAt: Bool, hasUpdatedAt: Bool
    ) {
        var optionalNames = indexKeys.compactMap { $0 }.flatMap { [$0.0, $0.1] } + columns.compactMap { $0 }
        if hasCreatedAt { optionalNames.append(MigrationAttribute.createdAt) }
        if hasUpdatedAt { optionalNames.append(MigrationAttribute.updatedAt) }
        let names = [partitionKey, sortKey, MigrationAttribute.sourceVersion] + optionalNames
        var template = Item(minimumCapacity: names.count + 1)
        for name in names { template[name] = .null }
        template[MigrationAttribute.entityType] = .s(entityType)
        fixedSize = MigrationAttribute.entityType.utf8.count + entityType.utf8.count

        func slot(_ name: String) -> Slot {
            // Validation guarantees names are distinct, so each is in the template.
            Slot(position: template.index(forKey: name)!, nameSize: name.utf8.count)
        }
        self.partitionKey = slot(partitionKey)
        self.sortKey = slot(sortKey)
        self.indexKeys = indexKeys.map { $0.map { IndexPair(partitionKey: slot($0.0), sortKey: slot($0.1)) } }
        self.columns = columns.map { $0.map(slot) }
        self.createdAt = hasCreatedAt ? slot(MigrationAttribute.createdAt) : nil
        self.updatedAt = hasUpdatedAt ? slot(MigrationAttribute.updatedAt) : nil
        self.sourceVersion = slot(MigrationAttribute.sourceVersion)
        self.optionalSlots = optionalNames.map(slot)
        self.optionalSlotNames = optionalNames
        self.template = template
    }
}

/// The key lengths `measureItem` measures, for whoever keeps them.
protocol KeyLengths {
    mutating func start(partitionKeyLength: Int, sortKeyLength: Int)
    mutating func addIndex(_ position: Int, partitionKeyLength: Int)
}

/// A load's: the lengths are in the checked row, the index keys' not needed.
private struct IgnoredKeyLengths: KeyLengths {
    func start(partitionKeyLength: Int, sortKeyLength: Int) {}
    func addIndex(_ position: Int, partitionKeyLength: Int) {}
}

extension FootprintBytes: KeyLengths {}
