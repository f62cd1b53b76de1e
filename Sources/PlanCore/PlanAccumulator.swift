import BillingModel
import DynamoDBModel

/// Everything a plan learns from the rows, by entity (the mapping's
/// `EntityType`, which the load writes and `load --plan` paces by), in memory bounded by its
/// configuration whatever the input size: per entity the size distribution,
/// units, oversized and near-limit items, errors and colliding keys; per key
/// (the table's partition key and each index's) distinct values and the
/// heaviest values by items, bytes and write units. Pure: fed by the reader.
///
/// Entities and keys are held by position, found by name once (`entity(named:)`
/// per file; an index's position by comparing its few names), so a row costs
/// no hashing of a name.
public struct PlanAccumulator: Sendable {
    public static let tableKey = "table"

    /// An entity's position, found once per file by `entity(named:)`.
    public struct Entity: Sendable, Hashable {
        let position: Int
    }

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
        /// By key position (`keyNames`); nil until an item has that key. An
        /// index's write units are its `writeUnits`.
        var keys: [EntityKeyState?] = []
    }

    /// A key's figures over all entities. Its distinct values are the union of
    /// the entities' (`distinctValues(at:)`), not counted twice per row.
    struct KeyState: Sendable {
        var items = 0
        var bytes = 0
        var writeUnits = 0
        var byItems: HeavyHitters
        var byBytes: HeavyHitters
        var byWriteUnits: HeavyHitters
    }

    public let configuration: PlanConfiguration
    let mapping: Mapping
    /// Key names by position: `table`, the mapping's indexes, then indexes the
    /// items name that the mapping does not declare, as they appear.
    var keyNames: [String]
    /// How many of `keyNames` the mapping declares (report order; the rest are sorted).
    let declaredKeyCount: Int
    var keys: [KeyState]
    /// Entity names by position: the mapping's entity types first.
    var entityNames: [String] = []
    var entityPositions: [String: Int] = [:]
    var entities: [EntityState] = []
    /// The item keys seen, to find two rows mapped to one key.
    var collisionCheck: CollisionCheck
    /// By key position: the rows' weights per value not yet in the sketches.
    var tallies: [KeyTally]

    /// Storage DynamoDB adds to every item and index entry.
    public static let storageOverheadBytes = 100

    public init(mapping: Mapping, configuration: PlanConfiguration) {
        self.mapping = mapping
        self.configuration = configuration
        self.keyNames = [Self.tableKey] + mapping.indexes.map(\.name)
        self.declaredKeyCount = keyNames.count
        self.collisionCheck = CollisionCheck(limit: configuration.collisionCheckLimit)
        self.keys = []
        self.tallies = Array(repeating: KeyTally(), count: keyNames.count)
        keys = keyNames.map { _ in newKeyState() }
        for table in mapping.tables { _ = entity(named: table.entityType) }
    }

    /// The entity's position, added on first use.
    public mutating func entity(named name: String) -> Entity {
        if let position = entityPositions[name] { return Entity(position: position) }
        entityPositions[name] = entities.count
        entityNames.append(name)
        entities.append(EntityState(keys: Array(repeating: nil, count: keyNames.count)))
        return Entity(position: entities.count - 1)
    }

    /// The key's position, added on first use: a scan of a few names (an
    /// index's name in a footprint is the mapper's own string, so equal ones
    /// compare at once), where a dictionary would hash it.
    mutating func keyPosition(_ name: String) -> Int {
        if let position = keyNames.firstIndex(of: name) { return position }
        keyNames.append(name)
        keys.append(newKeyState())
        tallies.append(KeyTally())
        for position in entities.indices { entities[position].keys.append(nil) }
        return keyNames.count - 1
    }

    private func newKeyState() -> KeyState {
        KeyState(
            byItems: HeavyHitters(capacity: configuration.heavyHitterCapacity),
            byBytes: HeavyHitters(capacity: configuration.heavyHitterCapacity),
            byWriteUnits: HeavyHitters(capacity: configuration.heavyHitterCapacity))
    }

    /// A row whose partition is not in the sample: counted as read, nothing else.
    public mutating func addOutsideSample(entity name: String) { addOutsideSample(entity(named: name)) }

    public mutating func addOutsideSample(_ entity: Entity) {
        entities[entity.position].rowsRead += 1
        entities[entity.position].rowsOutsideSample += 1
    }

    /// A row the reader could not parse: a dead letter of the load.
    public mutating func addUnreadable(entity name: String, reason: String) { addUnreadable(entity(named: name), reason: reason) }

    public mutating func addUnreadable(_ entity: Entity, reason: String) {
        Self.modify(&entities[entity.position]) { state in
            state.rowsRead += 1
            state.unreadable += 1
            if state.errorExamples.count < 3 { state.errorExamples.append(reason) }
        }
    }

    /// A row the mapper rejects: a dead letter of the load.
    public mutating func addRejected(entity name: String, error: MappingError) { addRejected(entity(named: name), error: error) }

    public mutating func addRejected(_ entity: Entity, error: MappingError) {
        Self.modify(&entities[entity.position]) { state in
            state.rowsRead += 1
            state.mappingErrors[error.kind.rawValue, default: 0] += 1
            if state.errorExamples.count < 3 { state.errorExamples.append(error.description) }
        }
    }

    /// Where one table's rows land, found by name once: its entity, and the
    /// key position of each of the table's index keys (`TableMapping.indexKeys`).
    public struct TableRows: Sendable {
        public let entity: Entity
        let indexKeys: [Int]
    }

    /// The positions for a table's rows: `indexes` are its index keys' index names, in order.
    public mutating func rows(entity name: String, indexes: [String]) -> TableRows {
        TableRows(entity: entity(named: name), indexKeys: indexes.map { keyPosition($0) })
    }

    /// A row mapped to its item's footprint.
    public mutating func add(entity name: String, footprint: ItemFootprint) {
        add(FootprintBytes(footprint), to: rows(entity: name, indexes: footprint.indexKeys.map(\.index)))
    }

    public mutating func add(_ footprint: FootprintBytes, to rows: TableRows) {
        let listed = configuration.listedItems
        let entity = rows.entity.position
        if footprint.isOversized {
            Self.modify(&entities[entity]) { state in
                state.rowsRead += 1
                state.oversized += 1
                state.sizes.add(footprint.size)
                if state.oversizedItems.count < listed {
                    state.oversizedItems.append(.init(key: footprint.itemKey.description, bytes: footprint.size))
                }
            }
            return
        }
        let size = footprint.size
        let units = ItemSize.writeUnits(bytes: size)
        let tableHash = tally(footprint, key: 0, at: 0, entity: entity, size: size, units: units)
        if collisionCheck.isComplete {
            // The sort key's hash is only compared in memory: eight bytes a step.
            let itemHash = StableHash.mix(tableHash &+ footprint.withKey(1, StableHash.ofWords) &* 0x9e37_79b9_7f4a_7c15)
            collisionCheck.enqueue(hash: itemHash, entity: entity, footprint: footprint)
            if collisionCheck.isBatchFull { checkCollisions() }
        }
        Self.modify(&entities[entity]) { state in
            state.rowsRead += 1
            state.items += 1
            state.sizes.add(size)
            state.tableWriteUnits += units
            state.storageBytes += (size + Self.storageOverheadBytes) * (1 + footprint.indexCount)
            if size * 10 > ItemSize.limit * 9 {
                state.nearLimit += 1
                if state.nearLimitItems.count < listed {
                    state.nearLimitItems.append(.init(key: footprint.itemKey.description, bytes: size))
                }
            }
        }
        for (n, index) in footprint.indexes.enumerated() {
            tally(footprint, key: 2 + n, at: rows.indexKeys[index], entity: entity, size: size, units: units)
        }
    }

    /// Adds a row's weights to its value of the key at `position` (key `key`
    /// of `footprint`): in the key's tally, or straight into the sketches when
    /// another value could make one shrink. Returns the value's hash.
    @discardableResult
    private mutating func tally(_ footprint: FootprintBytes, key: Int, at position: Int, entity: Int, size: Int, units: Int) -> UInt64 {
        if tallies[position].entity != entity {
            feedSketches(position)
            tallies[position].entity = entity
        }
        return footprint.withKey(key) { value in
            let found = tallies[position].find(value)
            let hash = found.hash
            var entry = found.entry
            if entry == nil {
                if tallies[position].isFull || !sketchesFit(position, entity, newKeys: tallies[position].count + 1) {
                    feedSketches(position)
                }
                if sketchesFit(position, entity, newKeys: 1) { entry = tallies[position].append(value, hash: hash) }
            }
            if let entry {
                tallies[position].add(bytes: size, writeUnits: units, to: entry)
            } else {
                feed(position, entity, hash: hash, items: 1, bytes: size, units: units) { String(decoding: value, as: UTF8.self) }
            }
            return hash
        }
    }

    /// Whether `newKeys` more values of the key at `position` leave its
    /// heavy-hitter sketches (all entities', and the entity's) unshrunk.
    private func sketchesFit(_ position: Int, _ entity: Int, newKeys: Int) -> Bool {
        keys[position].byItems.fits(newKeys: newKeys) && keys[position].byBytes.fits(newKeys: newKeys)
            && keys[position].byWriteUnits.fits(newKeys: newKeys)
            && entities[entity].keys[position]?.byWriteUnits.fits(newKeys: newKeys) ?? true
    }

    /// Feeds the tally of the key at `position` into its sketches and empties it.
    mutating func feedSketches(_ position: Int) {
        guard !tallies[position].isEmpty else { return }
        // Taken out while it is read, so emptying it keeps its storage (no copy).
        var tally = KeyTally()
        swap(&tally, &tallies[position])
        for entry in tally.entries {
            feed(position, tally.entity, hash: entry.hash, items: entry.items, bytes: entry.bytes, units: entry.writeUnits) {
                tally.value(entry)
            }
        }
        tally.removeAll()
        swap(&tally, &tallies[position])
    }

    /// Feeds every tally: before the sketches are read or merged.
    mutating func feedSketches() {
        for position in tallies.indices { feedSketches(position) }
    }

    var hasTallies: Bool { tallies.contains { !$0.isEmpty } }

    /// Adds `items` rows of one value, weighing `bytes` and `units` together,
    /// to the key's sketches; `value` makes its text, asked only when a sketch starts counting it.
    private mutating func feed(_ position: Int, _ entity: Int, hash: UInt64, items: Int, bytes: Int, units: Int, value: () -> String) {
        addEntityKey(entity, position, hash: hash, items: items, units: units, value: value)
        Self.record(&keys[position], hash: hash, items: items, bytes: bytes, units: units, value: value)
    }

    /// Mutates in place through one access (a copy taken out and stored back
    /// would copy the state's storage).
    private static func modify<State>(_ state: inout State, _ body: (inout State) -> Void) {
        body(&state)
    }

    private mutating func addEntityKey(_ entity: Int, _ position: Int, hash: UInt64, items: Int, units: Int, value: () -> String) {
        if entities[entity].keys[position] == nil {
            entities[entity].keys[position] = EntityKeyState(
                distinct: DistinctCounter(exactLimit: configuration.exactDistinctLimit),
                byWriteUnits: HeavyHitters(capacity: configuration.heavyHitterCapacity))
        }
        Self.record(&entities[entity].keys[position]!, hash: hash, items: items, units: units, value: value)
    }

    private static func record(_ key: inout EntityKeyState, hash: UInt64, items: Int, units: Int, value: () -> String) {
        key.items += items
        key.writeUnits += units
        key.distinct.add(hash: hash)
        key.byWriteUnits.add(hash: hash, weight: units, key: value)
    }

    private static func record(_ key: inout KeyState, hash: UInt64, items: Int, bytes: Int, units: Int, value: () -> String) {
        key.items += items
        key.bytes += bytes
        key.writeUnits += units
        key.byItems.add(hash: hash, weight: items, key: value)
        key.byBytes.add(hash: hash, weight: bytes, key: value)
        key.byWriteUnits.add(hash: hash, weight: units, key: value)
    }

    /// Counts the rows queued in the collision check whose key an earlier row had.
    mutating func checkCollisions() {
        for (entity, row) in collisionCheck.checkPending() {
            entities[entity].collisions += 1
            if entities[entity].collisionExamples.count < 3 {
                entities[entity].collisionExamples.append(collisionCheck.pendingKey(row))
            }
        }
        collisionCheck.clearPending()
    }

    /// The distinct values of the key at `position` over all entities: the
    /// union of theirs (the same count, exact or estimated, as one counter fed
    /// every value: a set's union, a sketch's register-wise maximum).
    func distinctValues(at position: Int) -> DistinctCounter {
        var union = DistinctCounter(exactLimit: configuration.exactDistinctLimit)
        for entity in entities {
            if let key = entity.keys[position] { union.merge(key.distinct) }
        }
        return union
    }

    /// Key positions in report order: the declared keys, then the others by name.
    var keyPositionsInReportOrder: [Int] {
        Array(0..<declaredKeyCount) + (declaredKeyCount..<keyNames.count).sorted { keyNames[$0] < keyNames[$1] }
    }
}
