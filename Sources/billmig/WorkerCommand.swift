import ArgumentParser
import BillingModel
import DMSStaging
import Foundation
import Migration
import MigrationCore
import SQS

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Process staged DMS files as S3 notifies them: long-poll an SQS queue, load or apply each file.",
        discussion: """
            The queue receives the staging bucket's s3:ObjectCreated:* notifications (filter them \
            to the DMS folder, e.g. prefix {prefix}/{schema}/). Each object is, by its key, a \
            full-load file (loaded as `load` loads one file, resumed from its checkpoint) or a change \
            file (applied as `apply` does, each file checkpointed on its own, once every full-load \
            file of its table has a completed checkpoint; until then it goes back to the queue with \
            a delay). Run as many workers on as many hosts as the table's capacity allows: the queue \
            and the table's conditional writes are their only coordination.

            A message is hidden while its file is worked on (--visibility-seconds, extended by a \
            heartbeat) and deleted only when every row is written or dead-lettered. A failed one is \
            delivered again after its visibility timeout, to any worker, which resumes from the \
            checkpoint; an object no worker can process (a key outside the DMS layout, a table the \
            mapping does not have) is released at once. Give the queue a redrive policy: after its \
            maxReceiveCount such messages move to its dead-letter queue. s3:TestEvent messages and \
            billmig's own state objects are deleted.

            SIGTERM or SIGINT: no more receiving; full-load files in hand are finished, change files \
            stop at the next read and are released (visibility 0) for another worker; exit 0.

            With --lambda the same handler runs as a Lambda function's custom runtime \
            (provided.al2023; a `bootstrap` that execs `billmig worker --lambda` with these flags): \
            each invocation's event (an SQS batch of S3 notifications, or an S3 event) is handled \
            as the worker handles messages, and answered with the messages that failed \
            (ReportBatchItemFailures), which the queue delivers again. Give --queue so that a change \
            file waiting for its table's full load is sent back with a delay rather than failed.

            Exit status: 0 stopped on request; 1 failed (e.g. the queue does not exist).
            """
    )

    @Option(name: .long, help: "The SQS queue's URL (with --lambda: where a waiting change file is sent back; optional).")
    var queue: String?

    @Flag(name: .long, help: "Run as a Lambda function (custom runtime): take invocations from AWS_LAMBDA_RUNTIME_API.")
    var lambda = false

    @OptionGroup var staged: StagedSourceOptions

    var table: String { staged.table }

    @Option(name: .long, help: "DMS's CdcPath, relative to --from: change files and CDC_TXN-* files are read there.")
    var cdcPath: String?

    @Option(name: .long, help: "The column a DMS transformation rule added from $AR_H_CHANGE_SEQ (files without a header).")
    var changeSequenceColumn: String?

    @Option(name: .long, help: "Messages (files) worked on at once.")
    var concurrency = 2

    @Option(name: .long, help: "Writes in flight at once, across the files in hand.")
    var writes = 32

    @Option(name: .long, help: "Never write more than this many write capacity units per second (per worker).")
    var maxWcu: Double?

    @Option(name: .long, help: "Seconds a received message stays hidden from other workers; extended every third of it while its file is worked on.")
    var visibilitySeconds = 120

    @Option(name: .long, help: "Seconds one receive waits for a message (long poll, at most 20).")
    var waitSeconds = 20

    @Option(name: .long, help: "Seconds until a change file that waits for its table's full load comes back (at most 900).")
    var retrySeconds = 30

    @OptionGroup var checkpoints: CheckpointOptions

    @OptionGroup var output: OutputOptions

    @OptionGroup var prometheus: PrometheusOptions

    func validate() throws {
        guard concurrency > 0, writes > 0 else { throw ValidationError("--concurrency and --writes must be positive") }
        guard (1...SQSClient.maxVisibilitySeconds).contains(visibilitySeconds) else {
            throw ValidationError("--visibility-seconds must be between 1 and \(SQSClient.maxVisibilitySeconds)")
        }
        guard (0...SQSClient.maxWaitSeconds).contains(waitSeconds) else { throw ValidationError("--wait-seconds must be between 0 and 20") }
        guard (0...SQSClient.maxDelaySeconds).contains(retrySeconds) else { throw ValidationError("--retry-seconds must be between 0 and 900") }
        if let maxWcu, maxWcu <= 0 { throw ValidationError("--max-wcu must be positive") }
        _ = try checkpoints.interval()
        guard let queue else {
            guard lambda else { throw ValidationError("give --queue URL (or --lambda to run as a Lambda function)") }
            return
        }
        guard queue.hasPrefix("https://") || queue.hasPrefix("http://") else {
            throw ValidationError("--queue takes the queue's URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME), not \(queue)")
        }
    }

    func run() async throws {
        if lambda { return try await runLambda() }
        guard let queue else { throw ValidationError("give --queue URL") }
        let stop = StopSignal()
        let summary = try await withStopOnSignals(stop, announce: !output.quiet) {
            try await Runtime.with(maxConnections: writes + concurrency) { runtime in
                let sqs = SQSClient(client: try runtime.awsClient())
                try await Self.checkRedrivePolicy(sqs, queue: queue, quiet: output.quiet)
                let setup = try workerSetup(description: queue)
                let worker = try setup.worker(runtime: runtime, queue: SQSWorkQueue(sqs: sqs, url: queue), stop: stop)
                return try await prometheus.showing(
                    worker.progress, throttle: worker.throttle, outage: worker.outage, table: table, quiet: output.quiet
                ) {
                    await worker.run()
                }
            }
        }
        try output.conclude(summary, status: summary.exitStatus) { WorkerSummaryText.render(summary) }
    }

    /// What every worker of this process is made from: the flags' load and apply
    /// settings and where the files and the state are (the mapping read once).
    struct WorkerSetup {
        var configuration: WorkerConfiguration
        var location: StagingLocation
        var state: StagingLocation
        var table: String

        func worker(runtime: Runtime, queue: any WorkQueue, stop: StopSignal) throws -> QueueWorker {
            QueueWorker(
                configuration: configuration, queue: queue, source: try runtime.objectStore(for: location),
                target: try runtime.writeTarget(table: table), state: try runtime.stateLocation(state), stop: stop)
        }
    }

    func workerSetup(description: String) throws -> WorkerSetup {
        let (location, stateLocation, mapping) = try staged.resolve()
        var sourceBucket: String?
        var ownPrefixes: [String] = []
        if case .s3(let bucket, _) = location {
            sourceBucket = bucket
            if case .s3(let stateBucket, let statePrefix) = stateLocation, stateBucket == bucket {
                ownPrefixes.append(StagingLocation.folder(statePrefix))
            }
        }
        var load = FullLoadConfiguration(
            sourcePrefix: location.keyPrefix, sourceDescription: location.description, tableName: table, mapping: mapping,
            writeConcurrency: writes)
        load.throttle.ceiling = maxWcu
        load.checkpointInterval = try checkpoints.interval()
        var apply = ChangeApplyConfiguration(
            sourcePrefix: location.keyPrefix, sourceDescription: location.description, tableName: table, mapping: mapping,
            readOptions: DMSReadOptions(changeSequenceColumnName: changeSequenceColumn), cdcPath: cdcPath,
            applier: .init(lanes: writes))
        apply.throttle.ceiling = maxWcu
        apply.checkpointInterval = try checkpoints.interval()
        let configuration = WorkerConfiguration(
            queueDescription: description, sourceBucket: sourceBucket, ownPrefixes: ownPrefixes, concurrency: concurrency,
            wait: .seconds(waitSeconds), visibility: .seconds(visibilitySeconds),
            waitForFullLoadDelay: .seconds(retrySeconds), load: load, apply: apply)
        return WorkerSetup(configuration: configuration, location: location, state: stateLocation, table: table)
    }

    /// `--lambda`: invocation after invocation from the Runtime API, each event's
    /// messages handled by a worker that ends when they are, answered with the failed ones.
    func runLambda() async throws {
        guard let endpoint = ProcessInfo.processInfo.environment["AWS_LAMBDA_RUNTIME_API"], !endpoint.isEmpty else {
            throw CommandError("--lambda runs inside a Lambda function: AWS_LAMBDA_RUNTIME_API is not set")
        }
        let stop = StopSignal()
        try await withStopOnSignals(stop, announce: false) {
            try await Runtime.with(maxConnections: writes + concurrency) { runtime in
                let api = LambdaRuntimeAPI(endpoint: endpoint, transport: try runtime.awsClient().transport)
                let resend = try queue.map { SQSWorkQueue(sqs: SQSClient(client: try runtime.awsClient()), url: $0) }
                let setup = try workerSetup(description: "lambda")
                while !stop.isStopped {
                    let invocation: LambdaInvocation
                    do {
                        // The wait for the next invocation ends on SIGTERM too (Lambda's shutdown).
                        guard let next = try await Self.unlessStopped(stop, { try await api.next() }) else { break }
                        invocation = next
                    } catch is LambdaEventError {
                        continue  // answered as an error already
                    }
                    let batch = BatchWorkQueue(invocation.messages, resend: resend)
                    // A worker per invocation that ends with its batch, at most one slot per message.
                    var invocationSetup = setup
                    invocationSetup.configuration.queueDescription = "lambda \(invocation.requestID)"
                    invocationSetup.configuration.concurrency = max(1, min(concurrency, invocation.messages.count))
                    invocationSetup.configuration.endWhenEmpty = true
                    let summary = try await invocationSetup.worker(runtime: runtime, queue: batch, stop: StopSignal()).run()
                    if !output.quiet { note(WorkerSummaryText.render(summary)) }
                    if let response = invocation.response(failed: batch.failed) {
                        try await api.respond(invocation.requestID, response)
                    } else {
                        try await api.fail(
                            invocation.requestID, "not every object was handled: " + summary.problems.map { "\($0.key ?? $0.messageID): \($0.reason)" }
                                .joined(separator: "; "), type: "ObjectsFailed")
                    }
                }
            }
        }
    }

    /// `body`'s result, or nil once a stop is requested first (`body` is then cancelled).
    static func unlessStopped<Result: Sendable>(_ stop: StopSignal, _ body: @escaping @Sendable () async throws -> Result) async throws -> Result? {
        try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                await stop.requested()
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }

    /// Says so when the queue has no dead-letter queue: a poison message would then come back forever.
    static func checkRedrivePolicy(_ sqs: SQSClient, queue: String, quiet: Bool) async throws {
        let attributes: [String: String]
        do {
            attributes = try await sqs.queueAttributes(queueURL: queue, names: ["RedrivePolicy", "VisibilityTimeout"])
        } catch {
            throw CommandError("cannot read the queue \(queue): \(error)")
        }
        if attributes["RedrivePolicy"].flatMap(SQSRedrivePolicy.init(attributeValue:)) == nil {
            note("billmig worker: the queue has no redrive policy: a message no worker can process will come back forever; "
                + "give it a dead-letter queue (RedrivePolicy with maxReceiveCount)")
        }
    }
}

enum WorkerSummaryText {
    static func render(_ summary: WorkerSummary) -> String {
        let messages = summary.messages
        let files = summary.files
        var lines = [
            "billmig worker \(summary.queue) -> \(summary.table): \(summary.error == nil ? (summary.stopped ? "stopped on request" : "ended") : "FAILED")"
                + " after \(String(format: "%.1f", summary.elapsedSeconds)) s",
            "messages: \(messages.received) received, \(messages.deleted) done, \(messages.waitingForFullLoad) waiting for a full load, "
                + "\(messages.leftForDeadLetterQueue) left for the dead-letter queue, \(messages.failed) failed (to be redelivered), "
                + "\(messages.released) released on stop",
            "full-load files: \(files.fullLoadLoaded) loaded, \(files.fullLoadAlreadyDone) already done, \(files.fullLoadDamaged.count) damaged",
            "change files: \(files.changeFilesApplied) applied, \(files.changeFilesAlreadyDone) already done",
            "rows: \(summary.rows.rowsRead) read, \(summary.rows.itemsWritten) written, \(summary.rows.deadLettered) dead-lettered; "
                + "changes: \(summary.changes.changesRead) read, \(summary.changes.applied) applied, "
                + "\(summary.changes.skippedStale) stale, \(summary.changes.deadLettered) dead-lettered",
        ]
        if !files.fullLoadDamaged.isEmpty {
            lines.append("damaged files (replace each; its next notification loads it):")
            lines += files.fullLoadDamaged.map { "  \($0)" }
        }
        if !summary.problems.isEmpty {
            lines.append("problems:")
            lines += summary.problems.map { "  \($0.key ?? $0.messageID): \($0.reason)" }
        }
        if let error = summary.error { lines.append("error: \(error)") }
        return lines.joined(separator: "\n")
    }
}
