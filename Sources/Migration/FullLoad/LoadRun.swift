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
    let dryRun: Bool

    init(dryRun: Bool, target: any ItemWriteTarget, state: StateLocation, throttle: AdaptiveRateController.Configuration) {
        self.dryRun = dryRun
        self.target = dryRun ? DiscardingWriteTarget() : target
        self.checkpointer = dryRun ? nil : Checkpointer(state: state)
        self.progress = LoadProgress()
        self.throttle = WriteThrottle(configuration: throttle)
    }

    /// The services the units of this run share.
    func services(applier: BatchApplier.Configuration, writeConcurrency: Int, checkpointInterval: Duration) -> LoadServices {
        LoadServices(
            applier: BatchApplier(target: target, throttle: throttle, configuration: applier),
            limiter: ConcurrencyLimiter(limit: max(1, writeConcurrency)),
            progress: progress, dryRun: dryRun, writeConcurrency: writeConcurrency,
            checkpointInterval: checkpointInterval, checkpointer: checkpointer)
    }

    /// A unit a previous run completed: counted, not loaded again.
    func skipped(table: String, counts: EntityCounts) -> LoadUnitResult {
        progress.add(counts, to: table)
        progress.fileDone()
        return LoadUnitResult(table: table, counts: counts, span: nil)
    }

    /// Loads one unit with its `MIGRATION#STATUS` tracking item: in progress,
    /// then completed with the counts `load` returns, or failed.
    func tracked(
        _ tracking: FileTracking, resumedCounts: EntityCounts?, _ load: () async throws -> EntityCounts
    ) async throws -> LoadUnitResult {
        let clock = ContinuousClock()
        let started = clock.now
        try await target.put(tracking.item(.inProgress, counts: resumedCounts ?? EntityCounts(), error: nil))
        do {
            let counts = try await load()
            try await target.put(tracking.item(.completed, counts: counts, error: nil))
            return LoadUnitResult(table: tracking.entity, counts: counts, span: started..<clock.now)
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
            status: LoadSummary.Status(total: total, stoppedEarly: failure != nil),
            source: source,
            table: table,
            dryRun: dryRun,
            elapsedSeconds: elapsed.seconds,
            perEntity: rows,
            files: .init(
                found: unitsFound,
                skipped: units.filter(\.skipped).count,
                completed: units.filter { !$0.skipped }.count),
            deadLetterLocation: total.deadLettered > 0 ? checkpointer?.deadLetters.prefix : nil,
            error: failure.map { String(describing: $0) })
    }
}

/// One unit of a load (a staged file, or a table of a snapshot) as it ended.
struct LoadUnitResult: Sendable {
    var table: String
    var counts: EntityCounts
    /// When the unit's load began and ended; nil for a unit a previous run completed.
    var span: Range<ContinuousClock.Instant>?
    var skipped: Bool { span == nil }
}
