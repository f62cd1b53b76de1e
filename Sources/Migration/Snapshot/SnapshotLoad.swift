import BillingModel
import DMSStaging
import DynamoDBModel
import Foundation
import MigrationCore
import MySQLSource

/// Everything a direct snapshot load needs to know, mapped from flags at the edge.
public struct SnapshotLoadConfiguration: Sendable {
    public var connection: MySQLConnectionConfiguration
    public var tableName: String
    public var mapping: Mapping
    /// Read and map, write nothing, keep no state.
    public var dryRun: Bool
    /// Forget the saved position and checkpoints and load every table again.
    public var restart: Bool
    /// Load even though a change stream has checkpoints under the same state.
    public var force: Bool
    /// Rows per primary-key chunk.
    public var chunkSize: Int
    /// BatchWriteItem calls in flight at once.
    public var writeConcurrency: Int
    public var throttle: AdaptiveRateController.Configuration
    public var applier: BatchApplier.Configuration
    /// How often a table's checkpoint is saved while it loads.
    public var checkpointInterval: Duration
    /// Days a tracking item lives before its TTL removes it.
    public var trackingRetentionDays: Int
    /// Connection attempts before the load gives up (a rerun resumes).
    public var connectRetry: MySQLRetryPolicy

    public init(
        connection: MySQLConnectionConfiguration,
        tableName: String = "BillingSystem",
        mapping: Mapping = .billing,
        dryRun: Bool = false,
        restart: Bool = false,
        force: Bool = false,
        chunkSize: Int = 5_000,
        writeConcurrency: Int = 32,
        throttle: AdaptiveRateController.Configuration = .init(),
        applier: BatchApplier.Configuration = .init(),
        checkpointInterval: Duration = .seconds(5),
        trackingRetentionDays: Int = 90,
        connectRetry: MySQLRetryPolicy = MySQLRetryPolicy()
    ) {
        self.connection = connection
        self.tableName = tableName
        self.mapping = mapping
        self.dryRun = dryRun
        self.restart = restart
        self.force = force
        self.chunkSize = chunkSize
        self.writeConcurrency = writeConcurrency
        self.throttle = throttle
        self.applier = applier
        self.checkpointInterval = checkpointInterval
        self.trackingRetentionDays = trackingRetentionDays
        self.connectRetry = connectRetry
    }

    /// The source without secrets: `mysql://billmig@127.0.0.1:3307/billing`.
    public var sourceDescription: String { connection.sourceName }
}

/// Why a snapshot load refused to start or stopped.
public struct SnapshotLoadError: Error, CustomStringConvertible {
    private enum Code {
        case changesApplied(keys: [String])
        case otherSource(saved: String, now: String)
    }

    private let code: Code

    static func changesApplied(_ keys: [String]) -> Self { Self(code: .changesApplied(keys: keys)) }
    static func otherSource(saved: String, now: String) -> Self { Self(code: .otherSource(saved: saved, now: now)) }

    /// The load refused to start (nothing was read or written).
    public var isRefusal: Bool { true }

    public var isChangesApplied: Bool {
        if case .changesApplied = code { return true }
        return false
    }

    public var description: String {
        switch code {
        case .changesApplied(let keys):
            return "a change stream has already applied changes under this state (\(keys.prefix(3).joined(separator: ", "))"
                + (keys.count > 3 ? ", ..." : "") + "): the snapshot's unconditional puts could overwrite newer data. "
                + "Use --force only if you know the table holds nothing newer, or load into a fresh table with a fresh --state"
        case .otherSource(let saved, let now):
            return "the state location holds the snapshot of \(saved), not of \(now): use another --state, or --restart to start over"
        }
    }
}

/// The full load straight from MySQL/MariaDB: one consistent snapshot, its
/// binlog position saved before any row is read, every mapped table read in
/// primary-key chunks on that snapshot's connection while mapping and writes
/// run in parallel (DynamoDB, not the read, is the bottleneck), checkpointed
/// per table by the last key done.
///
/// Why one connection: a consistent snapshot belongs to one transaction, and
/// MariaDB and MySQL cannot share it between connections without a global
/// read lock. One snapshot means one position: every row read is as of it,
/// every change after it is left to the stream.
public struct SnapshotLoad: Sendable {
    public let configuration: SnapshotLoadConfiguration
    let target: any ItemWriteTarget
    let state: SnapshotStateStore
    /// Nil on a dry run.
    let checkpointer: Checkpointer?
    public let progress: LoadProgress
    public let throttle: WriteThrottle

    /// - Parameters:
    ///   - target: the table; ignored on a dry run.
    ///   - state: where the snapshot position, checkpoints and dead letters are kept.
    public init(configuration: SnapshotLoadConfiguration, target: any ItemWriteTarget, state: StateLocation) {
        self.configuration = configuration
        self.target = configuration.dryRun ? DiscardingWriteTarget() : target
        self.state = SnapshotStateStore(state)
        self.checkpointer = configuration.dryRun ? nil : Checkpointer(state: state)
        self.progress = LoadProgress()
        self.throttle = WriteThrottle(configuration: configuration.throttle)
    }

    private struct TableResult: Sendable {
        var table: String
        var counts: EntityCounts
        var span: Range<ContinuousClock.Instant>?
        var skipped: Bool { span == nil }
    }

    public func run() async throws -> LoadSummary {
        let clock = ContinuousClock()
        let started = clock.now
        let mapper = try ItemMapper(mapping: configuration.mapping)
        let dryRun = configuration.dryRun

        if !dryRun && !configuration.force {
            let applied = try await state.changeCheckpointKeys()
            if !applied.isEmpty { throw SnapshotLoadError.changesApplied(applied) }
        }
        if configuration.restart && !dryRun { try await state.reset() }

        var results: [TableResult] = []
        var plan: [(table: TableMapping, resume: SnapshotTableCheckpoint?)] = []
        for table in configuration.mapping.tables {
            let resume = dryRun || configuration.restart ? nil : try await state.checkpoint(table: table.table)
            if let resume, resume.state == .completed {
                results.append(TableResult(table: table.table, counts: resume.counts, span: nil))
                progress.add(resume.counts, to: table.table)
                progress.fileDone()
            } else {
                plan.append((table, resume))
            }
        }
        progress.setTotals(files: configuration.mapping.tables.count, bytes: 0)

        var position = dryRun ? nil : try await state.position()
        if let saved = position?.source, saved != configuration.sourceDescription {
            throw SnapshotLoadError.otherSource(saved: saved, now: configuration.sourceDescription)
        }
        var failure: (any Error)?
        if !plan.isEmpty {
            do {
                let source = MySQLSnapshotSource(
                    connection: configuration.connection, retry: configuration.connectRetry, chunkSize: configuration.chunkSize)
                try await source.withSnapshot { snapshot in
                    // The first snapshot's position stays: a resumed run's newer
                    // snapshot is covered by the stream replaying from the older one.
                    if position == nil && !dryRun {
                        try await state.save(snapshot.position)
                        position = snapshot.position
                    }
                    let services = LoadServices(
                        applier: BatchApplier(target: target, throttle: throttle, configuration: configuration.applier),
                        limiter: ConcurrencyLimiter(limit: max(1, configuration.writeConcurrency)),
                        progress: progress, dryRun: dryRun, writeConcurrency: configuration.writeConcurrency,
                        checkpointInterval: configuration.checkpointInterval, checkpointer: checkpointer)
                    for (table, resume) in plan {
                        results.append(try await loadTable(table, resume: resume, snapshot: snapshot, mapper: mapper, services: services))
                        progress.fileDone()
                    }
                }
            } catch {
                failure = error
            }
        }
        var summary = summary(results: results, elapsed: clock.now - started, failure: failure)
        summary.snapshot = position
        return summary
    }

    private func loadTable(
        _ table: TableMapping, resume: SnapshotTableCheckpoint?, snapshot: MySQLSnapshotSource.OpenSnapshot, mapper: ItemMapper,
        services: LoadServices
    ) async throws -> TableResult {
        let clock = ContinuousClock()
        let started = clock.now
        let tracking = FileTracking(batchId: "SNAPSHOT-" + table.table, table: table.table, retentionDays: configuration.trackingRetentionDays)
        try await target.put(tracking.item(.inProgress, counts: resume?.counts ?? EntityCounts(), error: nil))
        do {
            let query = try await snapshot.chunkQuery(for: table)
            let counts = try await readAndWrite(
                table, query: query, resume: resume, reader: snapshot.reader, mapper: mapper, services: services)
            try await target.put(tracking.item(.completed, counts: counts, error: nil))
            return TableResult(table: table.table, counts: counts, span: started..<clock.now)
        } catch {
            // Best effort: the table may be what failed. The checkpoint, not this
            // item, is what a resume relies on.
            try? await target.put(tracking.item(.failed, counts: resume?.counts ?? EntityCounts(), error: String(describing: error)))
            throw error
        }
    }

    /// Reads the table's chunks after the resume key, the next chunk while the
    /// current one is mapped and written, and returns the final counts.
    private func readAndWrite(
        _ table: TableMapping, query: PrimaryKeyChunkQuery, resume: SnapshotTableCheckpoint?, reader: SnapshotReader,
        mapper: ItemMapper, services: LoadServices
    ) async throws -> EntityCounts {
        let deadLetterFile = "snapshot/" + table.table
        let startRecords = resume?.rowsDone ?? 0
        let resumeKey = resume?.resumeKey
        try await services.checkpointer?.deadLetters.discard(file: deadLetterFile, fromRecord: startRecords)
        var writer = UnitWriter(table: table, mapper: mapper, services: services, resumeFrom: startRecords, counts: resume?.counts ?? EntityCounts())
        let origin = configuration.sourceDescription + " " + table.table

        func save(_ ledger: inout FileLoadLedger, markers: [Int: [SourceValue]], state: FileCheckpoint.State) async throws -> EntityCounts {
            let taken = ledger.takeCheckpoint()
            let key = taken.recordsDone == startRecords ? resumeKey : markers[taken.recordsDone]
            precondition(key != nil || taken.recordsDone == startRecords, "a unit boundary always has its key")
            try await services.checkpointer?.save(
                SnapshotTableCheckpoint(
                    table: table.table, state: state, lastKey: key, rowsDone: taken.recordsDone, counts: taken.counts,
                    updatedAt: Timestamp.now()),
                to: StateFolder.snapshotCheckpoints.file(table.table),
                after: DeadLetterInterval(taken.deadLetters, folder: deadLetterFile, fromRecord: taken.fromRecord))
            return taken.counts
        }
        let dryRun = configuration.dryRun
        let checkpoint: UnitWriter.Checkpoint = { ledger, markers in
            if !dryRun { _ = try await save(&ledger, markers: markers, state: .inProgress) }
        }

        try await withThrowingTaskGroup(of: (Int, BatchApplier.Outcome).self) { group in
            var chunk = try await reader.readChunk(query, after: resumeKey)
            while true {
                // Read ahead: the connection fetches the next chunk while this one is written.
                let after = chunk.isLast ? nil : chunk.lastKey
                async let following: PrimaryKeyChunk? = after == nil ? nil : reader.readChunk(query, after: after)
                for row in chunk.rows {
                    let line = writer.records + 1
                    let change = SourceChange(
                        table: table.table, operation: .snapshot, row: row,
                        position: .fullLoad(file: deadLetterFile, line: line), origin: RowOrigin(source: origin, line: line))
                    try await writer.add(change, marker: query.key(of: row), group: &group, checkpoint: checkpoint)
                }
                guard let next = try await following else { break }
                chunk = next
            }
            try await writer.finish(group: &group, checkpoint: checkpoint)
        }
        var ledger = writer.ledger
        precondition(ledger.isSettled, "every unit settles before a table completes")
        if dryRun { return ledger.takeCheckpoint().counts }
        return try await save(&ledger, markers: writer.markers, state: .completed)
    }

    private func summary(results: [TableResult], elapsed: Duration, failure: (any Error)?) -> LoadSummary {
        let byTable = Dictionary(results.map { ($0.table, $0) }, uniquingKeysWith: { $1 })
        let rows = configuration.mapping.tables.compactMap { table in
            byTable[table.table].map { result in
                (table.table, result.counts, result.span.map { ($0.upperBound - $0.lowerBound).seconds } ?? 0)
            }
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
                found: configuration.mapping.tables.count,
                skipped: results.filter(\.skipped).count,
                completed: results.filter { !$0.skipped }.count),
            deadLetterLocation: total.deadLettered > 0 ? checkpointer?.deadLetters.prefix : nil,
            error: failure.map { String(describing: $0) })
    }
}
