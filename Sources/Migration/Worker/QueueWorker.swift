import AWSCore
import BillingModel
import DMSStaging
import Foundation
import Logging
import MigrationCore
import SQS
import Synchronization

/// Everything a `worker` needs to know, mapped from flags and environment at the edge.
public struct WorkerConfiguration: Sendable {
    /// The queue, for summaries.
    public var queueDescription: String
    /// The bucket the notifications must name (nil for a local source: not checked).
    public var sourceBucket: String?
    /// Key prefixes in the source bucket that are this tool's own objects (the state
    /// location when it is in the staging bucket): their notifications are ignored.
    public var ownPrefixes: [String]
    /// Messages handled at once, each on its own long poll.
    public var concurrency: Int
    /// How long one receive waits for a message (SQS allows up to 20 s).
    public var wait: Duration
    /// How long a received message stays hidden; extended every `heartbeat` while its file is worked on.
    public var visibility: Duration
    public var heartbeat: Duration
    /// When a change file waits for its table's full load, how long until it comes back.
    public var waitForFullLoadDelay: Duration
    /// How a full-load file is loaded (source, mapping, table, writes, checkpoints).
    public var load: FullLoadConfiguration
    /// How a change file is applied.
    public var apply: ChangeApplyConfiguration
    /// End once the queue has nothing to give (a Lambda invocation's batch; a
    /// worker run as a batch job), instead of waiting for a stop request.
    public var endWhenEmpty = false

    public init(
        queueDescription: String, sourceBucket: String?, ownPrefixes: [String] = [], concurrency: Int = 2,
        wait: Duration = .seconds(20), visibility: Duration = .seconds(120), heartbeat: Duration? = nil,
        waitForFullLoadDelay: Duration = .seconds(30), load: FullLoadConfiguration, apply: ChangeApplyConfiguration
    ) {
        self.queueDescription = queueDescription
        self.sourceBucket = sourceBucket
        self.ownPrefixes = ownPrefixes
        self.concurrency = max(1, concurrency)
        self.wait = wait
        self.visibility = visibility
        self.heartbeat = heartbeat ?? visibility / 3
        self.waitForFullLoadDelay = waitForFullLoadDelay
        self.load = load
        self.apply = apply
    }
}

/// Works a queue of S3 `ObjectCreated` notifications for the staging bucket: each
/// object, by what its key says, is a full-load file (loaded as `load` loads one,
/// resumed from its checkpoint) or a change file (applied as `apply` does, once its
/// table's full load is complete). Many workers share a queue with no other
/// coordination: a message is hidden while one works on it (the visibility timeout,
/// extended by a heartbeat), deleted only when every row of its file is written or
/// dead-lettered, and otherwise delivered again (to this or another worker, which
/// resumes from the file's checkpoint) until the queue's redrive policy moves it to
/// the dead-letter queue.
public struct QueueWorker: Sendable {
    public let configuration: WorkerConfiguration
    let queue: any WorkQueue
    let source: any ObjectStore
    let state: StateLocation
    let fullLoad: FullLoad
    let changes: ChangeFileApply
    let stop: StopSignal
    let logger: Logger
    /// Both kinds of file count into one display.
    public let progress: LoadProgress
    public var throttle: WriteThrottle { fullLoad.throttle }
    public var outage: TargetOutage { fullLoad.outage }

    /// What the receive loops share.
    private final class Shared: Sendable {
        /// Tables whose full load was found complete (it stays so: only a yes is remembered).
        let completeTables = Mutex<Set<String>>([])
        let summary: Mutex<WorkerSummary>

        init(_ summary: WorkerSummary) { self.summary = Mutex(summary) }
    }

    private let shared: Shared

    public init(
        configuration: WorkerConfiguration, queue: any WorkQueue, source: any ObjectStore, target: any ItemWriteTarget,
        state: StateLocation, stop: StopSignal = StopSignal(), logger: Logger = Logger(label: "billmig.worker")
    ) {
        self.configuration = configuration
        self.queue = queue
        self.source = source
        self.state = state
        self.stop = stop
        self.logger = logger
        let progress = LoadProgress()
        self.progress = progress
        fullLoad = FullLoad(configuration: configuration.load, source: source, target: target, state: state, progress: progress)
        changes = ChangeFileApply(
            configuration: configuration.apply, source: source, target: target, state: state, stop: stop, progress: progress)
        shared = Shared(WorkerSummary(queue: configuration.queueDescription, table: configuration.load.tableName))
    }

    var layout: DMSStagingLayout {
        DMSStagingLayout(
            bucketFolder: configuration.load.sourcePrefix, schema: configuration.load.mapping.sourceSchema,
            cdcPath: configuration.apply.cdcPath)
    }

    var mappedTables: [String] { configuration.load.mapping.tables.map(\.table) }

    /// Runs until a stop request (then finishes or releases the messages in hand) or
    /// an error no retry mends (e.g. the queue does not exist).
    public func run() async -> WorkerSummary {
        let started = ContinuousClock.now
        var failure: (any Error)?
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<configuration.concurrency {
                    group.addTask { try await receiveLoop() }
                }
                // The first failure ends the others: their messages come back after their visibility timeout.
                do {
                    try await group.waitForAll()
                } catch {
                    group.cancelAll()
                    throw error
                }
            }
        } catch {
            failure = error
        }
        return shared.summary.withLock { summary in
            summary.elapsedSeconds = (ContinuousClock.now - started).seconds
            summary.stopped = stop.isStopped
            summary.error = failure.map { String(describing: $0) }
            return summary
        }
    }

    /// One message at a time, each on a long poll of its own.
    private func receiveLoop() async throws {
        while !stop.isStopped {
            let message: QueuedMessage?
            do {
                message = try await receiveUnlessStopped()
            } catch let error as AWSError where error.isRetryable {
                logger.warning("receiving failed, trying again in 5 s", metadata: ["error": .string(String(describing: error))])
                await stop.sleep(for: .seconds(5))
                continue
            }
            guard let message else {
                if configuration.endWhenEmpty { return }
                continue
            }
            shared.summary.withLock { $0.messages.received += 1 }
            if stop.isStopped {
                // Received while stopping: straight back for another worker.
                try? await queue.setVisibility(message, .zero)
                shared.summary.withLock { $0.messages.released += 1 }
                continue
            }
            // Every line about the message, down to its files' batches and dead letters, carries its id.
            await LogContext.with([LogKey.messageID: .string(message.id)]) { await handle(message) }
        }
    }

    /// One long poll, cut short by a stop request, so a stopping worker does not
    /// sit out the rest of its wait. A message that arrives as the poll is cut is
    /// released, not kept.
    private func receiveUnlessStopped() async throws -> QueuedMessage? {
        enum Poll: Sendable {
            case received(QueuedMessage?)
            case stopRequested
        }
        return try await withThrowingTaskGroup(of: Poll.self) { group in
            group.addTask { .received(try await queue.receive(wait: configuration.wait, visibility: configuration.visibility)) }
            group.addTask {
                await stop.requested()
                return .stopRequested
            }
            var message: QueuedMessage?
            do {
                while let poll = try await group.next() {
                    if case .received(let received) = poll { message = received }
                    group.cancelAll()
                }
            } catch where stop.isStopped {
                // The poll, cancelled by the stop.
            }
            return message
        }
    }

    /// What becomes of a message once its objects are handled.
    enum Disposition: Equatable {
        case delete
        case waitForFullLoad
        case leaveForDeadLetterQueue
        case leaveForRedelivery
        case release
    }

    private func handle(_ message: QueuedMessage) async {
        let disposition = await withHeartbeat(message) { await process(message) }
        do {
            switch disposition {
            case .delete:
                try await queue.delete(message)
                shared.summary.withLock { $0.messages.deleted += 1 }
            case .waitForFullLoad:
                // A new copy, then the old one gone: a kill in between leaves two, and
                // a file handled twice is harmless (checkpoints, version conditions).
                try await queue.sendAgain(message, after: configuration.waitForFullLoadDelay)
                try await queue.delete(message)
                shared.summary.withLock { $0.messages.waitingForFullLoad += 1 }
            case .leaveForDeadLetterQueue:
                try await queue.setVisibility(message, .zero)
                shared.summary.withLock { $0.messages.leftForDeadLetterQueue += 1 }
            case .leaveForRedelivery:
                // Not released: the visibility timeout is the pause before the next try.
                shared.summary.withLock { $0.messages.failed += 1 }
            case .release:
                try await queue.setVisibility(message, .zero)
                shared.summary.withLock { $0.messages.released += 1 }
            }
        } catch {
            // The message comes back after its visibility timeout; its files' checkpoints make that harmless.
            logger.warning("message disposition did not go through", metadata: [
                "disposition": .string("\(disposition)"), "error": .string(String(describing: error)),
            ])
        }
    }

    /// Keeps the message hidden while `work` runs.
    private func withHeartbeat(_ message: QueuedMessage, _ work: @escaping @Sendable () async -> Disposition) async -> Disposition {
        await withTaskGroup(of: Disposition?.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: configuration.heartbeat)
                    if Task.isCancelled { break }
                    do {
                        try await queue.setVisibility(message, configuration.visibility)
                    } catch where !Task.isCancelled {
                        // The next beat tries again; if none gets through, another worker may take the file
                        // over, which its checkpoint makes harmless.
                        logger.warning("extending the message's visibility failed", metadata: ["error": .string(String(describing: error))])
                    } catch {}
                }
                return nil
            }
            group.addTask { await work() }
            var result = Disposition.leaveForRedelivery
            for await outcome in group {
                if let outcome {
                    result = outcome
                    group.cancelAll()
                }
            }
            return result
        }
    }

    /// Every object the message names, handled; what to do with the message.
    private func process(_ message: QueuedMessage) async -> Disposition {
        let notification: S3EventNotification
        do {
            notification = try S3EventNotification(body: message.body)
        } catch {
            problem(message, key: nil, reason: String(describing: error))
            return .leaveForDeadLetterQueue
        }
        guard case .records(let records) = notification else {
            logger.info("S3's test event, deleted")
            return .delete
        }
        var result = Disposition.delete
        for record in records {
            let disposition = await process(record, of: message)
            result = Self.combine(result, disposition)
            if result == .release { break }
        }
        return result
    }

    /// The disposition of a message whose objects ended as `a` and `b`: a problem
    /// no retry mends outranks a failure, which outranks waiting, which outranks done.
    static func combine(_ a: Disposition, _ b: Disposition) -> Disposition {
        let rank: [Disposition: Int] = [.delete: 0, .waitForFullLoad: 1, .leaveForRedelivery: 2, .leaveForDeadLetterQueue: 3, .release: 4]
        return (rank[a] ?? 0) >= (rank[b] ?? 0) ? a : b
    }

    private func process(_ record: S3EventNotification.Record, of message: QueuedMessage) async -> Disposition {
        await LogContext.with([LogKey.object: .string(record.key)]) { await processObject(record, of: message) }
    }

    private func processObject(_ record: S3EventNotification.Record, of message: QueuedMessage) async -> Disposition {
        let object = classify(record)
        let gating = WorkerTriage.gatingTables(of: object.triage, mapped: mappedTables)
        do {
            var fullLoads: [String: FullLoadCompletion] = [:]
            for table in gating { fullLoads[table] = try await fullLoadCompletion(of: table) }
            switch WorkerTriage.decide(object.triage, mapped: mappedTables, fullLoads: fullLoads) {
            case .ignore(let reason):
                logger.debug("object ignored", metadata: ["reason": .string(reason)])
                return .delete
            case .leaveForDeadLetterQueue(let reason):
                problem(message, key: record.key, reason: reason)
                return .leaveForDeadLetterQueue
            case .waitForFullLoad(let tables, let pending):
                logger.info("object waits for the full load", metadata: [
                    "tables": .array(tables.map { .string($0) }), "pendingFiles": .stringConvertible(pending.count),
                ])
                return .waitForFullLoad
            case .process:
                return try await work(object.staged)
            }
        } catch {
            problem(message, key: record.key, reason: String(describing: error))
            return .leaveForRedelivery
        }
    }

    /// Loads or applies one object.
    private func work(_ object: StagedObject?) async throws -> Disposition {
        switch object {
        case .fullLoad(let table, let file)?:
            let loaded = try await fullLoad.loadFile(file, table: table)
            shared.summary.withLock { summary in
                switch loaded.outcome {
                case .loaded: summary.files.fullLoadLoaded += 1
                case .alreadyDone: summary.files.fullLoadAlreadyDone += 1
                case .damaged: summary.files.fullLoadDamaged.append(file.key)
                }
                if loaded.outcome != .alreadyDone { summary.rows += loaded.counts }
            }
            return .delete
        case .changes(let table, let file)?:
            return try await apply(file, table: table)
        case .transactionChanges(let file)?:
            return try await apply(file, table: nil)
        case .unknown?, nil:
            return .leaveForDeadLetterQueue
        }
    }

    private func apply(_ file: DMSFile, table: String?) async throws -> Disposition {
        let applied = try await changes.applyFile(file, table: table)
        shared.summary.withLock { summary in
            switch applied.outcome {
            case .applied:
                summary.files.changeFilesApplied += 1
                summary.changes += applied.counts.values.reduce(ChangeCounts(), +)
            case .alreadyDone: summary.files.changeFilesAlreadyDone += 1
            case .interrupted: break
            }
        }
        return applied.outcome == .interrupted ? .release : .delete
    }

    /// The object a record names, for the triage and for the work.
    private func classify(_ record: S3EventNotification.Record) -> (triage: WorkerTriage.Object, staged: StagedObject?) {
        guard record.isObjectCreated else { return (.notForWorkers(reason: "a \(record.eventName) event"), nil) }
        if let bucket = configuration.sourceBucket, record.bucket != bucket {
            return (.unknown(reason: "the notification is for bucket \(record.bucket), this worker reads \(bucket)"), nil)
        }
        if configuration.ownPrefixes.contains(where: { !$0.isEmpty && record.key.hasPrefix($0) }) {
            return (.notForWorkers(reason: "billmig's own state object"), nil)
        }
        let staged = layout.locate(key: record.key, size: record.size ?? 0, tables: mappedTables)
        switch staged {
        case .fullLoad(let table, _): return (.fullLoad(table: table), staged)
        case .changes(let table, _): return (.changes(table: table), staged)
        case .transactionChanges: return (.transactionChanges, staged)
        case .unknown(let reason): return (.unknown(reason: reason), staged)
        }
    }

    /// Whether `table`'s full load is complete: every staged full-load file of it
    /// has a done checkpoint (see `FullLoadCompletion`). A yes is remembered.
    private func fullLoadCompletion(of table: String) async throws -> FullLoadCompletion {
        if shared.completeTables.withLock({ $0.contains(table) }) { return .complete }
        let files = try await layout.listTable(table, in: source).fullLoad
        var checkpoints: [String: FileCheckpoint] = [:]
        for file in files {
            checkpoints[file.key] = try await state.read(StateFolder.fileCheckpoints.file(file.key))
        }
        let completion = FullLoadCompletion.judge(files: files.map { ($0.key, $0.size) }, checkpoints: checkpoints)
        if completion.isComplete { shared.completeTables.withLock { _ = $0.insert(table) } }
        return completion
    }

    private func problem(_ message: QueuedMessage, key: String?, reason: String) {
        logger.warning("message not processed", metadata: ["receiveCount": .stringConvertible(message.receiveCount), "reason": .string(reason)])
        shared.summary.withLock { $0.note(.init(messageID: message.id, key: key, reason: reason)) }
    }
}
