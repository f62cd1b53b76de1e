import BillingModel
import DMSStaging
import DynamoDBModel
import Foundation
import MigrationCore

/// The full load of DMS-staged files into the single table: lists the staged
/// files of every mapped table, skips those a previous run finished, loads the
/// rest several at a time, and tracks each file in the table itself.
public struct FullLoad: Sendable {
    public let configuration: FullLoadConfiguration
    let source: any ObjectStore
    let target: any ItemWriteTarget
    /// Nil on a dry run.
    let checkpointer: Checkpointer?
    public let progress: LoadProgress
    public let throttle: WriteThrottle

    /// - Parameters:
    ///   - source: where DMS staged the files.
    ///   - target: the table; ignored on a dry run.
    ///   - state: where checkpoints and dead letters are kept, and under which prefix
    ///     (ends up as `{prefix}checkpoints/…` and `{prefix}dead-letters/…`).
    public init(
        configuration: FullLoadConfiguration,
        source: any ObjectStore,
        target: any ItemWriteTarget,
        state: StateLocation
    ) {
        self.configuration = configuration
        self.source = source
        self.target = configuration.dryRun ? DiscardingWriteTarget() : target
        self.checkpointer = configuration.dryRun ? nil : Checkpointer(state: state)
        self.progress = LoadProgress()
        self.throttle = WriteThrottle(configuration: configuration.throttle)
    }

    /// Where dead letters go, for summaries.
    public var deadLetterPrefix: String? { checkpointer?.deadLetters.prefix }

    private struct PlannedFile: Sendable {
        var file: DMSFile
        var table: TableMapping
        var resume: FileCheckpoint?
    }

    private struct FileResult: Sendable {
        var table: String
        var checkpoint: FileCheckpoint
        /// When the file's load began and ended; nil for a skipped file.
        var span: Range<ContinuousClock.Instant>?
        var skipped: Bool { span == nil }
    }

    public func run() async throws -> LoadSummary {
        let clock = ContinuousClock()
        let started = clock.now
        let mapper = try ItemMapper(mapping: configuration.mapping)
        let layout = DMSStagingLayout(bucketFolder: configuration.sourcePrefix, schema: configuration.mapping.sourceSchema)

        var plan: [PlannedFile] = []
        var results: [FileResult] = []
        for table in configuration.mapping.tables {
            for file in try await layout.listTable(table.table, in: source).fullLoad {
                let previous = configuration.restart ? nil : try await checkpointer?.state.read(StateFolder.fileCheckpoints.file(file.key))
                let resume = previous.flatMap { $0.matches(size: file.size, etag: nil) ? $0 : nil }
                if let resume, resume.state == .completed {
                    results.append(FileResult(table: table.table, checkpoint: resume, span: nil))
                    progress.add(resume.counts, to: table.table)
                    progress.fileDone()
                } else {
                    plan.append(PlannedFile(file: file, table: table, resume: resume))
                }
            }
        }
        progress.setTotals(
            files: plan.count + results.count,
            bytes: plan.reduce(0) { $0 + $1.file.size })

        let services = LoadServices(
            applier: BatchApplier(target: target, throttle: throttle, configuration: configuration.applier),
            limiter: ConcurrencyLimiter(limit: max(1, configuration.writeConcurrency)),
            progress: progress, dryRun: configuration.dryRun, writeConcurrency: configuration.writeConcurrency,
            checkpointInterval: configuration.checkpointInterval, checkpointer: checkpointer)

        var failure: (any Error)?
        do {
            try await withThrowingTaskGroup(of: FileResult.self) { group in
                var next = plan.makeIterator()
                func startNext() -> Bool {
                    guard let planned = next.next() else { return false }
                    group.addTask {
                        try await loadFile(planned, mapper: mapper, services: services)
                    }
                    return true
                }
                for _ in 0..<max(1, configuration.filesInParallel) where !startNext() { break }
                while let result = try await group.next() {
                    results.append(result)
                    progress.fileDone()
                    _ = startNext()
                }
            }
        } catch {
            failure = error
        }

        return summary(results: results, elapsed: clock.now - started, failure: failure)
    }

    private func loadFile(_ planned: PlannedFile, mapper: ItemMapper, services: LoadServices) async throws -> FileResult {
        let clock = ContinuousClock()
        let started = clock.now
        let tracking = FileTracking(file: planned.file, table: planned.table.table, retentionDays: configuration.trackingRetentionDays)
        try await target.put(tracking.item(.inProgress, counts: planned.resume?.counts ?? EntityCounts(), error: nil))
        do {
            let checkpoint = try await StagedFileLoad(
                file: planned.file, table: planned.table, schema: configuration.mapping.sourceSchema,
                mapper: mapper, source: CountingObjectStore(base: source, progress: progress), readOptions: configuration.readOptions,
                services: services, resume: planned.resume
            ).run()
            try await target.put(tracking.item(.completed, counts: checkpoint.counts, error: nil))
            return FileResult(table: planned.table.table, checkpoint: checkpoint, span: started..<clock.now)
        } catch {
            // Best effort: the table may be what failed. The checkpoint, not this
            // item, is what a resume relies on.
            try? await target.put(tracking.item(.failed, counts: planned.resume?.counts ?? EntityCounts(), error: String(describing: error)))
            throw error
        }
    }

    private func summary(results: [FileResult], elapsed: Duration, failure: (any Error)?) -> LoadSummary {
        // An entity's elapsed time runs from its first file's start to its last
        // file's end: files load in parallel, so their durations do not add up.
        var perEntity: [String: (counts: EntityCounts, span: Range<ContinuousClock.Instant>?)] = [:]
        for result in results {
            var entry = perEntity[result.table] ?? (EntityCounts(), nil)
            entry.counts += result.checkpoint.counts
            if let span = result.span {
                entry.span = entry.span.map { min($0.lowerBound, span.lowerBound)..<max($0.upperBound, span.upperBound) } ?? span
            }
            perEntity[result.table] = entry
        }
        let order = configuration.mapping.tables.map(\.table)
        let rows = order.compactMap { name in
            perEntity[name].map { (name, $0.counts, $0.span.map { ($0.upperBound - $0.lowerBound).seconds } ?? 0) }
        }
        let total = rows.reduce(EntityCounts()) { $0 + $1.1 }
        let status = LoadSummary.Status(total: total, stoppedEarly: failure != nil)
        return LoadSummary(
            status: status,
            source: configuration.sourceDescription,
            table: configuration.tableName,
            dryRun: configuration.dryRun,
            elapsedSeconds: elapsed.seconds,
            perEntity: rows,
            files: .init(
                found: progress.snapshot().filesTotal,
                skipped: results.filter(\.skipped).count,
                completed: results.filter { !$0.skipped }.count),
            deadLetterLocation: total.deadLettered > 0 ? deadLetterPrefix : nil,
            error: failure.map { String(describing: $0) })
    }
}
