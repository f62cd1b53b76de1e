import Logging
import MigrationCore

/// What every full load shares, whatever its units are (staged files, or the
/// tables of a direct snapshot): where it writes (nowhere on a dry run), its
/// checkpointer, progress and throttle, the tracked load of one unit, and the
/// summary of its units.
struct LoadRun: Sendable {
    let target: any ItemWriteTarget
    /// Nil on a dry run: nothing is persisted.
    let checkpointer: Checkpointer?
    let progress: LoadProgress
    let throttle: WriteThrottle
    let applier: BatchApplier
    let dryRun: Bool

    init(
        dryRun: Bool, target: any ItemWriteTarget, state: StateLocation, throttle: AdaptiveRateController.Configuration,
        entityWriteLimits: [String: Double] = [:], applier: BatchApplier.Configuration, progress: LoadProgress = LoadProgress()
    ) {
        self.dryRun = dryRun
        // A dry run does the load's work up to the network: its batches go to a
        // target that discards them, unpaced (no ceiling, no entity's), and nothing is persisted.
        self.target = dryRun ? DiscardingWriteTarget() : target
        self.checkpointer = dryRun ? nil : Checkpointer(state: state)
        self.progress = progress
        var throttle = throttle
        if dryRun { (throttle.ceiling, throttle.knownCapacity) = (nil, nil) }
        self.throttle = WriteThrottle(configuration: throttle)
        self.applier = BatchApplier(
            target: self.target, throttle: self.throttle,
            pacer: dryRun ? nil : EntityWritePacer(unitsPerSecond: entityWriteLimits), configuration: applier)
    }

    /// Whether the table answers (for progress lines).
    var outage: TargetOutage { applier.outage }

    /// The services the units of this run share; a backfill's (`backfillVersion`)
    /// write every item conditionally, on the same throttle and outage.
    func services(writeConcurrency: Int, checkpointInterval: Duration, backfillVersion: String? = nil) -> LoadServices {
        var services = LoadServices(
            applier: applier,
            limiter: ConcurrencyLimiter(limit: max(1, writeConcurrency)),
            progress: progress, writeConcurrency: writeConcurrency,
            checkpointInterval: checkpointInterval, checkpointer: checkpointer)
        if let backfillVersion {
            let rules = applier.configuration
            let writes = ChangeApplier(
                target: target, throttle: throttle,
                configuration: .init(
                    maxAttempts: rules.maxAttempts, backoffBase: rules.backoffBase, backoffCap: rules.backoffCap,
                    outageTolerance: rules.outageTolerance),
                outage: applier.outage)
            services.backfill = BackfillWrites(version: backfillVersion, applier: writes)
        }
        return services
    }

    /// A unit a previous run completed: counted, not loaded again.
    func skipped(table: String, unit: String, counts: EntityCounts) -> LoadUnitResult {
        progress.add(counts, to: table)
        progress.fileDone()
        return LoadUnitResult(table: table, unit: unit, counts: counts, span: nil)
    }

    static let logger = Logger(label: "billmig.load")

    /// Loads one unit with its `MIGRATION#STATUS` tracking item: in progress,
    /// then completed with the counts `load` returns, or failed (also when the
    /// unit was damaged and dead-lettered, with the reason). Its log lines (and
    /// those of everything it runs) carry the unit as `file`.
    func tracked(
        _ tracking: FileTracking, unit: String, resumedCounts: EntityCounts?, _ load: () async throws -> (counts: EntityCounts, damage: String?)
    ) async throws -> LoadUnitResult {
        try await LogContext.with([LogKey.file: .string(unit)]) {
            Self.logger.info("file started", metadata: [
                "entity": .string(tracking.entity), "resumedRows": .stringConvertible(resumedCounts?.rowsRead ?? 0),
            ])
            do {
                let result = try await trackedLoad(tracking, resumedCounts: resumedCounts, load)
                var metadata = Self.metadata(result.counts)
                metadata["entity"] = .string(tracking.entity)
                if result.damaged {
                    Self.logger.warning("file damaged: loaded up to the damage and dead-lettered; replace it and run the load again", metadata: metadata)
                } else {
                    Self.logger.info("file finished", metadata: metadata)
                }
                return LoadUnitResult(table: tracking.entity, unit: unit, counts: result.counts, span: result.span, damaged: result.damaged)
            } catch {
                Self.logger.error("file failed", metadata: ["entity": .string(tracking.entity), "error": .string(String(describing: error))])
                throw error
            }
        }
    }

    /// A unit's counts as log metadata.
    static func metadata(_ counts: EntityCounts) -> Logger.Metadata {
        [
            "rowsRead": .stringConvertible(counts.rowsRead), "itemsWritten": .stringConvertible(counts.itemsWritten),
            "deadLettered": .stringConvertible(counts.deadLettered),
        ]
    }

    private func trackedLoad(
        _ tracking: FileTracking, resumedCounts: EntityCounts?, _ load: () async throws -> (counts: EntityCounts, damage: String?)
    ) async throws -> (counts: EntityCounts, span: Range<ContinuousClock.Instant>, damaged: Bool) {
        let clock = ContinuousClock()
        let started = clock.now
        try await applier.put(tracking.item(.inProgress, counts: resumedCounts ?? EntityCounts(), error: nil))
        do {
            let (counts, damage) = try await load()
            try await applier.put(tracking.item(damage == nil ? .completed : .failed, counts: counts, error: damage))
            return (counts, started..<clock.now, damage != nil)
        } catch {
            // Best effort: the table may be what failed. The checkpoint, not this
            // item, is what a resume relies on.
            try? await target.put(tracking.item(.failed, counts: resumedCounts ?? EntityCounts(), error: String(describing: error)))
            throw error
        }
    }

    /// The summary of a run's units, entities in `order`.
    func summary(
        of units: [LoadUnitResult], order: [String], unitsFound: Int, source: String, table: String,
        elapsed: Duration, failure: (any Error)?
    ) -> LoadSummary {
        let damaged = units.filter(\.damaged).map(\.unit).sorted()
        // An entity's elapsed time runs from its first unit's start to its last
        // unit's end: units load in parallel, so their durations do not add up.
        var perEntity: [String: (counts: EntityCounts, span: Range<ContinuousClock.Instant>?)] = [:]
        for unit in units {
            var entry = perEntity[unit.table] ?? (EntityCounts(), nil)
            entry.counts += unit.counts
            if let span = unit.span {
                entry.span = entry.span.map { min($0.lowerBound, span.lowerBound)..<max($0.upperBound, span.upperBound) } ?? span
            }
            perEntity[unit.table] = entry
        }
        let rows = order.compactMap { name in
            perEntity[name].map { (name, $0.counts, $0.span.map { ($0.upperBound - $0.lowerBound).seconds } ?? 0) }
        }
        let total = rows.reduce(EntityCounts()) { $0 + $1.1 }
        return LoadSummary(
            status: LoadSummary.Status(total: total, stoppedEarly: failure != nil, damagedFiles: damaged.count),
            source: source,
            table: table,
            dryRun: dryRun,
            elapsedSeconds: elapsed.seconds,
            perEntity: rows,
            files: .init(
                found: unitsFound,
                skipped: units.filter(\.skipped).count,
                completed: units.filter { !$0.skipped && !$0.damaged }.count,
                damaged: damaged),
            deadLetterLocation: total.deadLettered > 0 || !damaged.isEmpty ? checkpointer?.deadLetters.prefix : nil,
            error: failure.map { String(describing: $0) })
    }
}

/// One unit of a load (a staged file, or a table of a snapshot) as it ended.
struct LoadUnitResult: Sendable {
    var table: String
    /// The file's key, or the table's name for a snapshot.
    var unit: String
    var counts: EntityCounts
    /// When the unit's load began and ended; nil for a unit a previous run completed.
    var span: Range<ContinuousClock.Instant>?
    /// Read up to damage and dead-lettered as a whole (see `FileCheckpoint.State.damaged`).
    var damaged = false
    var skipped: Bool { span == nil }
}
