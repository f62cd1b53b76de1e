import BillingModel
import DynamoDBModel

/// A source row with its table.
public struct SourceTableRow: Sendable {
    public var table: String
    public var row: SourceRow

    public init(table: String, row: SourceRow) {
        self.table = table
        self.row = row
    }
}

extension SourceTableRow {
    /// The row as an item, to keep in a spill file (`t`: the table, `r`: the values).
    public var spillItem: Item {
        ["t": .s(table), "r": .l(row.map { value in
            switch value {
            case .null: return .null
            case .text(let text): return .s(text)
            case .bytes(let bytes): return .b(bytes)
            }
        })]
    }

    /// The row `spillItem` made; nil for any other item.
    public init?(spillItem item: Item) {
        guard let table = item["t"]?.stringValue, case .l(let values)? = item["r"] else { return nil }
        var row: SourceRow = []
        for value in values {
            switch value {
            case .null: row.append(.null)
            case .s(let text): row.append(.text(text))
            case .b(let bytes): row.append(.bytes(bytes))
            default: return nil
            }
        }
        self.init(table: table, row: row)
    }
}

/// A reference to a subscriber that is not in the compared partition: the
/// caller looks it up (GSI1) and settles it with `PartitionOutcome.settleSubscriberReferences`.
public struct SubscriberReference: Sendable, Hashable {
    public var subscriberNo: String
    /// The orphan to report when no such subscriber item exists.
    public var orphan: Mismatch
}

/// What comparing one group of accounts found.
public struct PartitionOutcome: Sendable {
    /// Per entity (source table name; `(unknown)` for items of no known entity).
    public var tallies: [String: EntityTally] = [:]
    /// Every mismatch, ordered by key and kind.
    public var mismatches: [Mismatch] = []
    /// Tombstones and tracking items seen (not data).
    public var itemsNotData = 0
    /// Subscriber references to look up outside the partition.
    public var unresolvedSubscriberReferences: [SubscriberReference] = []
    /// Keys of items with no mismatch yet, whose count moves from matched to
    /// failed when an unresolved reference turns out to be an orphan.
    var cleanKeys: Set<ItemKey> = []

    public init() {}

    /// Adds the orphans among the unresolved references: those whose subscriber
    /// is not in `existing`. Call it once per outcome, with or without references. A reference in `danglingInSource` points at a
    /// subscriber the source lacks too: counted as a source orphan, not a mismatch.
    public mutating func settleSubscriberReferences(existing: Set<String>, danglingInSource: Set<String> = []) {
        for reference in unresolvedSubscriberReferences where !existing.contains(reference.subscriberNo) {
            let entity = reference.orphan.entity ?? PartitionComparator.unknownEntity
            if danglingInSource.contains(reference.subscriberNo) {
                tallies[entity, default: EntityTally()].sourceOrphans += 1
                continue
            }
            tallies[entity, default: EntityTally()].count(.orphan)
            if cleanKeys.remove(reference.orphan.key) != nil {
                tallies[entity, default: EntityTally()].matched -= 1
                tallies[entity, default: EntityTally()].failedKeys += 1
            }
            mismatches.append(reference.orphan)
        }
        // Settled: the references and the clean keys were kept only for this. A full run
        // keeps every range's outcome until it ends, and a million clean keys are 150 MB.
        unresolvedSubscriberReferences = []
        cleanKeys = []
        mismatches.sort(by: PartitionComparator.reportOrder)
    }
}

/// Compares source rows with the items of the same accounts (pure, no I/O).
///
/// The caller hands over complete partitions: all rows of a set of accounts and
/// all items whose partition key belongs to them, so that a missing, an extra
/// and an orphan item can each be decided from the group alone. Items are
/// compared attribute by attribute with the item the mapping makes of the row:
/// numbers as decimals, strings exactly (so `""` is not an absent NULL column),
/// `SourceVersion` ignored (it records order, not data).
public struct PartitionComparator: Sendable {
    public static let unknownEntity = "(unknown)"

    public let mapping: Mapping
    public let rules: RelationshipRules
    let mapper: ItemMapper
    let decoder: ItemDecoder
    /// The attributes of every GSI key.
    let indexAttributes: [String]
    let indexAttributeSet: Set<String>
    let ignoredAttributes: Set<String> = [MigrationAttribute.sourceVersion]
    /// The entities some other entity's partition must hold an item of.
    let parentEntities: Set<String>
    /// The attribute of `rules.subscriberColumn`.
    let subscriberAttribute: String?

    public init(
        mapping: Mapping, options: ItemMapper.Options = .init(), rules: RelationshipRules = .billing
    ) throws(MappingValidationError) {
        self.mapping = mapping
        self.mapper = try ItemMapper(mapping: mapping, options: options)
        self.decoder = ItemDecoder(mapping: mapping, options: options)
        var attributes: [String] = []
        for index in mapping.indexes {
            attributes.append(index.partitionKeyAttribute)
            attributes.append(index.sortKeyAttribute)
        }
        self.indexAttributes = attributes
        self.indexAttributeSet = Set(attributes)
        // Rules for tables the mapping does not have are dropped.
        var rules = rules
        rules.accountChildren = rules.accountChildren.filter { mapping.table($0) != nil }
        rules.subscriberChildren = rules.subscriberChildren.filter { mapping.table($0) != nil }
        if mapping.table(rules.accountEntity) == nil { rules.accountChildren = [] }
        if mapping.table(rules.subscriberEntity) == nil { rules.subscriberChildren = [] }
        rules.partitionParents = rules.partitionParents.filter { mapping.table($0.key) != nil && mapping.table($0.value) != nil }
        self.rules = rules
        self.parentEntities = Set(rules.partitionParents.values).union(rules.accountChildren.isEmpty ? [] : [rules.accountEntity])
        self.subscriberAttribute = mapping.table(rules.subscriberEntity)?.column(rules.subscriberColumn)?.attributeName
    }

    /// The key of the item a row of `table` maps to; nil when it does not map.
    public func key(table: String, row: SourceRow) -> ItemKey? {
        try? mapper.item(table: table, row: row, version: "0").key
    }

    /// Whether an item is data: not a tombstone, not a tracking item.
    public func isData(_ item: Item) -> Bool {
        !TombstoneBuilder.isTombstone(item)
            && item[mapping.partitionKeyAttribute]?.stringValue != TrackingItem.partitionKey
    }

    public func key(of item: Item) -> ItemKey? {
        guard let pk = item[mapping.partitionKeyAttribute]?.stringValue,
            let sk = item[mapping.sortKeyAttribute]?.stringValue
        else { return nil }
        return ItemKey(pk: pk, sk: sk)
    }

    /// The source table of an item, by its `EntityType`.
    public func entity(of item: Item) -> String? {
        item[MigrationAttribute.entityType]?.stringValue.flatMap { mapping.table(entityType: $0)?.table }
    }

    /// Compares `rows` with `items` (complete partitions, see the type's note).
    /// With `entities`, only rows and items of those tables are compared; items
    /// of other entities still count as parents for the orphan check.
    public func compare(rows: [SourceTableRow], items: [Item], entities: Set<String>? = nil) -> PartitionOutcome {
        var outcome = PartitionOutcome()
        func wanted(_ entity: String?) -> Bool {
            guard let entities else { return true }
            return entity.map(entities.contains) ?? false
        }

        // The data items by key, and the parents the orphan check looks for.
        var dataItems: [ItemKey: (item: Item, entity: String?)] = [:]
        dataItems.reserveCapacity(items.count)
        // Per parent entity, the partition keys holding its item.
        var parentPartitions: [String: Set<String>] = [:]
        var subscribers: Set<String> = []
        for item in items {
            guard isData(item), let key = key(of: item) else {
                outcome.itemsNotData += 1
                continue
            }
            let entity = entity(of: item)
            dataItems[key] = (item, entity)
            if let entity, parentEntities.contains(entity) { parentPartitions[entity, default: []].insert(key.pk) }
            if entity == rules.subscriberEntity, let subscriberAttribute,
                let number = item[subscriberAttribute]?.stringValue
            {
                subscribers.insert(number)
            }
            if wanted(entity) { outcome.tallies[entity ?? Self.unknownEntity, default: EntityTally()].items += 1 }
        }

        var failedKeys: [ItemKey: String] = [:]
        var cleanKeys: [ItemKey: String] = [:]
        var rowKeys: Set<ItemKey> = []
        func record(_ mismatch: Mismatch) {
            let entity = mismatch.entity ?? Self.unknownEntity
            outcome.tallies[entity, default: EntityTally()].count(mismatch.kind)
            outcome.mismatches.append(mismatch)
            failedKeys[mismatch.key] = entity
        }

        // Every row against its item.
        for source in rows where wanted(source.table) {
            let expected: (key: ItemKey, item: Item)
            do {
                expected = try mapper.item(table: source.table, row: source.row, version: "0")
            } catch {
                outcome.tallies[source.table, default: EntityTally()].unmappable += 1
                continue
            }
            outcome.tallies[source.table, default: EntityTally()].rows += 1
            rowKeys.insert(expected.key)
            guard let actual = dataItems[expected.key] else {
                record(Mismatch(
                    kind: .missing, entity: source.table, key: expected.key,
                    sourceKey: sourceKey(table: source.table, row: source.row)))
                continue
            }
            let differences = differences(expected: expected.item, actual: actual.item)
            if differences.contains(where: { !indexAttributeSet.contains($0.attribute) }) {
                record(Mismatch(
                    kind: .different, entity: source.table, key: expected.key,
                    sourceKey: sourceKey(table: source.table, row: source.row), differences: differences))
            } else {
                cleanKeys[expected.key] = source.table
            }
        }

        // Items: extra, inconsistent index keys, orphans.
        for (key, (item, entity)) in dataItems where wanted(entity) {
            let decodedRow = entity.flatMap { try? decoder.decode(item, table: $0) }
            let ownKey = entity.flatMap { table in decodedRow.flatMap { sourceKey(table: table, row: $0) } }
            if !rowKeys.contains(key) {
                record(Mismatch(
                    kind: .extra, entity: entity, key: key, sourceKey: ownKey,
                    detail: entity == nil ? "the item has no known EntityType" : "no source row maps to this key"))
                continue
            }
            guard let entity else { continue }
            if let row = decodedRow, let own = try? mapper.item(table: entity, row: row, version: "0") {
                let wrong = indexDifferences(produced: own.item, actual: item)
                if !wrong.isEmpty {
                    record(Mismatch(
                        kind: .gsiKeyMismatch, entity: entity, key: key, sourceKey: ownKey, differences: wrong,
                        detail: "index keys differ from what the item's own attributes produce"))
                }
            }
            if let parent = rules.parent(of: entity), !(parentPartitions[parent]?.contains(key.pk) ?? false) {
                record(Mismatch(
                    kind: .orphan, entity: entity, key: key, sourceKey: ownKey,
                    detail: "no \(parent) item in partition \(key.pk)"))
            }
            if rules.subscriberChildren.contains(entity), let subscriberAttribute,
                let number = item[subscriberAttribute]?.stringValue, !subscribers.contains(number)
            {
                outcome.unresolvedSubscriberReferences.append(SubscriberReference(
                    subscriberNo: number,
                    orphan: Mismatch(
                        kind: .orphan, entity: entity, key: key, sourceKey: ownKey,
                        detail: "no \(rules.subscriberEntity) item for \(rules.subscriberColumn) \(number)")))
            }
        }

        for (_, entity) in failedKeys { outcome.tallies[entity, default: EntityTally()].failedKeys += 1 }
        for (key, entity) in cleanKeys where failedKeys[key] == nil {
            outcome.tallies[entity, default: EntityTally()].matched += 1
            outcome.cleanKeys.insert(key)
        }
        outcome.mismatches.sort(by: Self.reportOrder)
        return outcome
    }

    /// The attributes whose values differ (SourceVersion ignored), by name.
    public func differences(expected: Item, actual: Item) -> [AttributeDifference] {
        var names = Set(expected.keys)
        names.formUnion(actual.keys)
        names.subtract(ignoredAttributes)
        var differences: [AttributeDifference] = []
        for name in names.sorted() {
            let left = expected[name]
            let right = actual[name]
            if !Self.sameValue(left, right) {
                differences.append(AttributeDifference(
                    attribute: name, expected: left.map(ReportedValue.init), actual: right.map(ReportedValue.init)))
            }
        }
        return differences
    }

    /// The index key attributes that differ between what the mapping produces and the item.
    func indexDifferences(produced: Item, actual: Item) -> [AttributeDifference] {
        indexAttributes.compactMap { name in
            let left = produced[name]
            let right = actual[name]
            guard !Self.sameValue(left, right) else { return nil }
            return AttributeDifference(
                attribute: name, expected: left.map(ReportedValue.init), actual: right.map(ReportedValue.init))
        }
    }

    /// Equal values; numbers by decimal value.
    static func sameValue(_ lhs: AttributeValue?, _ rhs: AttributeValue?) -> Bool {
        switch (lhs, rhs) {
        case (nil, nil): return true
        case (.n(let left)?, .n(let right)?): return left == right || DecimalText.equal(left, right)
        default: return lhs == rhs
        }
    }

    /// The primary key column values of a row of `table`.
    public func sourceKey(table: String, row: SourceRow) -> [KeyColumnValue]? {
        guard let mappingTable = mapping.table(table) else { return nil }
        var key: [KeyColumnValue] = []
        for column in mappingTable.primaryKey {
            guard let index = mappingTable.columnIndex(column), index < row.count else { return nil }
            switch row[index] {
            case .null: key.append(KeyColumnValue(column: column, value: nil))
            case .text(let text): key.append(KeyColumnValue(column: column, value: text))
            case .bytes(let bytes): key.append(KeyColumnValue(column: column, value: String(decoding: bytes, as: UTF8.self)))
            }
        }
        return key
    }

    static func reportOrder(_ lhs: Mismatch, _ rhs: Mismatch) -> Bool {
        (lhs.pk, lhs.sk, lhs.kind.rawValue) < (rhs.pk, rhs.sk, rhs.kind.rawValue)
    }
}
