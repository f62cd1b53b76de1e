import BillingModel
import DMSStaging
import Foundation
import Logging
import MigrationCore
import MySQLSource
import NIOCore
import Synchronization

/// `billmig stream`: the source's binlog, applied to the single table as it
/// happens.
///
/// A reader task follows the binlog (rotations included), maps each row change
/// to its conditional writes and submits them to the `ChangeApplier` (different
/// items in parallel, one item in order), and marks each transaction's end. A
/// collector task takes what settled, in order, and keeps the low-watermark: the
/// end of the last transaction whose every change is written, skipped as stale or
/// dead-lettered. That is the checkpoint (`{state}/changes/binlog.json`), saved
/// every few seconds and at the end, with the lag and throughput figures.
///
/// A dropped connection is reopened with backoff from the end of the last
/// transaction read; changes already submitted are not submitted again. A killed
/// run resumes from the checkpoint and may redo what came after it, which is
/// harmless: every write is conditional on the change's binlog position.
public struct BinlogChangeStream: Sendable {
    public let configuration: BinlogStreamConfiguration
    let target: any ItemWriteTarget
    let checkpointer: Checkpointer
    let applier: ChangeApplier
    public let throttle: WriteThrottle
    public let progress: StreamProgress
    /// Whether the table answers, for progress lines.
    public var outage: TargetOutage { applier.outage }
    /// Set it (from a signal handler) to stop reading, finish the writes in flight and checkpoint.
    public let stop: StopSignal
    /// Paces reading to `--max-bandwidth` and counts the bytes read.
    let transfer: SourceTransferLimiter
    /// The throughput read from the source, and its share of the link's declared capacity.
    public let link: SourceLinkMeter
    /// The items changed around outages (when the configuration asks for it).
    public let changedAroundOutages: ChangedKeysAroundOutages?
    /// Where the binlog comes from; nil: the configured MySQL connection.
    let eventSource: (any BinlogEventSource)?
    /// The write switches so far, which give each change its version's epoch.
    let epochs: any SwitchEpochSource

    /// - Parameters:
    ///   - state: where the checkpoint, the snapshot position and dead letters
    ///     are kept (`{prefix}changes/binlog.json`, `{prefix}snapshot.json`, `{prefix}dead-letters/binlog/…`).
    ///   - events: the binlog; by default the configured connection's (tests pass a scripted one).
    ///   - epochs: the write switches made so far (by default none: epoch-0 versions).
    public init(
        configuration: BinlogStreamConfiguration, target: any ItemWriteTarget,
        state: StateLocation, stop: StopSignal = StopSignal(), events: (any BinlogEventSource)? = nil,
        epochs: any SwitchEpochSource = InitialEpochOnly()
    ) {
        self.configuration = configuration
        self.target = target
        eventSource = events
        self.epochs = epochs
        checkpointer = Checkpointer(state: state)
        throttle = WriteThrottle(configuration: configuration.throttle)
        applier = ChangeApplier(target: target, throttle: throttle, configuration: configuration.applier)
        progress = StreamProgress()
        self.stop = stop
        transfer = SourceTransferLimiter(limit: configuration.transfer)
        link = SourceLinkMeter(counting: transfer, capacityBitsPerSecond: configuration.linkCapacityBitsPerSecond)
        changedAroundOutages = configuration.outageWindow.map(ChangedKeysAroundOutages.init)
    }

    public var checkpointKey: String { checkpointer.state.key(StateFile.binlogCheckpoint.path) }
    public var snapshotKey: String { checkpointer.state.key(StateFile.snapshotPosition.path) }
    var deadLetters: DeadLetterStore { checkpointer.deadLetters }
    public var deadLetterPrefix: String { deadLetters.prefix }

    /// The source as summaries and checkpoints name it, without secrets.
    var sourceName: String { configuration.connection.sourceName }

    typealias Tracker = ChangeTracker<StreamMark, ChangeContext>
    typealias Submitter = ChangeSubmitter<StreamMark, ChangeContext>

    // MARK: Start

    /// Where a run starts and what said so.
    struct Start: Sendable {
        var position: BinlogStart
        var origin: StreamSummary.StartOrigin
        var checkpoint: BinlogCheckpoint?
        /// The definitions the checkpoint or the snapshot recorded for the binlog
        /// from `position`; nil for an explicit start (read from the source then).
        var definitions: [String: SourceTableDefinition]? = nil
    }

    /// The explicit start, else the checkpoint, else the snapshot position, else an error.
    func resolveStart() async throws -> Start {
        let checkpoint = try await read(.binlogCheckpoint)
        if let explicit = configuration.start {
            switch explicit {
            case .coordinates(let file, let position):
                return Start(position: .coordinates(.init(file: file, position: position)), origin: .explicit, checkpoint: checkpoint)
            case .gtid(let gtid):
                return Start(position: .gtid(gtid), origin: .explicit, checkpoint: checkpoint)
            }
        }
        if let checkpoint {
            return Start(
                position: .coordinates(.init(file: checkpoint.file, position: checkpoint.position)), origin: .checkpoint,
                checkpoint: checkpoint, definitions: checkpoint.definitions)
        }
        if let snapshot = try await read(.snapshotPosition) {
            return Start(
                position: .coordinates(.init(file: snapshot.binlogFile, position: snapshot.binlogPosition)),
                origin: .snapshot, checkpoint: nil, definitions: snapshot.definitions)
        }
        throw BinlogStreamError(
            .noStartPosition,
            "no place to start the change stream: no checkpoint (\(checkpointKey)) and no snapshot position "
                + "(\(snapshotKey)) in the state location. Run `billmig load --from mysql://...` first, "
                + "or give --start-position FILE:POS or --start-gtid GTID.")
    }

    private func read<Value>(_ file: StateFile<Value>) async throws -> Value? {
        do {
            return try await checkpointer.state.read(file)
        } catch let error as DecodingError {
            throw BinlogStreamError(.unreadableState, "\(checkpointer.state.key(file.path)) cannot be read: \(error)")
        }
    }

    // MARK: Run

    public func run() async throws -> StreamSummary {
        let clock = ContinuousClock()
        let started = clock.now
        let mapper = try ItemMapper(mapping: configuration.mapping)
        let start = try await resolveStart()
        let rule = await BinlogStopRule.starting(configuration.stop, source: configuration.connection)
        let heartbeat = configuration.heartbeat.map { SourceHeartbeat(configuration: $0, connection: configuration.connection) }
        if let heartbeat { try await heartbeat.prepare() }

        let state = BinlogStreamState(start: start, heartbeat: heartbeat != nil, clock: clock)
        if case .coordinates(let coordinates) = start.position {
            try await deadLetters.discard(file: Self.deadLetterFolder(coordinates.file), fromRecord: Int(coordinates.position))
        }

        let tracker = Tracker()
        var failure: (any Error)?
        var ending = StreamSummary.Ending.failed
        do {
            ending = try await withThrowingTaskGroup(of: Void.self) { group in
                if let heartbeat { group.addTask { await heartbeat.run() } }
                defer { group.cancelAll() }
                return try await applier.run(tracker: tracker) { submitter in
                    try await withThrowingTaskGroup(of: StreamSummary.Ending?.self) { inner in
                        inner.addTask {
                            defer {
                                state.readerDone.store(true, ordering: .releasing)
                                tracker.settlements.signal()
                            }
                            let history = try await readEpochs()
                            do {
                                return try await read(
                                    from: start, stopRule: rule, mapper: mapper, epochs: history,
                                    heartbeat: heartbeat, submitter: submitter, state: state)
                            } catch let error as MySQLError where error.code == .schemaChange {
                                // Everything before the statement is written and checkpointed
                                // (the checkpoint ends right before it); then the run fails with it.
                                state.stopped(by: error)
                                return .failed
                            }
                        }
                        inner.addTask {
                            try await collect(tracker: tracker, state: state)
                            return nil
                        }
                        var ending = StreamSummary.Ending.failed
                        while let next = try await inner.next() {
                            if let next { ending = next }
                        }
                        return ending
                    }
                }
            }
        } catch {
            failure = error
            // Keep what settled before the failure; the rest is redone on resume.
            state.absorb(tracker.takeSettled(), stream: self)
            try? await save(state)
        }
        if failure == nil, let schemaChange = state.stoppingError { failure = schemaChange }

        let (counts, applied, transactions) = state.values.withLock { ($0.counts, $0.applied, $0.transactionsSettled) }
        let order = configuration.mapping.tables.map(\.table)
        let names = order.filter { counts[$0] != nil } + counts.keys.filter { !order.contains($0) }.sorted()
        let rows = names.map { ($0, counts[$0]!) }
        let total = rows.reduce(ChangeCounts()) { $0 + $1.1 }
        let snapshot = progress.snapshot()
        return StreamSummary(
            status: ApplySummary.status(total: total, failed: failure != nil),
            ending: failure == nil ? ending : .failed,
            source: sourceName,
            table: configuration.tableName,
            startedAt: start.position.description,
            startedFrom: start.origin,
            checkpoint: applied.map { "\($0.file):\($0.position)" },
            elapsedSeconds: (clock.now - started).seconds,
            perEntity: rows,
            transactions: transactions,
            reconnects: snapshot.reconnects,
            health: state.health(),
            deadLetterLocation: total.deadLettered > 0 ? deadLetters.prefix + "binlog/" : nil,
            error: failure.map { String(describing: $0) },
            advice: failure.map(advice(after:)))
    }

    /// What to do after `failure`: run again, unless the history it needs is gone.
    func advice(after failure: any Error) -> String {
        guard let error = failure as? BinlogStreamError, !error.isResumable else {
            return "nothing is lost: run the same command again to resume from the checkpoint"
        }
        return "recover with a new snapshot as of now: `billmig load --from \(sourceName) --table \(configuration.tableName) "
            + "--restart --force` (its position is where the stream starts next: `billmig stream --start-position FILE:POS` "
            + "with the position it prints), then `billmig validate` and `billmig repair` for the rows deleted in the gap; "
            + "keep binlogs longer than the longest pause of the stream (docs/operations.md, 'When the binlog was purged')"
    }

    static func deadLetterFolder(_ binlogFile: String) -> String { "binlog/" + binlogFile }

    static let logger = Logger(label: "billmig.stream")

    /// A binlog change's batch id: the position of its rows event, `file:position`
    /// (the change's origin when the file is not known yet, after a GTID start).
    static func batchID(of change: SourceChange, binlogFile: String?) -> String {
        guard case .binlog(let sequence, let position, _) = change.position, let binlogFile else { return change.origin.source }
        return BinlogCoordinates(fileSequence: sequence, position: position, siblingOf: binlogFile).description
    }

    /// The write switches so far. The cutover keeps them in the target table, so
    /// they are read under the table's outage tolerance, as the writes are: an
    /// unreachable table shows on the progress line and ends the run past it.
    func readEpochs() async throws -> SwitchEpochHistory {
        var attempt = 0
        while true {
            do {
                let history = try await epochs.switchEpochs()
                applier.outage.succeeded()
                return history
            } catch let error as SwitchEpochsUnreadable {
                throw error
            } catch {
                let failure = DynamoDBWriteTarget.classify(error, target: applier.outage.target)
                switch failure.kind {
                case .rejected: throw error
                case .missingTable: throw failure
                case .transient: try applier.outage.failed(failure)
                case .throttled: break
                }
                attempt += 1
                try await Task.sleep(for: applier.backoff(attempt: attempt))
            }
        }
    }

    // MARK: Reader

    /// Follows the binlog and submits its changes until the stop rule or a stop
    /// request ends it (the reader reconnects after a dropped connection).
    private func read(
        from start: Start, stopRule: BinlogStopRule, mapper: ItemMapper, epochs: SwitchEpochHistory,
        heartbeat: SourceHeartbeat?, submitter: Submitter, state: BinlogStreamState
    ) async throws -> StreamSummary.Ending {
        let heartbeatTable = heartbeat?.configuration.table
        var assembler = BinlogChangeAssembler.Configuration(
            database: configuration.connection.database, mapping: configuration.mapping,
            alsoReading: heartbeatTable.map { [$0] } ?? [])
        assembler.definitions = start.definitions ?? [:]
        let reader = BinlogReader(
            source: eventSource ?? MySQLBinlogEventSource(
                connection: configuration.connection, assembler: assembler, heartbeatPeriod: configuration.serverHeartbeatPeriod,
                readTimeout: configuration.readTimeout, replicaServerID: configuration.replicaServerID),
            reconnect: configuration.reconnect, stop: stop, transfer: transfer)
        var changesInTransaction = 0
        var read = 0
        var beat: Double?
        // The binlog file being read, which names a change's batch (its event's position).
        var binlogFile: String?
        var sessions = 0
        if case .coordinates(let coordinates) = start.position { binlogFile = coordinates.file }
        return try await reader.read(from: start.position, stopRule: stopRule) { event in
            switch event {
            case .changes(let changes):
                // The keys this event changed, for the check after an outage: one lock and one
                // clock read per event, not per write.
                var touched: [String] = []
                defer { if !touched.isEmpty { changedAroundOutages?.touched(touched) } }
                for change in changes {
                    if let heartbeatTable, change.table == heartbeatTable {
                        if change.operation != .delete, let value = heartbeat?.beat(in: change.row) { beat = value }
                        continue
                    }
                    read += 1
                    changesInTransaction += 1
                    let writes = try await submitter.submit(
                        change, mapper: mapper, mark: .change,
                        version: epochs.version(ofMySQLChangeAt: change.position).orderingKey,
                        batch: Self.batchID(of: change, binlogFile: binlogFile))
                    if changedAroundOutages != nil { touched.append(contentsOf: writes.lazy.map(\.key.pk)) }
                }
            case .commit(let resumeAt, let gtid, let commitTime):
                binlogFile = resumeAt.file
                submitter.mark(.commit(resumeAt, gtid: gtid, commitTime: commitTime, changes: changesInTransaction, heartbeat: beat))
                if changesInTransaction > 0 { progress.update { $0.transactions += 1 } }
                changesInTransaction = 0
                beat = nil
            case .batchRead(let position):
                if let position { binlogFile = position.file }
                let changesRead = read
                read = 0
                progress.update {
                    $0.changesRead += changesRead
                    $0.readPosition = position?.description
                    $0.note = nil
                }
            case .reopened(let definitions):
                sessions += 1
                if sessions > 1 { Self.logger.notice("source reconnected") }
                state.decoding(with: definitions)
                changesInTransaction = 0
                beat = nil
                progress.update { $0.sourceOutage = nil }
            case .reconnecting(let delay, let error):
                Self.logger.warning("source connection lost: reconnecting", metadata: [
                    "delaySeconds": .stringConvertible(delay.seconds), "error": .string(String(describing: error)),
                ])
                progress.update {
                    $0.reconnects += 1
                    $0.note = "reconnecting in \(String(format: "%.1f", delay.seconds)) s: \(error)"
                    $0.sourceOutage = .continuing($0.sourceOutage, error: String(describing: error))
                }
            case .route(let backup):
                progress.update { $0.backupRoute = backup }
            case .idle:
                break
            }
        }
    }

    // MARK: Collector

    /// Takes settled changes in as they settle (for lag figures), saves the
    /// checkpoint when due, and returns once the reader is done and every
    /// change has settled, after a last save. It sleeps until the tracker
    /// signals a settlement, the reader ends, or a checkpoint falls due.
    private func collect(tracker: Tracker, state: BinlogStreamState) async throws {
        while true {
            let readerDone = state.readerDone.load(ordering: .acquiring)
            state.absorb(tracker.takeSettled(), stream: self)
            if readerDone, tracker.isSettled {
                state.absorb(tracker.takeSettled(), stream: self)
                try await save(state)
                return
            }
            let interval = tracker.isSettled ? configuration.settledCheckpointInterval ?? configuration.checkpointInterval : configuration.checkpointInterval
            if state.checkpointDue(every: interval) {
                try await save(state)
            }
            await tracker.settlements.wait(until: state.nextCheckpoint(every: interval))
            // A busy stream settles changes all the time: collect them in batches.
            try await Task.sleep(for: configuration.collectInterval)
        }
    }

    /// Dead letters of the interval first, then the checkpoint.
    func save(_ state: BinlogStreamState) async throws {
        let (letters, interval, checkpoint) = state.takeForSave(source: sourceName)
        let deadLetters = DeadLetterInterval(
            letters, folder: Self.deadLetterFolder(interval?.file ?? "start"), fromRecord: Int(interval?.position ?? 0))
        // The checkpoint's log line carries the position it saves.
        let ids: Logger.Metadata = checkpoint.map { [LogKey.position: .string("\($0.file):\($0.position)")] } ?? [:]
        try await checkpointer.save(checkpoint, to: .binlogCheckpoint, after: deadLetters, logging: ids)
        guard let checkpoint else { return }
        state.saved(checkpoint)
        // Published for the billing service's read-your-writes (ControlItems). Advisory:
        // a publish lost to a dropped connection only keeps reads on the write primary
        // until the next checkpoint publishes again, so it never stops the stream.
        let applied = BinlogCoordinates(file: checkpoint.file, position: checkpoint.position).sourcePosition(rowIndex: 0)
        try? await target.put(ControlItems.streamPosition(applied, updatedAt: checkpoint.updatedAt))
    }
}

/// What the stream's ledger orders: row changes, and the end of each transaction.
enum StreamMark: Sendable {
    case change
    /// A transaction's end: where to resume after it, its GTID, its commit time
    /// (epoch seconds), its number of mapped changes, and the time of the
    /// heartbeat row it carried (epoch milliseconds), if any.
    case commit(BinlogCoordinates, gtid: String?, commitTime: UInt32, changes: Int, heartbeat: Double?)
}

/// The stream's figures, shared by the collector and the code around the run.
final class BinlogStreamState: Sendable {
    struct Values: Sendable {
        /// The checkpoint: the end of the last settled transaction.
        var applied: BinlogCoordinates?
        var appliedGTID: String?
        var lastCommitTime: UInt32?
        /// Where the current dead-letter interval starts: the last saved checkpoint.
        var intervalStart: BinlogCoordinates?
        var letters: [DeadLetterRecord] = []
        /// Counts of this run, and of every run before it (from the checkpoint).
        var counts: [String: ChangeCounts] = [:]
        var earlierCounts: [String: ChangeCounts] = [:]
        var transactionsSettled = 0
        var lag = LagHistogram()
        var meter = ThroughputMeter()
        var changed = false
        var lastSave: ContinuousClock.Instant
        /// What rows are decoded with, kept in every checkpoint.
        var definitions: [String: SourceTableDefinition]?
    }

    let values: Mutex<Values>
    let readerDone = Atomic<Bool>(false)
    /// What stopped the reader after the writes before it were drained (a schema change).
    private let stoppedBy = Mutex<(any Error)?>(nil)
    var stoppingError: (any Error)? { stoppedBy.withLock { $0 } }
    func stopped(by error: any Error) { stoppedBy.withLock { $0 = error } }
    let heartbeat: Bool
    let clock: ContinuousClock
    let origin: ContinuousClock.Instant

    init(start: BinlogChangeStream.Start, heartbeat: Bool, clock: ContinuousClock) {
        var values = Values(lastSave: clock.now)
        if case .coordinates(let coordinates) = start.position {
            values.applied = coordinates
            values.intervalStart = coordinates
        }
        if start.origin == .checkpoint, let checkpoint = start.checkpoint {
            values.appliedGTID = checkpoint.gtid
            values.earlierCounts = checkpoint.counts
        }
        self.values = Mutex(values)
        self.heartbeat = heartbeat
        self.clock = clock
        origin = clock.now
    }

    /// When a checkpoint falls due if nothing else happens; nil when there is nothing to save.
    func nextCheckpoint(every interval: Duration) -> ContinuousClock.Instant? {
        values.withLock { values in
            values.changed || !values.letters.isEmpty ? values.lastSave + interval : nil
        }
    }

    /// True at most once per `interval`, and only when there is something to save.
    func checkpointDue(every interval: Duration) -> Bool {
        values.withLock { values in
            let now = clock.now
            guard values.changed || !values.letters.isEmpty, now - values.lastSave >= interval else { return false }
            values.lastSave = now
            return true
        }
    }

    /// Takes settled entries in, in order: counts, dead letters, the watermark, lag.
    func absorb(_ settled: [ChangeLedger<StreamMark, ChangeContext>.Settled], stream: BinlogChangeStream) {
        guard !settled.isEmpty else { return }
        let nowMilliseconds = Date().timeIntervalSince1970 * 1000
        let timestamp = Timestamp.now()
        let columns = Dictionary(
            stream.configuration.mapping.tables.map { ($0.table, $0.columns.map(\.name)) }, uniquingKeysWith: { a, _ in a })
        let elapsed = clock.now - origin
        values.withLock { values in
            var settledChanges = 0
            for entry in settled {
                if let change = entry.change {
                    values.counts[change.entity, default: ChangeCounts()].record(change.outcome)
                    settledChanges += 1
                    if case .deadLettered(let reason) = change.outcome {
                        values.letters.append(change.context.deadLetter(
                            table: change.entity, columns: columns[change.entity], reason: reason, at: timestamp))
                    }
                }
                if case .commit(let resumeAt, let gtid, let commitTime, let changes, let beat) = entry.mark {
                    values.applied = resumeAt
                    values.appliedGTID = gtid ?? values.appliedGTID
                    values.changed = true
                    if changes > 0 {
                        values.transactionsSettled += 1
                        values.lastCommitTime = commitTime
                    }
                    if let beat {
                        values.lag.record(milliseconds: nowMilliseconds - beat)
                    } else if !heartbeat, changes > 0 {
                        values.lag.record(milliseconds: nowMilliseconds - Double(commitTime) * 1000)
                    }
                }
            }
            values.meter.add(settledChanges, at: elapsed)
        }
        let health = health()
        let counts = values.withLock { $0.counts.values.reduce(ChangeCounts(), +) }
        stream.progress.update {
            $0.changesSettled = counts.changesRead
            $0.deadLettered = counts.deadLettered
            $0.health = health
        }
    }

    func health() -> ReplicationHealth {
        let elapsed = clock.now - origin
        return values.withLock { values in
            ReplicationHealth(
                lagSource: heartbeat ? .heartbeat : .eventTimestamps, lag: values.lag,
                changesPerSecond: values.meter.average(at: elapsed), recentChangesPerSecond: values.meter.recentRate(at: elapsed),
                appliedPosition: values.applied.map(\.description),
                lastCommitTime: values.lastCommitTime.map { DateTimeText.iso8601(epochMilliseconds: Int64($0) * 1000) },
                updatedAt: Timestamp.now())
        }
    }

    /// The dead letters of the interval (cleared), the interval's start, and the
    /// checkpoint to save: none when the position has not moved since the last
    /// save, so a run that applied nothing leaves no checkpoint behind.
    func takeForSave(source: String) -> ([DeadLetterRecord], BinlogCoordinates?, BinlogCheckpoint?) {
        let health = health()
        return values.withLock { values in
            let letters = values.letters
            // Without a checkpoint the interval does not move, so its letters are
            // written again (with any later ones) to the same object next time:
            // kept until a checkpoint closes their interval, never overwritten away.
            guard values.changed, let applied = values.applied else { return (letters, values.intervalStart, nil) }
            values.letters = []
            var totals = values.earlierCounts
            for (entity, counts) in values.counts { totals[entity, default: ChangeCounts()] += counts }
            let checkpoint = BinlogCheckpoint(
                file: applied.file, position: applied.position, gtid: values.appliedGTID, source: source, counts: totals,
                health: health, updatedAt: Timestamp.now(), definitions: values.definitions)
            return (letters, values.intervalStart, checkpoint)
        }
    }

    /// A session decodes rows with `definitions`; they go into the checkpoints
    /// (those of the first session: later ones are given the same).
    func decoding(with definitions: [String: SourceTableDefinition]) {
        guard !definitions.isEmpty else { return }
        values.withLock { values in
            if values.definitions == nil { values.definitions = definitions }
        }
    }

    /// A checkpoint is stored: the next dead-letter interval starts there.
    func saved(_ checkpoint: BinlogCheckpoint) {
        values.withLock { values in
            values.intervalStart = BinlogCoordinates(file: checkpoint.file, position: checkpoint.position)
            values.changed = false
            values.lastSave = clock.now
        }
    }
}
