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
    /// How fast the source may be read (`--max-bandwidth`, `--transfer-window`); unlimited by default.
    public var transfer = TransferLimit()
    /// The link's declared capacity (`--link-capacity`), for the share of it the load uses; nil: not declared.
    public var linkCapacityBitsPerSecond: Double?
    /// BatchWriteItem calls in flight at once.
    public var writeConcurrency: Int
    public var throttle: AdaptiveRateController.Configuration
    /// Ceilings in table write units per second by entity type (`--entity-max-wcu`,
    /// a plan's advice), below the throttle's; empty: none.
    public var entityWriteLimits: [String: Double] = [:]
    public var applier: BatchApplier.Configuration
    /// How often a table's checkpoint is saved while it loads.
    public var checkpointInterval: Duration
    /// Days a tracking item lives before its TTL removes it.
    public var trackingRetentionDays: Int
    /// Connection attempts at the start, before the load gives up.
    public var connectRetry: MySQLRetryPolicy
    /// How long the source may stay unreachable mid-load (a cut link) while the
    /// read waits and retries, before the load stops (a rerun resumes).
    public var reconnect: ReconnectBackoff.Policy
    /// A backfill: only these tables, only their rows in its date range (a WHERE on
    /// the chunked read), each item written unless the table holds it newer; nil:
    /// the full load.
    public var selection: LoadSelection?

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
        connectRetry: MySQLRetryPolicy = MySQLRetryPolicy(),
        reconnect: ReconnectBackoff.Policy = .init()
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
        self.reconnect = reconnect
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
    let state: SnapshotStateStore
    let loadRun: LoadRun
    public var progress: LoadProgress { loadRun.progress }
    public var throttle: WriteThrottle { loadRun.throttle }
    /// Whether the table answers, for progress lines.
    public var outage: TargetOutage { loadRun.outage }
    /// Whether the source answers, for progress lines and metrics.
    public let sourceReachability = SourceReachability()
    /// Paces the reads to `--max-bandwidth` and counts their bytes.
    let transfer: SourceTransferLimiter
    /// The throughput read from the source, and its share of the link's declared capacity.
    public let link: SourceLinkMeter

    /// - Parameters:
    ///   - target: the table; ignored on a dry run.
    ///   - state: where the snapshot position, checkpoints and dead letters are kept.
    public init(configuration: SnapshotLoadConfiguration, target: any ItemWriteTarget, state: StateLocation) {
        self.configuration = configuration
        self.state = SnapshotStateStore(state)
        self.loadRun = LoadRun(
            dryRun: configuration.dryRun, target: target, state: state, throttle: configuration.throttle,
            entityWriteLimits: configuration.entityWriteLimits, applier: configuration.applier)
        transfer = SourceTransferLimiter(limit: configuration.transfer)
        link = SourceLinkMeter(counting: transfer, capacityBitsPerSecond: configuration.linkCapacityBitsPerSecond)
    }

    public func run() async throws -> LoadSummary {
        let clock = ContinuousClock()
        let started = clock.now
        let mapper = try ItemMapper(mapping: configuration.mapping)
        let dryRun = configuration.dryRun

        // A backfill's writes are conditional on their version: safe beside a stream.
        if !dryRun && !configuration.force && configuration.selection == nil {
            let applied = try await state.changeCheckpointKeys()
            if !applied.isEmpty { throw SnapshotLoadError.changesApplied(applied) }
        }
        if configuration.restart && !dryRun { try await state.reset() }

        let tables = configuration.mapping.tables.filter { configuration.selection?.includes($0.table) ?? true }
        var results: [LoadUnitResult] = []
        var plan: [(table: TableMapping, resume: SnapshotTableCheckpoint?)] = []
        for table in tables {
            let resume = dryRun || configuration.restart ? nil : try await state.checkpoint(table: table.table)
            if let resume, resume.state == .completed {
                results.append(loadRun.skipped(table: table.table, unit: table.table, counts: resume.counts))
            } else {
                plan.append((table, resume))
            }
        }
        progress.setTotals(files: tables.count, bytes: 0)

        var position = dryRun ? nil : try await state.position()
        if let saved = position?.source, saved != configuration.sourceDescription {
            throw SnapshotLoadError.otherSource(saved: saved, now: configuration.sourceDescription)
        }
        var failure: (any Error)?
        if !plan.isEmpty {
            do {
                let source = MySQLSnapshotSource(
                    connection: configuration.connection, retry: configuration.connectRetry, reconnect: configuration.reconnect,
                    reachability: sourceReachability, chunkSize: configuration.chunkSize, limiter: transfer)
                try await source.withSnapshot(of: tables) { snapshot in
                    // The first snapshot's position stays: a resumed run's newer
                    // snapshot is covered by the stream replaying from the older one.
                    if position == nil && !dryRun {
                        try await state.save(snapshot.position)
                        position = snapshot.position
                    }
                    // A backfill's rows are as new as this snapshot (not the first one saved).
                    let version = configuration.selection.map { _ in
                        BackfillVersion.snapshot(
                            at: BinlogCoordinates(file: snapshot.position.binlogFile, position: snapshot.position.binlogPosition)
                                .sourcePosition(rowIndex: 0))
                    }
                    let services = loadRun.services(
                        writeConcurrency: configuration.writeConcurrency, checkpointInterval: configuration.checkpointInterval,
                        backfillVersion: version)
                    for (table, resume) in plan {
                        results.append(try await loadTable(table, resume: resume, snapshot: snapshot, mapper: mapper, services: services))
                        progress.fileDone()
                    }
                }
            } catch {
                failure = error
            }
        }
        var summary = loadRun.summary(
            of: results, order: configuration.mapping.tables.map(\.table), unitsFound: tables.count,
            source: configuration.sourceDescription, table: configuration.tableName, elapsed: clock.now - started,
            failure: failure)
        summary.snapshot = position?.withoutDefinitions
        summary.backfill = configuration.selection?.description
        return summary
    }

    private func loadTable(
        _ table: TableMapping, resume: SnapshotTableCheckpoint?, snapshot: MySQLSnapshotSource.OpenSnapshot, mapper: ItemMapper,
        services: LoadServices
    ) async throws -> LoadUnitResult {
        let tracking = FileTracking(
            batchId: (configuration.selection.map(FileTracking.backfillPrefix) ?? "SNAPSHOT-") + table.table, table: table.table,
            retentionDays: configuration.trackingRetentionDays)
        return try await loadRun.tracked(tracking, unit: table.table, resumedCounts: resume?.counts) {
            let query = try await snapshot.chunkQuery(for: table, dates: configuration.selection?.dateFilter(for: table))
            let counts = try await readAndWrite(
                table, query: query, resume: resume, reader: snapshot.reader, mapper: mapper, services: services)
            return (counts, nil)
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
        var writer = UnitWriter(table: table, unit: deadLetterFile, mapper: mapper, services: services, resumeFrom: startRecords, counts: resume?.counts ?? EntityCounts())
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
}
