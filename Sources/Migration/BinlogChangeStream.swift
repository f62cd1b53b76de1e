import BillingModel
import DMSStaging
import Foundation
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
    let stateStore: any ObjectStore
    let statePrefix: String
    let deadLetters: DeadLetterStore
    let applier: ChangeApplier
    public let throttle: WriteThrottle
    public let progress: StreamProgress
    /// Set it (from a signal handler) to stop reading, finish the writes in flight and checkpoint.
    public let stop: StopSignal

    /// - Parameter state: where the checkpoint, the snapshot position and dead letters
    ///   are kept (`{prefix}changes/binlog.json`, `{prefix}snapshot.json`, `{prefix}dead-letters/binlog/…`).
    public init(
        configuration: BinlogStreamConfiguration, target: any ItemWriteTarget,
        state: (store: any ObjectStore, prefix: String), stop: StopSignal = StopSignal()
    ) {
        self.configuration = configuration
        self.target = target
        stateStore = state.store
        statePrefix = state.prefix.isEmpty || state.prefix.hasSuffix("/") ? state.prefix : state.prefix + "/"
        deadLetters = DeadLetterStore(store: state.store, prefix: statePrefix + "dead-letters/")
        throttle = WriteThrottle(configuration: configuration.throttle)
        applier = ChangeApplier(target: target, throttle: throttle, configuration: configuration.applier)
        progress = StreamProgress()
        self.stop = stop
    }

    public var checkpointKey: String { statePrefix + BinlogCheckpoint.stateKey }
    public var snapshotKey: String { statePrefix + SnapshotPosition.stateKey }
    public var deadLetterPrefix: String { deadLetters.prefix }

    /// The source as summaries and checkpoints name it, without secrets.
    var sourceName: String { configuration.connection.sourceName }

    typealias Tracker = ChangeTracker<StreamMark, ChangeContext>
    typealias Submitter = ChangeSubmitter<StreamMark, ChangeContext>

    // MARK: Start

    /// Where a run starts and what said so.
    struct Start: Sendable {
        var position: BinlogStart
        var origin: String
        var checkpoint: BinlogCheckpoint?
    }

    /// The explicit start, else the checkpoint, else the snapshot position, else an error.
    func resolveStart() async throws -> Start {
        let checkpoint: BinlogCheckpoint? = try await readJSON(checkpointKey)
        if let explicit = configuration.start {
            switch explicit {
            case .coordinates(let file, let position):
                return Start(position: .coordinates(.init(file: file, position: position)), origin: "explicit", checkpoint: checkpoint)
            case .gtid(let gtid):
                return Start(position: .gtid(gtid), origin: "explicit", checkpoint: checkpoint)
            }
        }
        if let checkpoint {
            return Start(
                position: .coordinates(.init(file: checkpoint.file, position: checkpoint.position)), origin: "checkpoint",
                checkpoint: checkpoint)
        }
        if let snapshot: SnapshotPosition = try await readJSON(snapshotKey) {
            return Start(
                position: .coordinates(.init(file: snapshot.binlogFile, position: snapshot.binlogPosition)),
                origin: "snapshot", checkpoint: nil)
        }
        throw BinlogStreamError(
            .noStartPosition,
            "no place to start the change stream: no checkpoint (\(checkpointKey)) and no snapshot position "
                + "(\(snapshotKey)) in the state location. Run `billmig load --from mysql://...` first, "
                + "or give --start-position FILE:POS or --start-gtid GTID.")
    }

    private func readJSON<Value: Decodable>(_ key: String) async throws -> Value? {
        guard try await stateStore.head(key: key) != nil else { return nil }
        let buffer = try await stateStore.get(key: key)
        do {
            return try JSONDecoder().decode(Value.self, from: Data(buffer.readableBytesView))
        } catch {
            throw BinlogStreamError(.unreadableState, "\(key) cannot be read: \(error)")
        }
    }

    // MARK: Run

    public func run() async throws -> StreamSummary {
        let clock = ContinuousClock()
        let started = clock.now
        let mapper = try ItemMapper(mapping: configuration.mapping)
        let start = try await resolveStart()
        var stopRule = BinlogStopRule(mode: configuration.stop)
        if configuration.stop == .untilCaughtUp, let end = await sourceBinlogEnd() {
            stopRule.sourceEnd(file: end.file, position: end.position)
        }
        let heartbeat = configuration.heartbeat.map { SourceHeartbeat(configuration: $0, connection: configuration.connection) }
        if let heartbeat { try await heartbeat.prepare() }

        let rule = stopRule
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
                            defer { state.readerDone.store(true, ordering: .releasing) }
                            return try await read(
                                from: start.position, stopRule: rule, mapper: mapper, heartbeat: heartbeat,
                                submitter: submitter, state: state)
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
            error: failure.map { String(describing: $0) })
    }

    /// The source's binlog end now (`SHOW MASTER STATUS`), or nil when it cannot be read.
    func sourceBinlogEnd() async -> BinlogCoordinates? {
        guard let session = try? await MySQLConnection.connect(configuration.connection, retry: .none) else { return nil }
        let row = try? await session.query("SHOW MASTER STATUS").rows.first
        await session.close()
        guard let row, row.count >= 2, let file = row[0].text, let position = row[1].text.flatMap({ UInt64($0) }) else {
            return nil
        }
        return BinlogCoordinates(file: file, position: position)
    }

    static func deadLetterFolder(_ binlogFile: String) -> String { "binlog/" + binlogFile }

    // MARK: Reader

    /// Follows the binlog and submits its changes until the stop rule or a stop
    /// request ends it; reconnects after a dropped connection.
    private func read(
        from initialStart: BinlogStart, stopRule initialRule: BinlogStopRule, mapper: ItemMapper,
        heartbeat: SourceHeartbeat?, submitter: Submitter, state: BinlogStreamState
    ) async throws -> StreamSummary.Ending {
        var stopRule = initialRule
        var backoff = ReconnectBackoff(policy: configuration.reconnect)
        let clock = ContinuousClock()
        let origin = clock.now
        var tables = Set(configuration.mapping.tables.map(\.table))
        let heartbeatTable = heartbeat?.configuration.table
        if let heartbeatTable { tables.insert(heartbeatTable) }
        let options = { (start: BinlogStart) in
            var options = BinlogStreamOptions(
                start: start, assembler: .init(database: configuration.connection.database, tables: tables),
                heartbeatPeriod: configuration.serverHeartbeatPeriod, readTimeout: configuration.readTimeout)
            if let id = configuration.replicaServerID { options.replicaServerID = id }
            return options
        }

        var lastCommitRead: BinlogCoordinates?
        var readPosition: (file: String, position: UInt64)?
        if case .coordinates(let coordinates) = initialStart { readPosition = (coordinates.file, coordinates.position) }
        var lastSubmitted: String?
        var openTransaction = false
        var changesInTransaction = 0
        var beat: Double?

        /// Waits before reconnecting, or gives up.
        func recover(_ error: any Error) async throws {
            switch backoff.failed(at: clock.now - origin) {
            case .retry(let delay):
                progress.update {
                    $0.reconnects += 1
                    $0.note = "reconnecting in \(String(format: "%.1f", delay.seconds)) s: \(error)"
                }
                await stop.sleep(for: delay)
            case .giveUp:
                throw BinlogStreamError(
                    .sourceUnreachable,
                    "the source stayed unreachable for more than \(configuration.reconnect.tolerance): \(error)")
            }
        }

        while true {
            if stop.isStopped { return .signal }
            let resume = lastCommitRead.map(BinlogStart.coordinates) ?? initialStart
            let opened = await Self.open(configuration.connection, options: options(resume))
            let stream: MySQLBinlogStream
            switch opened {
            case .success(let open):
                stream = open
            case .failure(let error):
                guard error.isConnectionLost else { throw error }
                try await recover(error)
                continue
            }
            // A change of the transaction being read when the connection dropped
            // is read again from the transaction's start: skip what was submitted.
            openTransaction = false
            changesInTransaction = 0
            beat = nil
            do {
                while true {
                    if stop.isStopped {
                        await stream.close()
                        return .signal
                    }
                    if !openTransaction, stopRule.readingDone(read: readPosition) {
                        await stream.close()
                        return stopRule.mode == .untilCaughtUp ? .caughtUp : .stopPositionReached
                    }
                    guard let next = try await stream.nextWithTimestamp() else {
                        throw MySQLError(code: .connection, message: "the server ended the binlog stream")
                    }
                    let (items, timestamp) = next
                    backoff.succeeded()
                    var read = 0
                    for item in items {
                        switch item {
                        case .changes(let changes):
                            openTransaction = true
                            for change in changes {
                                let key = change.position.orderingKey
                                if let lastSubmitted, key <= lastSubmitted { continue }
                                lastSubmitted = key
                                if let heartbeatTable, change.table == heartbeatTable {
                                    if change.operation != .delete, let value = heartbeat?.beat(in: change.row) { beat = value }
                                    continue
                                }
                                read += 1
                                changesInTransaction += 1
                                try await submitter.submit(change, mapper: mapper, mark: .change)
                            }
                        case .commit(let resumeAt, let gtid):
                            submitter.mark(.commit(
                                resumeAt, gtid: gtid?.description, commitTime: timestamp, changes: changesInTransaction,
                                heartbeat: beat))
                            lastCommitRead = resumeAt
                            readPosition = (resumeAt.file, resumeAt.position)
                            openTransaction = false
                            if changesInTransaction > 0 { progress.update { $0.transactions += 1 } }
                            changesInTransaction = 0
                            beat = nil
                        case .heartbeat(let at):
                            // The server has sent everything: the stream is idle at `at`.
                            if !openTransaction {
                                stopRule.idle(file: at.file, position: at.position)
                                if readPosition.map({ BinlogStopRule.precedes($0, (at.file, at.position)) }) ?? true {
                                    readPosition = (at.file, at.position)
                                }
                            }
                        case .rotate(let to):
                            if !openTransaction, to.position > 0,
                                readPosition.map({ BinlogStopRule.precedes($0, (to.file, to.position)) }) ?? true
                            {
                                readPosition = (to.file, to.position)
                            }
                        case .statement:
                            break
                        }
                    }
                    let position = await stream.position
                    progress.update {
                        $0.changesRead += read
                        $0.readPosition = position?.description
                        $0.note = nil
                    }
                }
            } catch {
                await stream.close()
                guard Self.isConnectionLost(error) else { throw error }
                try await recover(error)
            }
        }
    }

    /// Opens the stream; a result rather than a typed throw, which keeps the
    /// reader's error handling plain.
    private static func open(_ connection: MySQLConnectionConfiguration, options: BinlogStreamOptions) async
        -> Result<MySQLBinlogStream, MySQLError>
    {
        do {
            return .success(try await MySQLBinlogStream.open(connection, options: options, retry: .none))
        } catch {
            return .failure(error)
        }
    }

    static func isConnectionLost(_ error: any Error) -> Bool {
        (error as? MySQLError)?.isConnectionLost ?? false
    }

    // MARK: Collector

    /// Takes settled changes in as they settle (for lag figures), saves the
    /// checkpoint when due, and returns once the reader is done and every
    /// change has settled, after a last save.
    private func collect(tracker: Tracker, state: BinlogStreamState) async throws {
        while true {
            let readerDone = state.readerDone.load(ordering: .acquiring)
            state.absorb(tracker.takeSettled(), stream: self)
            if readerDone, tracker.isSettled {
                state.absorb(tracker.takeSettled(), stream: self)
                try await save(state)
                return
            }
            if state.checkpointDue(every: configuration.checkpointInterval) {
                try await save(state)
            }
            try await Task.sleep(for: configuration.settlePollInterval)
        }
    }

    /// Dead letters of the interval first, then the checkpoint.
    func save(_ state: BinlogStreamState) async throws {
        let (letters, interval, checkpoint) = state.takeForSave(source: sourceName)
        if !letters.isEmpty {
            try await deadLetters.write(
                letters, file: Self.deadLetterFolder(interval?.file ?? "start"), fromRecord: Int(interval?.position ?? 0))
        }
        guard let checkpoint else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try await stateStore.put(key: checkpointKey, bytes: ByteBuffer(bytes: try encoder.encode(checkpoint)))
        state.saved(checkpoint)
        // Published for the billing service's read-your-writes (ControlItems).
        let applied = BinlogCoordinates(file: checkpoint.file, position: checkpoint.position).sourcePosition(rowIndex: 0)
        try await target.put(ControlItems.streamPosition(applied, updatedAt: checkpoint.updatedAt))
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
    }

    let values: Mutex<Values>
    let readerDone = Atomic<Bool>(false)
    let heartbeat: Bool
    let clock: ContinuousClock
    let origin: ContinuousClock.Instant

    init(start: BinlogChangeStream.Start, heartbeat: Bool, clock: ContinuousClock) {
        var values = Values(lastSave: clock.now)
        if case .coordinates(let coordinates) = start.position {
            values.applied = coordinates
            values.intervalStart = coordinates
        }
        if start.origin == "checkpoint", let checkpoint = start.checkpoint {
            values.appliedGTID = checkpoint.gtid
            values.earlierCounts = checkpoint.counts
        }
        self.values = Mutex(values)
        self.heartbeat = heartbeat
        self.clock = clock
        origin = clock.now
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

    /// The dead letters of the interval (cleared), the interval's start, and the checkpoint to save.
    func takeForSave(source: String) -> ([DeadLetterRecord], BinlogCoordinates?, BinlogCheckpoint?) {
        let health = health()
        return values.withLock { values in
            let letters = values.letters
            values.letters = []
            guard let applied = values.applied else { return (letters, values.intervalStart, nil) }
            var totals = values.earlierCounts
            for (entity, counts) in values.counts { totals[entity, default: ChangeCounts()] += counts }
            let checkpoint = BinlogCheckpoint(
                file: applied.file, position: applied.position, gtid: values.appliedGTID, source: source, counts: totals,
                health: health, updatedAt: Timestamp.now())
            return (letters, values.intervalStart, checkpoint)
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

extension MySQLConnectionConfiguration {
    /// The source as summaries and checkpoints name it: its URL without options or secrets.
    var sourceName: String { "mysql://\(user)@\(host):\(port)/\(database)" }
}
