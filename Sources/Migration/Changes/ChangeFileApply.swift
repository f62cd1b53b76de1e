import BillingModel
import DMSStaging
import DynamoDBModel
import Foundation
import Logging
import MigrationCore
import Synchronization

/// Applies DMS change files to the single table: lists the timestamp-named
/// change files of every mapped table (and the `CDC_TXN-*` files of a CdcPath),
/// reads each stream's files in order, maps every change to its conditional
/// writes and applies them through the `ChangeApplier`; once, or polling for new
/// files until stopped. Each stream's checkpoint (its last fully applied file and
/// the low-watermark within the next) is saved as changes settle, so a killed run
/// started again resumes where the checkpoint says; what it redoes is harmless,
/// as every write is conditional on its source version.
public struct ChangeFileApply: Sendable {
    /// The stream name of the `CDC_TXN` files (all tables, in transaction order).
    public static let transactionStream = "CDC_TXN"

    public let configuration: ChangeApplyConfiguration
    let source: any ObjectStore
    let checkpointer: Checkpointer
    let applier: ChangeApplier
    public let progress: LoadProgress
    public let throttle: WriteThrottle
    /// Whether the table answers, for progress lines.
    public var outage: TargetOutage { applier.outage }
    /// Set it (from a signal handler) to finish what is in flight, checkpoint and stop.
    public let stop: StopSignal

    /// - Parameters:
    ///   - source: where DMS staged the files.
    ///   - target: the table.
    ///   - state: where checkpoints and dead letters are kept, and under which prefix
    ///     (`{prefix}change-checkpoints/{stream}.json`, `{prefix}dead-letters/{file}/…`).
    public init(
        configuration: ChangeApplyConfiguration,
        source: any ObjectStore,
        target: any ItemWriteTarget,
        state: StateLocation,
        stop: StopSignal = StopSignal(),
        progress: LoadProgress = LoadProgress()
    ) {
        self.configuration = configuration
        self.source = source
        checkpointer = Checkpointer(state: state)
        self.progress = progress
        throttle = WriteThrottle(configuration: configuration.throttle)
        applier = ChangeApplier(target: target, throttle: throttle, configuration: configuration.applier)
        self.stop = stop
    }

    /// Where dead letters go, for summaries.
    public var deadLetterPrefix: String { checkpointer.deadLetters.prefix }

    typealias Tracker = ChangeTracker<ChangeMark, ChangeContext>
    typealias Submitter = ChangeSubmitter<ChangeMark, ChangeContext>

    /// A change file to read, from `startRecord` on.
    struct PlannedFile: Sendable {
        var stream: String
        var file: DMSFile
        /// Nil for a `CDC_TXN` file (it holds every table).
        var table: DMSTableLayout?
        var startRecord: Int
    }

    public func run() async throws -> ApplySummary {
        let clock = ContinuousClock()
        let started = clock.now
        let mapper = try ItemMapper(mapping: configuration.mapping)
        let mapping = configuration.mapping
        let layout = DMSStagingLayout(
            bucketFolder: configuration.sourcePrefix, schema: mapping.sourceSchema, cdcPath: configuration.cdcPath)
        let tables = mapping.tables.map {
            DMSTableLayout(schema: mapping.sourceSchema, table: $0.table, columns: $0.columns.map(\.name))
        }
        var streams = tables.map(\.table)
        if layout.transactionPrefix != nil { streams.append(Self.transactionStream) }

        var failure: (any Error)?
        var passes = 0
        var seen: Set<String> = []
        var skipped = 0
        var interrupted = false
        let state = RunState()
        do {
            var loaded: [ChangeCheckpoint] = []
            for stream in streams {
                if let checkpoint = try await checkpointer.state.read(StateFolder.changeCheckpoints.file(stream)) { loaded.append(checkpoint) }
            }
            state.values.withLock { $0.book = ChangeCheckpointBook(checkpoints: loaded) }

            passLoop: while !stop.isStopped {
                passes += 1
                let listed = try await list(layout: layout, tables: tables)
                let book = state.values.withLock { $0.book }
                var plan: [PlannedFile] = []
                for var planned in listed {
                    let position = ChangeCheckpoint.FilePosition(order: planned.file.stem, key: planned.file.key)
                    let start = book.checkpoint(stream: planned.stream).startRecord(for: position)
                    if seen.insert(planned.file.key).inserted, start == nil {
                        skipped += 1
                        progress.fileDone()
                    }
                    guard let start else { continue }
                    planned.startRecord = start
                    plan.append(planned)
                }
                progress.setTotals(files: seen.count, bytes: 0)
                if !plan.isEmpty, !(try await apply(plan, mapper: mapper, state: state)) {
                    interrupted = true
                }
                switch configuration.polling {
                case .once:
                    break passLoop
                case .every(let pause):
                    await stop.sleep(for: pause)
                }
            }
        } catch {
            failure = error
        }

        let (counts, filesApplied) = state.values.withLock { ($0.counts, $0.filesApplied) }
        let order = mapping.tables.map(\.table)
        let names = order.filter { counts[$0] != nil } + counts.keys.filter { !order.contains($0) }.sorted()
        let rows = names.map { ($0, counts[$0]!) }
        let total = rows.reduce(ChangeCounts()) { $0 + $1.1 }
        // Polling ends by a stop; a single pass stopped before its end did not finish.
        let stoppedEarly = interrupted && configuration.polling == .once
        return ApplySummary(
            status: ApplySummary.status(total: total, failed: failure != nil || stoppedEarly),
            source: configuration.sourceDescription,
            table: configuration.tableName,
            elapsedSeconds: (clock.now - started).seconds,
            passes: passes,
            stopped: stop.isStopped,
            perEntity: rows,
            files: .init(found: seen.count, skipped: skipped, applied: filesApplied),
            deadLetterLocation: total.deadLettered > 0 ? deadLetterPrefix : nil,
            error: failure.map { String(describing: $0) } ?? (stoppedEarly ? "stopped before every file was applied" : nil))
    }

    /// Applies one change file (for a worker handed files one at a time): the file is
    /// a stream of its own, checkpointed under `change-file-checkpoints/`, so files of
    /// one table may be applied in any order and by several workers at once (the
    /// version conditions decide); a file applied before is skipped, one interrupted
    /// resumes from its checkpoint. `table` is nil for a `CDC_TXN` file.
    public func applyFile(_ file: DMSFile, table: String?) async throws -> AppliedChangeFile {
        let mapping = configuration.mapping
        var layout: DMSTableLayout?
        if let table {
            guard let mapped = mapping.tables.first(where: { $0.table == table }) else {
                throw UnmappedTable(table: table, file: file.key)
            }
            layout = DMSTableLayout(schema: mapping.sourceSchema, table: mapped.table, columns: mapped.columns.map(\.name))
        }
        let folder = StateFolder<ChangeCheckpoint>.changeFileCheckpoints
        let state = RunState(folder: folder)
        let saved = try await checkpointer.state.read(folder.file(file.key))
        state.values.withLock { $0.book = ChangeCheckpointBook(checkpoints: saved.map { [$0] } ?? []) }
        let position = ChangeCheckpoint.FilePosition(order: file.stem, key: file.key)
        guard let start = state.values.withLock({ $0.book.checkpoint(stream: file.key).startRecord(for: position) }) else {
            progress.fileDone()
            return AppliedChangeFile(key: file.key, counts: saved?.counts ?? [:], outcome: .alreadyDone)
        }
        let finished = try await apply(
            [PlannedFile(stream: file.key, file: file, table: layout, startRecord: start)],
            mapper: try ItemMapper(mapping: mapping), state: state)
        let counts = state.values.withLock { $0.book.checkpoint(stream: file.key).counts }
        return AppliedChangeFile(key: file.key, counts: counts, outcome: finished ? .applied : .interrupted)
    }

    /// Every change file of every stream, each stream in its order: tables in
    /// mapping order, then the `CDC_TXN` files.
    private func list(layout: DMSStagingLayout, tables: [DMSTableLayout]) async throws -> [PlannedFile] {
        var files: [PlannedFile] = []
        for table in tables {
            for file in try await layout.listTable(table.table, in: source).changes {
                files.append(PlannedFile(stream: table.table, file: file, table: table, startRecord: 0))
            }
        }
        for file in try await layout.listTransactionFiles(in: source) {
            files.append(PlannedFile(stream: Self.transactionStream, file: file, table: nil, startRecord: 0))
        }
        return files
    }

    /// One pass: applies the planned files through the applier and checkpoints what
    /// settled. False when a stop request ended it before every file was read.
    private func apply(_ plan: [PlannedFile], mapper: ItemMapper, state: RunState) async throws -> Bool {
        let tracker = Tracker()
        let finished: Bool
        do {
            finished = try await applier.run(tracker: tracker) { submitter in
                for planned in plan {
                    guard !stop.isStopped, try await read(planned, mapper: mapper, submitter: submitter, state: state)
                    else { return false }
                }
                return true
            }
        } catch {
            // Keep what settled before the failure; the rest is redone on resume.
            try? await checkpoint(tracker.takeSettled(), state: state)
            throw error
        }
        try await checkpoint(tracker.takeSettled(), state: state)
        return finished
    }

    private struct StopReading: Error {}

    /// Reads one file and submits its changes, and marks its end when read to the
    /// end (true); false when a stop request interrupted it.
    private func read(_ planned: PlannedFile, mapper: ItemMapper, submitter: Submitter, state: RunState) async throws
        -> Bool
    {
        try await LogContext.with([LogKey.file: .string(planned.file.key)]) {
            Self.logger.info("change file started", metadata: ["fromRecord": .stringConvertible(planned.startRecord)])
            let finished = try await readFile(planned, mapper: mapper, submitter: submitter, state: state)
            Self.logger.info(finished ? "change file read" : "change file stopped", metadata: [:])
            return finished
        }
    }

    static let logger = Logger(label: "billmig.apply")

    private func readFile(_ planned: PlannedFile, mapper: ItemMapper, submitter: Submitter, state: RunState) async throws -> Bool {
        let file = planned.file
        try await checkpointer.deadLetters.discard(file: file.key, fromRecord: planned.startRecord)
        let reader = DMSFileReader(options: configuration.readOptions)
        var record = 0

        func handle(_ records: [DMSRecord]) async throws {
            var read: [String: Int] = [:]
            for item in records {
                record += 1
                if record <= planned.startRecord { continue }
                let mark = ChangeMark(stream: planned.stream, file: file.key, fileOrder: file.stem, record: record)
                switch item {
                case .change(let change):
                    read[change.table, default: 0] += 1
                    try await submitter.submit(change, mapper: mapper, mark: mark)
                case .error(let problem):
                    let entity = problem.table ?? planned.stream
                    read[entity, default: 0] += 1
                    submitter.reject(
                        entity: entity, mark: mark,
                        context: ChangeContext(stage: .parse, origin: problem.origin, raw: problem.raw),
                        reason: problem.reason)
                }
            }
            for (entity, count) in read { progress.add(EntityCounts(rowsRead: count), to: entity) }
            if state.checkpointDue(every: configuration.checkpointInterval) {
                try await checkpoint(submitter.takeSettled(), state: state)
            }
            if stop.isStopped { throw StopReading() }
        }

        do {
            if let table = planned.table {
                _ = try await reader.read(file, table: table, from: source) { try await handle($0) }
            } else {
                let tables = configuration.mapping.tables.map {
                    DMSTableLayout(
                        schema: configuration.mapping.sourceSchema, table: $0.table, columns: $0.columns.map(\.name))
                }
                _ = try await reader.readTransactions(file, tables: tables, from: source) { try await handle($0) }
            }
        } catch is StopReading {
            return false
        }
        submitter.mark(ChangeMark(stream: planned.stream, file: file.key, fileOrder: file.stem, record: record, endOfFile: true))
        return true
    }

    /// Takes settled changes in: counts, dead letters (stored first), then the
    /// checkpoints they move.
    private func checkpoint(_ settled: [Tracker.Ledger.Settled], state: RunState) async throws {
        let columns = Dictionary(
            configuration.mapping.tables.map { ($0.table, $0.columns.map(\.name)) }, uniquingKeysWith: { a, _ in a })
        struct Interval: Hashable {
            var file: String
            var fromRecord: Int
        }
        var letters: [Interval: [DeadLetterRecord]] = [:]
        var intervals: [Interval] = []
        var shown: [String: EntityCounts] = [:]
        var filesDone = 0
        let now = Timestamp.now()
        state.values.withLock { values in
            for entry in settled {
                if let change = entry.change {
                    values.counts[change.entity, default: ChangeCounts()].record(change.outcome)
                    switch change.outcome {
                    case .applied, .skippedStale:
                        shown[change.entity, default: EntityCounts()].itemsWritten += 1
                    case .deadLettered(let reason):
                        shown[change.entity, default: EntityCounts()].deadLettered += 1
                        let interval = Interval(
                            file: entry.mark.file,
                            fromRecord: values.book.intervalStart(stream: entry.mark.stream, file: entry.mark.file))
                        if letters[interval] == nil { intervals.append(interval) }
                        letters[interval, default: []].append(
                            change.context.deadLetter(
                                table: change.entity, columns: columns[change.entity], reason: reason, at: now,
                                batch: "\(entry.mark.file)#\(entry.mark.record)"))
                    }
                }
                if entry.mark.endOfFile {
                    values.filesApplied += 1
                    filesDone += 1
                }
                values.book.settle(entry.mark, entity: entry.change?.entity, outcome: entry.change?.outcome)
            }
        }
        for (entity, counts) in shown { progress.add(counts, to: entity) }
        for _ in 0..<filesDone { progress.fileDone() }
        let changed = state.values.withLock { $0.book.takeChanged(updatedAt: now) }
        try await checkpointer.save(
            changed.map { ($0, state.folder.file($0.stream)) },
            after: intervals.map { DeadLetterInterval(letters[$0]!, folder: $0.file, fromRecord: $0.fromRecord) })
    }
}

/// The run's state shared by the reading task and the code around the passes.
/// Only one of them uses it at a time; the lock makes that safe to share.
final class RunState: Sendable {
    /// Where the checkpoints of this run's streams go.
    let folder: StateFolder<ChangeCheckpoint>

    init(folder: StateFolder<ChangeCheckpoint> = .changeCheckpoints) {
        self.folder = folder
    }

    struct Values {
        var book = ChangeCheckpointBook()
        /// Counts of this run.
        var counts: [String: ChangeCounts] = [:]
        var filesApplied = 0
        var lastCheckpoint = ContinuousClock.now
    }

    let values = Mutex(Values())

    /// True at most once per `interval`.
    func checkpointDue(every interval: Duration) -> Bool {
        values.withLock { values in
            let now = ContinuousClock.now
            guard now - values.lastCheckpoint >= interval else { return false }
            values.lastCheckpoint = now
            return true
        }
    }
}

/// One change file as `ChangeFileApply.applyFile` left it.
public struct AppliedChangeFile: Sendable, Equatable {
    public enum Outcome: String, Sendable, Hashable, Codable {
        /// Every change applied, skipped as stale or dead-lettered.
        case applied
        /// Applied before (its checkpoint says so).
        case alreadyDone
        /// A stop request ended it before its end; its checkpoint says where to resume.
        case interrupted
    }

    public var key: String
    /// Counts per entity over every run of this file.
    public var counts: [String: ChangeCounts]
    public var outcome: Outcome
}
