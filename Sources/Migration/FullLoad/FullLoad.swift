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
    let loadRun: LoadRun
    public var progress: LoadProgress { loadRun.progress }
    public var throttle: WriteThrottle { loadRun.throttle }
    /// Whether the table answers, for progress lines.
    public var outage: TargetOutage { loadRun.outage }

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
        self.loadRun = LoadRun(
            dryRun: configuration.dryRun, target: target, state: state, throttle: configuration.throttle,
            applier: configuration.applier)
    }

    /// Where dead letters go, for summaries.
    public var deadLetterPrefix: String? { loadRun.checkpointer?.deadLetters.prefix }

    private struct PlannedFile: Sendable {
        var file: DMSFile
        var table: TableMapping
        var resume: FileCheckpoint?
    }

    public func run() async throws -> LoadSummary {
        let clock = ContinuousClock()
        let started = clock.now
        let mapper = try ItemMapper(mapping: configuration.mapping)
        let layout = DMSStagingLayout(bucketFolder: configuration.sourcePrefix, schema: configuration.mapping.sourceSchema)

        var plan: [PlannedFile] = []
        var results: [LoadUnitResult] = []
        for table in configuration.mapping.tables {
            for file in try await layout.listTable(table.table, in: source).fullLoad {
                let previous = configuration.restart ? nil : try await loadRun.checkpointer?.state.read(StateFolder.fileCheckpoints.file(file.key))
                let resume = previous.flatMap { $0.matches(size: file.size, etag: nil) ? $0 : nil }
                if let resume, resume.state == .completed {
                    results.append(loadRun.skipped(table: table.table, unit: file.key, counts: resume.counts))
                } else {
                    plan.append(PlannedFile(file: file, table: table, resume: resume))
                }
            }
        }
        if plan.isEmpty && results.isEmpty {
            throw NoStagedFiles(
                source: configuration.sourceDescription,
                example: "\(configuration.sourceDescription)/\(layout.schema)/\(configuration.mapping.tables.first?.table ?? "TABLE")/")
        }
        progress.setTotals(
            files: plan.count + results.count,
            bytes: plan.reduce(0) { $0 + $1.file.size })

        let services = loadRun.services(
            writeConcurrency: configuration.writeConcurrency, checkpointInterval: configuration.checkpointInterval)

        var failure: (any Error)?
        do {
            try await withThrowingTaskGroup(of: LoadUnitResult.self) { group in
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

        return loadRun.summary(
            of: results, order: configuration.mapping.tables.map(\.table), unitsFound: progress.snapshot().filesTotal,
            source: configuration.sourceDescription, table: configuration.tableName, elapsed: clock.now - started,
            failure: failure)
    }

    private func loadFile(_ planned: PlannedFile, mapper: ItemMapper, services: LoadServices) async throws -> LoadUnitResult {
        let tracking = FileTracking(file: planned.file, table: planned.table.table, retentionDays: configuration.trackingRetentionDays)
        return try await loadRun.tracked(tracking, unit: planned.file.key, resumedCounts: planned.resume?.counts) {
            let checkpoint = try await StagedFileLoad(
                file: planned.file, table: planned.table, schema: configuration.mapping.sourceSchema,
                mapper: mapper, source: CountingObjectStore(base: source, progress: progress), readOptions: configuration.readOptions,
                services: services, resume: planned.resume
            ).run()
            return (checkpoint.counts, checkpoint.state == .damaged ? "the file could not be read to its end (dead-lettered)" : nil)
        }
    }
}

/// Not one full-load file for any mapped table: almost always a `--from` one
/// folder too deep or too shallow, which must not read as a completed load.
public struct NoStagedFiles: Error, Sendable, CustomStringConvertible {
    public var source: String
    /// Where the first mapped table's files were looked for.
    public var example: String

    public var description: String {
        "no staged full-load files (LOAD*.csv[.gz]) under \(source) for any mapped table (looked for example in \(example)): "
            + "--from names the folder that holds the schema folder, as the DMS target's bucket folder"
    }
}
