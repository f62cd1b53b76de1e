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
    /// One write limiter for every file of this load, however they are started.
    let sharedServices: LoadServices
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
        state: StateLocation,
        progress: LoadProgress = LoadProgress()
    ) {
        self.configuration = configuration
        self.source = source
        self.loadRun = LoadRun(
            dryRun: configuration.dryRun, target: target, state: state, throttle: configuration.throttle,
            entityWriteLimits: configuration.entityWriteLimits, applier: configuration.applier, progress: progress)
        self.sharedServices = loadRun.services(
            writeConcurrency: configuration.writeConcurrency, checkpointInterval: configuration.checkpointInterval,
            backfillVersion: configuration.selection.map { _ in BackfillVersion.staged(startedAtMilliseconds: Timestamp.epochMilliseconds()) })
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
        for table in configuration.mapping.tables where configuration.selection?.includes(table.table) ?? true {
            for file in try await layout.listTable(table.table, in: source).fullLoad {
                let resume = try await resumePoint(of: file)
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

        let services = sharedServices

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

        var summary = loadRun.summary(
            of: results, order: configuration.mapping.tables.map(\.table), unitsFound: progress.snapshot().filesTotal,
            source: configuration.sourceDescription, table: configuration.tableName, elapsed: clock.now - started,
            failure: failure)
        summary.backfill = configuration.selection?.description
        return summary
    }

    /// Where a previous run left `file`: its checkpoint when it describes the object
    /// as it is now, nil with `restart`.
    private func resumePoint(of file: DMSFile) async throws -> FileCheckpoint? {
        let previous = configuration.restart ? nil : try await loadRun.checkpointer?.state.read(StateFolder.fileCheckpoints.file(file.key))
        return previous.flatMap { $0.matches(size: file.size, etag: nil) ? $0 : nil }
    }

    /// Loads one staged full-load file of `table` as `run` loads each (for a worker
    /// handed files one at a time): skipped when a previous run completed it, else
    /// resumed from its checkpoint, with its tracking item. Files loaded by several
    /// calls at once share this load's writers, throttle and progress.
    public func loadFile(_ file: DMSFile, table: String) async throws -> LoadedFile {
        guard let mapping = configuration.mapping.tables.first(where: { $0.table == table }) else {
            throw UnmappedTable(table: table, file: file.key)
        }
        let resume = try await resumePoint(of: file)
        if let resume, resume.state == .completed {
            _ = loadRun.skipped(table: table, unit: file.key, counts: resume.counts)
            return LoadedFile(key: file.key, table: table, counts: resume.counts, outcome: .alreadyDone)
        }
        let result = try await loadFile(
            PlannedFile(file: file, table: mapping, resume: resume), mapper: try ItemMapper(mapping: configuration.mapping),
            services: sharedServices)
        progress.fileDone()
        return LoadedFile(key: file.key, table: table, counts: result.counts, outcome: result.damaged ? .damaged : .loaded)
    }

    private func loadFile(_ planned: PlannedFile, mapper: ItemMapper, services: LoadServices) async throws -> LoadUnitResult {
        let tracking = FileTracking(
            file: planned.file, table: planned.table.table, retentionDays: configuration.trackingRetentionDays,
            batchPrefix: configuration.selection.map(FileTracking.backfillPrefix) ?? "LOAD-")
        return try await loadRun.tracked(tracking, unit: planned.file.key, resumedCounts: planned.resume?.counts) {
            let checkpoint = try await StagedFileLoad(
                file: planned.file, table: planned.table, schema: configuration.mapping.sourceSchema,
                mapper: mapper, source: CountingObjectStore(base: source, progress: progress), readOptions: configuration.readOptions,
                services: services, dateFilter: configuration.selection?.dateFilter(for: planned.table), resume: planned.resume
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

/// One staged file as `FullLoad.loadFile` left it.
public struct LoadedFile: Sendable, Equatable {
    public enum Outcome: String, Sendable, Hashable, Codable {
        /// Every record written or dead-lettered now.
        case loaded
        /// A previous run (or another worker) had completed it.
        case alreadyDone
        /// Read up to damage; the rest dead-lettered as a file.
        case damaged
    }

    public var key: String
    public var table: String
    /// Counts of the whole file (a resumed file's earlier part included).
    public var counts: EntityCounts
    public var outcome: Outcome
}

/// A file of a table the mapping does not have.
public struct UnmappedTable: Error, Sendable, CustomStringConvertible {
    public var table: String
    public var file: String

    public var description: String {
        "\(file) belongs to table \(table), which the mapping does not have: add it to the mapping file (--mapping) or leave it out of the DMS task"
    }
}
