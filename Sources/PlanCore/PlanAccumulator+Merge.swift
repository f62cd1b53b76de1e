extension PlanAccumulator {
    /// Adds what another accumulator of the same mapping and configuration
    /// saw: each file of a staged source is measured on its own, in parallel,
    /// and merged once at its end. Exact figures stay exact; the sketches keep
    /// their bounds (see `HeavyHitters.merge`).
    public mutating func merge(_ other: PlanAccumulator) {
        for (name, theirs) in other.entities {
            entities[name, default: EntityState()].merge(theirs, listed: configuration.listedItems)
        }
        for (name, theirs) in other.keys {
            guard keys[name] != nil else {
                keys[name] = theirs
                continue
            }
            keys[name]!.items += theirs.items
            keys[name]!.bytes += theirs.bytes
            keys[name]!.writeUnits += theirs.writeUnits
            keys[name]!.distinct.merge(theirs.distinct)
            keys[name]!.byItems.merge(theirs.byItems)
            keys[name]!.byBytes.merge(theirs.byBytes)
            keys[name]!.byWriteUnits.merge(theirs.byWriteUnits)
        }
        // Keys seen by both: rows of different files on one item key.
        guard collisionCheckComplete, other.collisionCheckComplete else {
            collisionCheckComplete = false
            itemKeys = HashedKeySet()
            return
        }
        let shared = other.itemKeys.values.count { itemKeys.contains($0) }
        if shared > 0, let entity = other.entities.first(where: { $0.value.items > 0 })?.key {
            entities[entity]!.collisions += shared
        }
        itemKeys.formUnion(other.itemKeys)
        if itemKeys.count > configuration.collisionCheckLimit {
            collisionCheckComplete = false
            itemKeys = HashedKeySet()
        }
    }
}

extension PlanAccumulator.EntityState {
    mutating func merge(_ other: Self, listed: Int) {
        rowsRead += other.rowsRead
        rowsOutsideSample += other.rowsOutsideSample
        items += other.items
        sizes.merge(other.sizes)
        tableWriteUnits += other.tableWriteUnits
        indexWriteUnits.merge(other.indexWriteUnits, uniquingKeysWith: +)
        storageBytes += other.storageBytes
        unreadable += other.unreadable
        mappingErrors.merge(other.mappingErrors, uniquingKeysWith: +)
        errorExamples = Array((errorExamples + other.errorExamples).prefix(3))
        oversized += other.oversized
        oversizedItems = Array((oversizedItems + other.oversizedItems).prefix(listed))
        nearLimit += other.nearLimit
        nearLimitItems = Array((nearLimitItems + other.nearLimitItems).prefix(listed))
        collisions += other.collisions
        collisionExamples = Array((collisionExamples + other.collisionExamples).prefix(3))
        for (name, theirs) in other.keys {
            guard keys[name] != nil else {
                keys[name] = theirs
                continue
            }
            keys[name]!.items += theirs.items
            keys[name]!.writeUnits += theirs.writeUnits
            keys[name]!.distinct.merge(theirs.distinct)
            keys[name]!.byWriteUnits.merge(theirs.byWriteUnits)
        }
    }
}
