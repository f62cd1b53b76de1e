import BillingModel
import DynamoDBModel

/// Everything a plan learns from the rows, by entity (the mapping's
/// `EntityType`, which the load writes and `load --plan` paces by), in memory bounded by its
/// configuration whatever the input size: per entity the size distribution,
/// units, oversized and near-limit items, errors and colliding keys; per key
/// (the table's partition key and each index's) distinct values and the
/// heaviest values by items, bytes and write units. Pure: fed by the reader.
public struct PlanAccumulator: Sendable {
    public static let tableKey = "table"

    struct EntityKeyState: Sendable {
        var items = 0
        var writeUnits = 0
        var distinct: DistinctCounter
        var byWriteUnits: HeavyHitters
    }

    struct EntityState: Sendable {
        var rowsRead = 0
        var rowsOutsideSample = 0
        var items = 0
        var sizes = SizeDistribution(exactUpTo: ItemSize.limit)
        var tableWriteUnits = 0
        var indexWriteUnits: [String: Int] = [:]
        var storageBytes = 0
        var unreadable = 0
        var mappingErrors: [String: Int] = [:]
        var errorExamples: [String] = []
        var oversized = 0
        var oversizedItems: [PlanReport.ListedItem] = []
        var nearLimit = 0
        var nearLimitItems: [PlanReport.ListedItem] = []
        var collisions = 0
        var collisionExamples: [String] = []
        var keys: [String: EntityKeyState] = [:]
    }

    struct KeyState: Sendable {
        var items = 0
        var bytes = 0
        var writeUnits = 0
        var distinct: DistinctCounter
        var byItems: HeavyHitters
        var byBytes: HeavyHitters
        var byWriteUnits: HeavyHitters
    }

    public let configuration: PlanConfiguration
    let mapping: Mapping
    /// Key names in report order: `table`, then the mapping's indexes.
    let keyNames: [String]
    var entities: [String: EntityState] = [:]
    var keys: [String: KeyState] = [:]
    /// Hashes of the item keys seen, to find two rows mapped to one key.
    var itemKeys = HashedKeySet()
    var collisionCheckComplete = true

    /// Storage DynamoDB adds to every item and index entry.
    public static let storageOverheadBytes = 100

    public init(mapping: Mapping, configuration: PlanConfiguration) {
        self.mapping = mapping
        self.configuration = configuration
        self.keyNames = [Self.tableKey] + mapping.indexes.map(\.name)
        for name in keyNames {
            keys[name] = KeyState(
                distinct: DistinctCounter(exactLimit: configuration.exactDistinctLimit),
                byItems: HeavyHitters(capacity: configuration.heavyHitterCapacity),
                byBytes: HeavyHitters(capacity: configuration.heavyHitterCapacity),
                byWriteUnits: HeavyHitters(capacity: configuration.heavyHitterCapacity))
        }
        for table in mapping.tables { entities[table.entityType] = EntityState() }
    }

    /// A row whose partition is not in the sample: counted as read, nothing else.
    public mutating func addOutsideSample(entity: String) {
        entities[entity, default: EntityState()].rowsRead += 1
        entities[entity, default: EntityState()].rowsOutsideSample += 1
    }

    /// A row the reader could not parse: a dead letter of the load.
    public mutating func addUnreadable(entity: String, reason: String) {
        update(entity) { state in
            state.rowsRead += 1
            state.unreadable += 1
            if state.errorExamples.count < 3 { state.errorExamples.append(reason) }
        }
    }

    /// A row the mapper rejects: a dead letter of the load.
    public mutating func addRejected(entity: String, error: MappingError) {
        update(entity) { state in
            state.rowsRead += 1
            state.mappingErrors[error.kind.rawValue, default: 0] += 1
            if state.errorExamples.count < 3 { state.errorExamples.append(error.description) }
        }
    }

    /// A row mapped to its item's footprint.
    public mutating func add(entity: String, footprint: ItemFootprint) {
        let listed = configuration.listedItems
        if footprint.isOversized {
            update(entity) { state in
                state.rowsRead += 1
                state.oversized += 1
                state.sizes.add(footprint.size)
                if state.oversizedItems.count < listed {
                    state.oversizedItems.append(.init(key: footprint.key.description, bytes: footprint.size))
                }
            }
            return
        }
        let size = footprint.size
        let units = ItemSize.writeUnits(bytes: size)
        let tableHash = StableHash.of(footprint.key.pk)
        let collides = checkCollision(footprint.key, partitionHash: tableHash)
        let configuration = configuration
        update(entity) { state in
            state.rowsRead += 1
            state.items += 1
            state.sizes.add(size)
            state.tableWriteUnits += units
            state.storageBytes += size + Self.storageOverheadBytes
            if size * 10 > ItemSize.limit * 9 {
                state.nearLimit += 1
                if state.nearLimitItems.count < listed {
                    state.nearLimitItems.append(.init(key: footprint.key.description, bytes: size))
                }
            }
            if collides {
                state.collisions += 1
                if state.collisionExamples.count < 3 { state.collisionExamples.append(footprint.key.description) }
            }
            Self.addEntityKey(&state, configuration, Self.tableKey, footprint.key.pk, hash: tableHash, units: units)
            for indexKey in footprint.indexKeys {
                state.indexWriteUnits[indexKey.index, default: 0] += units
                state.storageBytes += size + Self.storageOverheadBytes
                Self.addEntityKey(&state, configuration, indexKey.index, indexKey.partitionKey, hash: StableHash.of(indexKey.partitionKey), units: units)
            }
        }
        addKey(Self.tableKey, footprint.key.pk, hash: tableHash, size: size, units: units)
        for indexKey in footprint.indexKeys {
            addKey(indexKey.index, indexKey.partitionKey, hash: StableHash.of(indexKey.partitionKey), size: size, units: units)
        }
    }

    private mutating func update(_ entity: String, _ body: (inout EntityState) -> Void) {
        body(&entities[entity, default: EntityState()])
    }

    private static func addEntityKey(
        _ state: inout EntityState, _ configuration: PlanConfiguration, _ name: String, _ value: String, hash: UInt64, units: Int
    ) {
        // One lookup, mutated in place: a copy taken out and stored back would
        // copy its sketch's storage on every item.
        Self.record(
            &state.keys[name, default: EntityKeyState(
                distinct: DistinctCounter(exactLimit: configuration.exactDistinctLimit),
                byWriteUnits: HeavyHitters(capacity: configuration.heavyHitterCapacity))],
            value, hash: hash, units: units)
    }

    private static func record(_ key: inout EntityKeyState, _ value: String, hash: UInt64, units: Int) {
        key.items += 1
        key.writeUnits += units
        key.distinct.add(hash: hash)
        key.byWriteUnits.add(value, hash: hash, weight: units)
    }

    private mutating func addKey(_ name: String, _ value: String, hash: UInt64, size: Int, units: Int) {
        // An index the mapping writes but does not declare still gets its figures.
        let configuration = configuration
        Self.record(
            &keys[name, default: KeyState(
                distinct: DistinctCounter(exactLimit: configuration.exactDistinctLimit),
                byItems: HeavyHitters(capacity: configuration.heavyHitterCapacity),
                byBytes: HeavyHitters(capacity: configuration.heavyHitterCapacity),
                byWriteUnits: HeavyHitters(capacity: configuration.heavyHitterCapacity))],
            value, hash: hash, size: size, units: units)
    }

    private static func record(_ key: inout KeyState, _ value: String, hash: UInt64, size: Int, units: Int) {
        key.items += 1
        key.bytes += size
        key.writeUnits += units
        key.distinct.add(hash: hash)
        key.byItems.add(value, hash: hash)
        key.byBytes.add(value, hash: hash, weight: size)
        key.byWriteUnits.add(value, hash: hash, weight: units)
    }

    /// Whether another row already mapped to this item key (while the check's memory lasts).
    private mutating func checkCollision(_ key: ItemKey, partitionHash: UInt64) -> Bool {
        guard collisionCheckComplete else { return false }
        let hash = StableHash.mix(partitionHash &+ StableHash.of(key.sk) &* 0x9e37_79b9_7f4a_7c15)
        guard itemKeys.count < configuration.collisionCheckLimit else {
            collisionCheckComplete = false
            itemKeys = HashedKeySet()
            return false
        }
        return !itemKeys.insert(hash)
    }
}
