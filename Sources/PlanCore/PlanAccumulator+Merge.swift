extension PlanAccumulator {
    /// Adds what another accumulator of the same mapping and configuration
    /// saw: each file of a staged source is measured on its own, in parallel,
    /// and merged once at its end. Exact figures stay exact; the sketches keep
    /// their bounds (see `HeavyHitters.merge`).
    public mutating func merge(_ other: PlanAccumulator) {
        var other = other
        checkCollisions()
        other.checkCollisions()
        feedSketches()
        other.feedSketches()
        // The other's positions by name: both start from the same mapping, but
        // undeclared indexes and entities take positions as they appear.
        let keyPositions = other.keyNames.map { keyPosition($0) }
        for (position, theirs) in other.keys.enumerated() {
            keys[keyPositions[position]].merge(theirs)
        }
        for (position, theirs) in other.entities.enumerated() {
            let mine = entity(named: other.entityNames[position]).position
            entities[mine].merge(theirs, keyPositions: keyPositions, listed: configuration.listedItems)
        }
        // Keys seen by both: rows of different files on one item key.
        let shared = collisionCheck.merge(other.collisionCheck)
        if shared > 0, let entity = other.entities.firstIndex(where: { $0.items > 0 }) {
            entities[self.entity(named: other.entityNames[entity]).position].collisions += shared
        }
    }
}

extension PlanAccumulator.KeyState {
    mutating func merge(_ other: Self) {
        items += other.items
        bytes += other.bytes
        writeUnits += other.writeUnits
        byItems.merge(other.byItems)
        byBytes.merge(other.byBytes)
        byWriteUnits.merge(other.byWriteUnits)
    }
}

extension PlanAccumulator.EntityState {
    /// `keyPositions`: this accumulator's position of each of the other's keys.
    mutating func merge(_ other: Self, keyPositions: [Int], listed: Int) {
        rowsRead += other.rowsRead
        rowsOutsideSample += other.rowsOutsideSample
        items += other.items
        sizes.merge(other.sizes)
        tableWriteUnits += other.tableWriteUnits
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
        for (position, theirs) in other.keys.enumerated() {
            guard let theirs else { continue }
            let mine = keyPositions[position]
            guard keys[mine] != nil else {
                keys[mine] = theirs
                continue
            }
            keys[mine]!.items += theirs.items
            keys[mine]!.writeUnits += theirs.writeUnits
            keys[mine]!.distinct.merge(theirs.distinct)
            keys[mine]!.byWriteUnits.merge(theirs.byWriteUnits)
        }
    }
}
