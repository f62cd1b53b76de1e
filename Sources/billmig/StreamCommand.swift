import ArgumentParser
import BillingModel
import Cutover
import CutoverCore
import DMSStaging
import Foundation
import Migration
import MigrationCore
import MySQLSource
import Telemetry
import Validation

struct StreamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream",
        abstract: "Follow the source's binlog and apply every change to the table as it happens.",
        discussion: """
            Starts where its checkpoint ({state}/changes/binlog.json) says, else at the snapshot position \
            that `load --from mysql://` saved ({state}/snapshot.json), else where --start-position or \
            --start-gtid says. Reads ROWS events, groups them by transaction and applies them: writes to \
            different items in parallel, writes to one item in order, each conditional on its binlog \
            position, so a replayed or late change never overwrites a newer one. Follows rotations; a \
            dropped connection is reopened with backoff. The checkpoint (the end of the last transaction \
            whose every change is written) is saved every few seconds, on stop and at the end, with the \
            replication lag and throughput, which `billmig status --state ...` shows.

            Lag is the time from the source commit to the DynamoDB write. With --heartbeat the stream \
            writes NOW(6) to a row of billmig_heartbeat on the source every 250 ms and times that row's \
            arrival (millisecond figures; the row is never written to DynamoDB); without it, the commit \
            events' timestamps are used, which have 1 s resolution.

            After an outage of the source or the table, once it has answered for 10 s, the stream \
            validates the accounts it changed from --outage-margin before the outage to 10 s after it \
            (live: a difference is rechecked once the checkpoint has passed it) and reports what it found \
            in its log, its summary and `billmig status` (`after the outage: N accounts checked, M \
            differences`); it repairs nothing. --no-check-after-outage turns it off.

            Runs until SIGINT or SIGTERM (which stop reading, finish the writes in flight, save the \
            checkpoint and exit 0), or, with --until-caught-up, until every change up to the source's \
            binlog end at the start is applied, or, with --stop-at, until that position.

            Exit status: 0 every change applied (or skipped as stale); 3 finished with dead-lettered \
            changes; 1 failed (rerun to resume from the checkpoint).
            """
    )

    @OptionGroup var source: MySQLSourceOptions

    @Option(name: .long, help: "Start at this binlog position (FILE:POS, an event boundary), ignoring the checkpoint.")
    var startPosition: String?

    @Option(name: .long, help: "Start after this GTID position (MariaDB, e.g. 0-1-46), ignoring the checkpoint.")
    var startGtid: String?

    @OptionGroup var stopping: BinlogStopOptions

    @Flag(name: .long, help: "Measure lag to the millisecond with a heartbeat row on the source (creates billmig_heartbeat).")
    var heartbeat = false

    @Option(name: .long, help: "Milliseconds between heartbeat writes.")
    var heartbeatIntervalMs = 250

    @OptionGroup var checkpoints: CheckpointOptions

    @OptionGroup var transfer: TransferOptions

    @OptionGroup var writes: ChangeWriteOptions

    @OptionGroup var afterOutage: AfterOutageOptions

    @Option(name: .long, help: "The replica server id the stream announces (random by default; must be unique).")
    var serverId: UInt32?

    @OptionGroup var output: OutputOptions

    @OptionGroup var prometheus: PrometheusOptions

    @OptionGroup var metrics: CloudWatchPublishingOptions

    @OptionGroup var follow: FollowCutoverOptions

    func validate() throws {
        if startPosition != nil && startGtid != nil { throw ValidationError("--start-position and --start-gtid exclude each other") }
        if let startPosition { _ = try BinlogStopOptions.coordinates(startPosition, option: "--start-position") }
        guard heartbeatIntervalMs >= 10 else { throw ValidationError("--heartbeat-interval-ms must be at least 10") }
        _ = try checkpoints.interval()
        if follow.followCutover, stopping.untilCaughtUp || stopping.stopAt != nil {
            throw ValidationError("--follow-cutover runs until SIGTERM: it excludes --until-caught-up and --stop-at")
        }
    }

    func run() async throws {
        guard source.isMySQL else { throw ValidationError("--from must be a mysql:// URL") }
        let (connection, stateLocation, mapping) = try await source.resolveVerified()
        let stop = StopSignal()

        var configuration = BinlogStreamConfiguration(
            connection: connection, tableName: source.table, mapping: mapping,
            applier: writes.applier,
            checkpointInterval: try checkpoints.interval())
        if let startPosition {
            let (file, position) = try BinlogStopOptions.coordinates(startPosition, option: "--start-position")
            configuration.start = .coordinates(file: file, position: position)
        } else if let startGtid {
            configuration.start = .gtid(startGtid)
        }
        configuration.stop = try stopping.mode()
        if heartbeat {
            configuration.heartbeat = SourceHeartbeat.Configuration(interval: .milliseconds(heartbeatIntervalMs))
        }
        configuration.replicaServerID = serverId
        if follow.followCutover {
            // The write switch waits for a follower twice, writes held: for its position (published
            // as soon as everything read is settled) and for its stop (noticed between two server
            // heartbeats, so they come often).
            configuration.settledCheckpointInterval = .milliseconds(200)
            configuration.serverHeartbeatPeriod = .milliseconds(100)
        }
        configuration.transfer = try transfer.limit()
        configuration.linkCapacityBitsPerSecond = try transfer.linkCapacityBitsPerSecond()
        configuration.outageWindow = afterOutage.window(for: mapping)
        // No DescribeTable for the table's capacity here (load and apply have one): a stream
        // writes what the source commits, and must say at once when the table is unreachable.
        configuration.throttle.ceiling = writes.maxWcu
        let configured = configuration

        let summary = try await withStopOnSignals(stop, announce: !output.quiet) {
            try await Runtime.with(maxConnections: writes.concurrency) { runtime in
                let streamConfiguration = configured
                let control = DynamoDBCutoverControl(client: DynamoDBWriteTarget.unretriedClient(try runtime.awsClient()), tableName: source.table)
                guard follow.followCutover else {
                    return try await stream(streamConfiguration, runtime: runtime, state: stateLocation, epochs: CutoverEpochs(control: control), stop: stop)
                }
                let quiet = output.quiet
                let follower = CutoverFollower(
                    directives: control, stream: .forward, pollInterval: follow.followInterval.duration, stop: stop,
                    announce: { if !quiet { note("billmig stream: " + $0) } })
                var first = true
                let last = try await follower.follow({ turn, turnEnded in
                    guard case .run(let forwardStart, let epochs, _) = turn else { preconditionFailure("a segment runs only on a turn") }
                    var configuration = streamConfiguration
                    if let forwardStart {
                        configuration.start = try await Self.coordinates(forwardStart, on: streamConfiguration.connection)
                    } else if !first {
                        configuration.start = nil  // --start-position was for the first turn: from here on, the checkpoint
                    }
                    first = false
                    let source: any SwitchEpochSource = epochs.map(RecordedEpochs.init) ?? CutoverEpochs(control: control)
                    return try await stream(configuration, runtime: runtime, state: stateLocation, epochs: source, stop: turnEnded)
                }, ended: { (summary: StreamSummary) in summary.status == .failed })
                guard let last else { throw CommandError("stopped before the cutover's directive gave the forward stream a turn") }
                return last
            }
        }

        try output.conclude(summary, status: ExitStatus(summary.status)) {
            StreamSummaryText.render(summary, stateLocation: stateLocation)
        }
    }
}

extension StreamCommand {
    /// One run of the stream, with its metrics, Prometheus endpoint and progress line, until `stop` or its end.
    func stream(
        _ configuration: BinlogStreamConfiguration, runtime: Runtime, state: StagingLocation, epochs: any SwitchEpochSource,
        stop: StopSignal
    ) async throws -> StreamSummary {
        let stream = BinlogChangeStream(
            configuration: configuration,
            target: try runtime.writeTarget(table: source.table),
            state: try runtime.stateLocation(state),
            stop: stop,
            epochs: epochs)
        let sample = StreamCloudWatchSample(table: source.table)
        let (progress, outage, link) = (stream.progress, stream.outage, stream.link)
        let checks = AfterOutageChecks()
        let (table, mapping, connection) = (source.table, configuration.mapping, configuration.connection)
        let (dynamoDB, stateLocation) = (try runtime.dynamoDB(), try runtime.stateLocation(state))
        var summary = try await metrics.publishing(through: runtime, { sample.data(.init(progress.snapshot(), outage: outage, link: link.use())) }) {
            try await prometheus.exposing(stream.progress, outage: stream.outage, link: link, table: source.table) {
                try await ProgressReporter(
                    mode: output.quiet ? .silent : ProgressReporter.automaticMode, progress: stream.progress,
                    outage: stream.outage
                ).showing {
                    try await RunActivityRecorder(state: stateLocation, command: "stream").recordingStream(
                        progress: stream.progress, outage: stream.outage, link: link, checks: checks,
                        sourceName: configuration.connection.sourceName
                    ) {
                        try await checks.watching(
                            stream.changedAroundOutages,
                            unreachable: { progress.snapshot().sourceOutage != nil || outage.current != nil },
                            check: { keys in
                                try await Validator.checkAccounts(
                                    of: keys, table: table, mapping: mapping, source: connection, dynamoDB: dynamoDB, state: stateLocation,
                                    epochs: epochs)
                            }
                        ) {
                            do {
                                return try await stream.run()
                            } catch let error as BinlogStreamError {
                                throw CommandError(error.description)
                            }
                        }
                    }
                }
            }
        }
        summary.afterOutages = checks.all
        return summary
    }

    /// The binlog coordinates of a directive's start, named as the source names its binlog files.
    static func coordinates(
        _ start: ReplicationDirective.ForwardStart, on connection: MySQLConnectionConfiguration
    ) async throws -> BinlogStreamConfiguration.ExplicitStart {
        let probe = try await MySQLConnection.connect(connection)
        let end = try await probe.binlogEnd()
        await probe.close()
        guard let end else { throw CommandError("the source's binary log is off (SHOW MASTER STATUS is empty): the stream cannot resume") }
        let coordinates = BinlogCoordinates(fileSequence: start.fileSequence, position: start.position, siblingOf: end.file)
        return .coordinates(file: coordinates.file, position: coordinates.position)
    }
}

/// The write switches a cutover directive handed over (MySQL's new epoch included,
/// before the cutover state records it).
struct RecordedEpochs: SwitchEpochSource {
    let history: SwitchEpochHistory

    init(_ history: SwitchEpochHistory) {
        self.history = history
    }

    func switchEpochs() async throws -> SwitchEpochHistory { history }
}

/// The write switches as the cutover recorded them (`CONTROL#CUTOVER`; none before
/// the first cutover command): a rollback stores the binlog position MySQL's new
/// epoch starts at, which the stream's versions need.
struct CutoverEpochs: SwitchEpochSource {
    let control: DynamoDBCutoverControl

    func switchEpochs() async throws -> SwitchEpochHistory {
        do {
            return try await control.loadCutover().epochs
        } catch let error as CutoverExecutorError {
            throw SwitchEpochsUnreadable(error.description)
        }
    }
}

enum StreamSummaryText {
    static func render(_ summary: StreamSummary, stateLocation: StagingLocation) -> String {
        let table = ApplySummaryText.entityTable(summary.entities + [summary.total])
        let verdict: String
        switch summary.status {
        case .completed: verdict = "every change applied or already superseded"
        case .completedWithDeadLetters: verdict = "\(summary.total.deadLettered) changes dead-lettered"
        case .failed: verdict = "FAILED"
        }
        let ending: String
        switch summary.ending {
        case .caughtUp: ending = "caught up"
        case .stopPositionReached: ending = "stop position reached"
        case .signal: ending = "stopped on request"
        case .failed: ending = "stopped by an error"
        }
        var lines = [
            "billmig stream \(summary.source) -> \(summary.table): \(ending), \(verdict), in "
                + String(format: "%.1f", summary.elapsedSeconds) + " s",
            "",
            table.render(),
            "",
            "started at \(summary.startedAt) (from the \(summary.startedFrom.rawValue)); \(summary.transactions) transactions; "
                + "checkpoint \(summary.checkpoint ?? "none")"
                + (summary.reconnects > 0 ? "; \(summary.reconnects) reconnects" : ""),
        ] + summary.afterOutages.map(\.summaryLine) + [
            summary.health.summaryLine
                + (summary.health.lagSource == .eventTimestamps
                    ? " (from commit timestamps, 1 s resolution; --heartbeat gives milliseconds)" : ""),
        ]
        if let location = summary.deadLetterLocation {
            lines.append("dead letters: \(stateLocation.describe(key: location))")
        }
        if let error = summary.error {
            lines.append("error: \(error)")
            if let advice = summary.advice { lines.append(advice) }
        }
        return lines.joined(separator: "\n")
    }
}
