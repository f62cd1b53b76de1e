import BillingModel
import Foundation

extension PlanAccumulator {
    /// The report of what was read: figures scaled up by the sample fraction,
    /// rates at the configured duration, costs from `prices`, warnings and advice.
    public func report(source: String, prices: PriceTable, elapsedSeconds: Double) -> PlanReport {
        guard !collisionCheck.hasPending && !hasTallies else {
            var checked = self
            checked.checkCollisions()
            checked.feedSketches()
            return checked.report(source: source, prices: prices, elapsedSeconds: elapsedSeconds)
        }
        let c = configuration
        let scale = 1 / max(c.sampleFraction, 1e-9)
        func scaled(_ value: Int) -> Int { Int((Double(value) * scale).rounded()) }
        let limit = c.partitionWriteUnitsPerSecond
        let duration = c.durationSeconds > 0 ? c.durationSeconds : 1

        func topKeys(_ sketch: HeavyHitters, indexWriteUnits: Int, unitsOf: (HeavyHitters.Entry) -> Int) -> [PlanReport.TopKey] {
            sketch.top(c.topKeys).map { entry in
                let units = unitsOf(entry)
                let share = indexWriteUnits == 0 ? 0 : Double(units) / Double(indexWriteUnits)
                return PlanReport.TopKey(
                    key: entry.key, value: scaled(entry.estimate), maxError: scaled(sketch.maxUndercount),
                    shareOfWrites: share, writeUnitsPerSecond: Double(scaled(units)) / duration,
                    indexRateAtPartitionLimit: share == 0 ? nil : limit / share)
            }
        }
        func distinct(_ counter: DistinctCounter, isTablePartition: Bool) -> PlanReport.Distinct {
            let sampled = c.isSample
            return PlanReport.Distinct(
                count: sampled && isTablePartition ? scaled(counter.count) : counter.count,
                exact: counter.isExact && !sampled, relativeStandardError: counter.relativeStandardError,
                lowerBound: sampled && !isTablePartition)
        }

        var keyPlans: [PlanReport.KeyPlan] = []
        for position in keyPositionsInReportOrder {
            let name = keyNames[position]
            let key = keys[position]
            guard key.items > 0 else { continue }
            // The write units of a value ranked by items or bytes are not
            // tracked; its write-unit estimate (if ranked there) or its own rank gives the share.
            let unitsByKey = Dictionary(key.byWriteUnits.top(c.heavyHitterCapacity).map { ($0.key, $0.estimate) }) { a, _ in a }
            keyPlans.append(PlanReport.KeyPlan(
                name: name, items: scaled(key.items), bytes: scaled(key.bytes), writeUnits: scaled(key.writeUnits),
                distinctPartitionKeys: distinct(distinctValues(at: position), isTablePartition: name == Self.tableKey),
                topByItems: topKeys(key.byItems, indexWriteUnits: key.writeUnits) { unitsByKey[$0.key] ?? 0 },
                topByBytes: topKeys(key.byBytes, indexWriteUnits: key.writeUnits) { unitsByKey[$0.key] ?? 0 },
                topByWriteUnits: topKeys(key.byWriteUnits, indexWriteUnits: key.writeUnits) { $0.estimate }))
        }

        var entityPlans: [PlanReport.EntityPlan] = []
        var advice: [String: Double] = [:]
        var warnings: [PlanReport.Warning] = []
        let order = mapping.tables.map(\.entityType) + entityNames.filter { name in !mapping.tables.contains { $0.entityType == name } }.sorted()
        for name in order {
            guard let position = entityPositions[name] else { continue }
            let e = entities[position]
            guard e.rowsRead > 0 else { continue }
            var entityKeys: [PlanReport.EntityKey] = []
            var indexWriteUnits: [String: Int] = [:]
            for keyPosition in keyPositionsInReportOrder {
                guard let key = e.keys[keyPosition] else { continue }
                let keyName = keyNames[keyPosition]
                if keyPosition != 0 { indexWriteUnits[keyName] = key.writeUnits }
                let hottest = topKeys(key.byWriteUnits, indexWriteUnits: key.writeUnits) { $0.estimate }.first
                // At an entity rate R (table units/s) the value gets R · its units / the entity's table units.
                let maxRate = hottest.flatMap { top -> Double? in
                    guard top.value > 0 else { return nil }
                    return c.headroom * limit * Double(scaled(e.tableWriteUnits)) / Double(top.value + top.maxError)
                }
                if let maxRate { advice[name] = min(advice[name] ?? .infinity, maxRate.rounded(.down)) }
                entityKeys.append(PlanReport.EntityKey(
                    name: keyName, items: scaled(key.items), writeUnits: scaled(key.writeUnits),
                    distinctPartitionKeys: distinct(key.distinct, isTablePartition: keyName == Self.tableKey),
                    hottest: hottest, maxEntityWriteUnitsPerSecond: maxRate))
            }
            let deadLetters = e.unreadable + e.mappingErrors.values.reduce(0, +) + e.oversized
            entityPlans.append(PlanReport.EntityPlan(
                entity: name, rowsRead: e.rowsRead, rowsOutsideSample: e.rowsOutsideSample, items: scaled(e.items),
                deadLetters: scaled(deadLetters), unreadable: scaled(e.unreadable),
                mappingErrors: e.mappingErrors.mapValues(scaled), errorExamples: e.errorExamples,
                sizes: .init(p50: e.sizes.quantile(0.5), p99: e.sizes.quantile(0.99), max: e.sizes.max, mean: e.sizes.mean),
                oversized: scaled(e.oversized), oversizedItems: e.oversizedItems,
                nearLimit: scaled(e.nearLimit), nearLimitItems: e.nearLimitItems,
                collidingKeys: scaled(e.collisions), collisionExamples: e.collisionExamples,
                tableWriteUnits: scaled(e.tableWriteUnits), indexWriteUnits: indexWriteUnits.mapValues(scaled),
                storageBytes: scaled(e.storageBytes), keys: entityKeys))
        }

        let tableUnits = entityPlans.reduce(0) { $0 + $1.tableWriteUnits }
        let indexUnits = entityPlans.reduce(0) { $0 + $1.indexWriteUnits.values.reduce(0, +) }
        let tableBytes = scaled(keys[0].bytes)
        let tableStorage = scaled(keys[0].items) * Self.storageOverheadBytes + tableBytes
        // An eventually consistent Scan: half a unit per started 4 KB of items read.
        let validationReads = ((tableBytes + 4095) / 4096 + 1) / 2
        let totals = PlanReport.Totals(
            rowsRead: entityPlans.reduce(0) { $0 + $1.rowsRead }, items: entityPlans.reduce(0) { $0 + $1.items },
            deadLetters: entityPlans.reduce(0) { $0 + $1.deadLetters }, tableWriteUnits: tableUnits,
            indexWriteUnits: indexUnits, writeUnits: tableUnits + indexUnits, validationReadUnits: validationReads,
            tableStorageBytes: tableStorage, storageBytes: entityPlans.reduce(0) { $0 + $1.storageBytes })
        let writeCapacity = Int((Double(totals.writeUnits) / duration).rounded(.up))
        let readCapacity = Int((Double(validationReads) / duration).rounded(.up))
        // Provisioned capacity is billed by the started hour.
        let hours = max(1, (duration / 3600).rounded(.up))
        let costs = PlanReport.Costs(
            currency: prices.currency, pricesDate: prices.date, pricesRegion: prices.region,
            onDemandLoad: Double(totals.writeUnits) / 1e6 * prices.onDemand.writeRequestUnitsPerMillion,
            onDemandValidation: Double(validationReads) / 1e6 * prices.onDemand.readRequestUnitsPerMillion,
            provisionedWriteCapacity: writeCapacity,
            provisionedLoad: Double(writeCapacity) * hours * prices.provisioned.writeCapacityUnitHour,
            provisionedReadCapacity: readCapacity,
            provisionedValidation: Double(readCapacity) * hours * prices.provisioned.readCapacityUnitHour,
            storagePerMonth: Double(totals.storageBytes) / Double(1 << 30) * prices.storageGBMonth)

        warnings += keyWarnings(keyPlans, entities: entityPlans, advice: advice)
        warnings += entityWarnings(entityPlans)
        warnings += mappingWarnings()

        return PlanReport(
            source: source, durationSeconds: c.durationSeconds, sampleFraction: c.sampleFraction, sampleUnit: c.sampleUnit,
            elapsedSeconds: elapsedSeconds, collisionCheckComplete: collisionCheck.isComplete,
            limits: .init(
                itemBytes: ItemSize.limit, partitionWriteUnitsPerSecond: limit,
                partitionReadUnitsPerSecond: c.partitionReadUnitsPerSecond, headroom: c.headroom),
            entities: entityPlans, keys: keyPlans, totals: totals, costs: costs, warnings: warnings,
            advice: .init(entityMaxWriteUnitsPerSecond: advice))
    }

    private func keyWarnings(
        _ keyPlans: [PlanReport.KeyPlan], entities: [PlanReport.EntityPlan], advice: [String: Double]
    ) -> [PlanReport.Warning] {
        let c = configuration
        let limit = c.partitionWriteUnitsPerSecond
        var warnings: [PlanReport.Warning] = []
        for key in keyPlans {
            guard let top = key.topByWriteUnits.first else { continue }
            // The entity whose writes make the value hot: the one with it as its hottest.
            let owner = entities.first { $0.keys.contains { $0.name == key.name && $0.hottest?.key == top.key } }
            let where_ = key.name == Self.tableKey ? "table partition key" : "\(key.name) key"
            let ceiling = owner.flatMap { advice[$0.entity] }
            let rateAdvice = owner.map { owner in
                "load \(owner.entity) at most \(PlanFormat.number(ceiling ?? 0)) WCU/s (`load --plan FILE`, or `--entity-max-wcu \(owner.entity)=\(Int(ceiling ?? 0))`)"
            } ?? "load at a bounded rate (`load --max-wcu`)"
            let shards = Int((top.writeUnitsPerSecond / (c.headroom * limit)).rounded(.up))
            let minimum = Double(top.value) / limit
            if top.writeUnitsPerSecond > c.headroom * limit {
                warnings.append(.init(
                    kind: .hotKey, entity: owner?.entity, key: top.key,
                    message: "\(where_) \(top.key) takes \(PlanFormat.percent(top.shareOfWrites)) of \(key.name)'s writes: a load in \(PlanFormat.duration(c.durationSeconds)) needs \(PlanFormat.number(top.writeUnitsPerSecond)) WCU/s on it, over \(PlanFormat.percent(c.headroom)) of one partition's \(PlanFormat.number(limit)) WCU/s, so it will throttle whatever the table's capacity",
                    action: "shard the key with a suffix (\(top.key)#0 … #\(max(1, shards) - 1), queries read every shard), or \(rateAdvice); that key alone needs at least \(PlanFormat.duration(minimum))"))
            } else if key.name != Self.tableKey, top.shareOfWrites >= 0.1 {
                warnings.append(.init(
                    kind: .skewedKey, entity: owner?.entity, key: top.key,
                    message: "\(where_) \(top.key) takes \(PlanFormat.percent(top.shareOfWrites)) of \(key.name)'s writes (\(key.distinctPartitionKeys.count) values): it reaches one partition's \(PlanFormat.number(limit)) WCU/s when \(key.name) is written at \(PlanFormat.number(top.indexRateAtPartitionLimit ?? .infinity)) WCU/s; at \(PlanFormat.duration(c.durationSeconds)) it needs \(PlanFormat.number(top.writeUnitsPerSecond))",
                    action: "fine at this duration; to load faster, \(rateAdvice), or shard the key with a suffix"))
            }
        }
        return warnings
    }

    private func entityWarnings(_ entities: [PlanReport.EntityPlan]) -> [PlanReport.Warning] {
        var warnings: [PlanReport.Warning] = []
        for e in entities {
            if e.oversized > 0 {
                warnings.append(.init(
                    kind: .oversizedItems, entity: e.entity, key: e.oversizedItems.first?.key,
                    message: "\(e.oversized) \(e.entity) rows make items over \(ItemSize.limit / 1024) KB (largest \(e.sizes.max) bytes): the load dead-letters them",
                    action: "expect them in the dead-letter store (keys listed); to load them, exclude or shorten the large column in a mapping file, or keep the value in S3 and store its location"))
            }
            if e.nearLimit > 0 {
                warnings.append(.init(
                    kind: .nearLimitItems, entity: e.entity, key: e.nearLimitItems.first?.key,
                    message: "\(e.nearLimit) \(e.entity) items are within 10% of the \(ItemSize.limit / 1024) KB limit",
                    action: "they load, but a change that grows them will be dead-lettered by the stream; consider moving the large column out of the item"))
            }
            if e.collidingKeys > 0 {
                warnings.append(.init(
                    kind: .collidingKeys, entity: e.entity, key: e.collisionExamples.first,
                    message: "\(e.collidingKeys) \(e.entity) rows map to a key another row already has: the later item replaces the earlier",
                    action: "make the mapping's PK/SK templates include every primary-key column of the table"))
            }
            let errors = e.unreadable + e.mappingErrors.values.reduce(0, +)
            if errors > 0 {
                warnings.append(.init(
                    kind: .deadLetters, entity: e.entity, key: nil,
                    message: "\(errors) \(e.entity) rows cannot be read or mapped (\(e.errorExamples.first ?? "")): the load dead-letters them",
                    action: "fix them at the source before the load, or repair them from the dead-letter store afterwards"))
            }
        }
        return warnings
    }

    /// Tables whose PK and SK templates leave out part of every unique key:
    /// two rows can map to one item whatever the data.
    private func mappingWarnings() -> [PlanReport.Warning] {
        mapping.tables.compactMap { table in
            let used = Set(table.partitionKey.columnNames + table.sortKey.columnNames)
            let unique = [table.primaryKey] + table.uniqueKeys
            guard !unique.contains(where: { !$0.isEmpty && Set($0).isSubset(of: used) }) else { return nil }
            return .init(
                kind: .keysMayCollide, entity: table.entityType, key: nil,
                message: "\(table.table)'s item key (\(table.partitionKey) | \(table.sortKey)) does not include a whole unique key of the table (\(table.primaryKey.joined(separator: ", ")))",
                action: "add the missing primary-key columns to the SK template, or rows that differ only there overwrite each other")
        }
    }
}

/// How plan figures read in warnings and the text report.
public enum PlanFormat {
    public static func percent(_ share: Double) -> String { String(format: "%.1f%%", share * 100) }

    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return "∞" }
        return value >= 100 ? String(format: "%.0f", value) : String(format: "%.1f", value)
    }

    /// `2h00m`, `1m30s`, `45s`.
    public static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.up))
        if total >= 3600 { return String(format: "%dh%02dm", total / 3600, total % 3600 / 60) }
        if total >= 60 { return String(format: "%dm%02ds", total / 60, total % 60) }
        return "\(total)s"
    }
}
