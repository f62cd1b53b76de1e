import ArgumentParser
import BillingModel
import BillingStores
import Cutover
import DMSStaging
import DynamoDB
import Foundation
import Migration
import MigrationCore
import MySQLSource
import Telemetry

struct ReverseStreamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reverse-stream",
        abstract: "Copy the table's DynamoDB stream back into MySQL while DynamoDB takes the writes (for a rollback).",
        discussion: """
            Reads the table's stream (it must be enabled with NEW_AND_OLD_IMAGES), parents before \
            children, each shard in order, turns every item change of the DynamoDB epoch back into \
            its MySQL row (upsert, or delete by primary key) and commits each page of records as one \
            MySQL transaction. Then it saves the shard's checkpoint (its last sequence number) under \
            --state (reverse/checkpoint.json) and starts there again when run again; a replay of a \
            page already applied changes nothing.

            The epoch is the switch epoch whose DynamoDB writes are copied: --epoch, else the flags' \
            Epoch (CONTROL#FLAGS) when it is a DynamoDB epoch (odd), else 1 (the epoch the first write \
            switch opens). Changes of earlier epochs are MySQL's own states and are skipped.

            Progress and lag (the newest applied record's age; 0 when a round over every shard found \
            nothing new) go to reverse/progress.json and to the control item MIGRATION#STATUS / \
            CONTROL#REVERSE, which `cutover rollback` waits on, to the progress line, to --json and, \
            with --metrics-port, to Prometheus.

            Runs until SIGINT or SIGTERM (which finish the page in flight, save the checkpoint and \
            exit 0), or, with --until-caught-up, until a round finds nothing new.

            Exit status: 0 every change applied (or skipped as older); 3 finished with dead-lettered \
            changes (reverse/… under dead-letters/); 1 failed (rerun to resume from the checkpoint).
            """
    )

    @Option(name: .long, help: "The DynamoDB table whose stream is read.")
    var table = "BillingSystem"

    @Option(name: .long, help: "The MySQL database written: mysql://USER@HOST:PORT/DATABASE.")
    var to: String

    @OptionGroup var mysql: MySQLPasswordOptions

    @Option(name: .long, help: "A mapping file (JSON, see docs/mapping-format.md); the billing mapping by default.")
    var mapping: String?

    @Option(name: .long, help: "Where the checkpoint, progress and dead letters are kept (s3://… or a folder). Default: .billmig/{table}/.")
    var state: String?

    @Option(name: .long, help: "The DynamoDB switch epoch to copy (odd); default: the flags' epoch, else 1.")
    var epoch: UInt32?

    @Flag(name: .long, help: "Stop once a round over every shard finds no new record.")
    var untilCaughtUp = false

    @Option(name: .long, help: "Stream records read per GetRecords call (and per MySQL transaction), 1-1000.")
    var pageSize = 1_000

    @Option(name: .long, help: "Milliseconds to wait after a round that found nothing new.")
    var pollIntervalMs = 1_000

    @OptionGroup var output: OutputOptions

    @OptionGroup var prometheus: PrometheusOptions

    @OptionGroup var follow: FollowCutoverOptions

    func validate() throws {
        guard MySQLSourceOptions.isMySQL(to) else { throw ValidationError("--to must be a mysql:// URL") }
        guard (1...1_000).contains(pageSize) else { throw ValidationError("--page-size must be 1-1000") }
        guard pollIntervalMs >= 10 else { throw ValidationError("--poll-interval-ms must be at least 10") }
        if follow.followCutover, untilCaughtUp {
            throw ValidationError("--follow-cutover runs until SIGTERM: it excludes --until-caught-up")
        }
        if let epoch, epoch % 2 == 0 {
            throw ValidationError("--epoch \(epoch) is a MySQL epoch: DynamoDB was write primary in the odd epochs (1, 3, …)")
        }
    }

    func run() async throws {
        let connection = try mysql.configuration(url: to, flag: "--to")
        let mapping = try loadMapping(path: mapping)
        try await MySQLSourceOptions.verify(mapping, against: connection)
        let stateLocation = try StagingLocation(parsing: state ?? MySQLSourceOptions.defaultState(table: table))
        let stop = StopSignal()

        let summary = try await withStopOnSignals(stop, announce: !output.quiet) {
            try await Runtime.with { runtime in
                let dynamoDB = try runtime.dynamoDB()
                guard follow.followCutover else {
                    return try await replicate(runtime, dynamoDB, connection: connection, mapping: mapping, state: stateLocation, epoch: epoch, stop: stop)
                }
                let quiet = output.quiet
                let follower = CutoverFollower(
                    directives: DynamoDBCutoverControl(client: dynamoDB, tableName: table), stream: .reverse,
                    pollInterval: follow.followInterval.duration, stop: stop,
                    announce: { if !quiet { note("billmig reverse-stream: " + $0) } })
                let last = try await follower.follow({ turn, turnEnded in
                    guard case .run(_, _, let reverseEpoch) = turn else { preconditionFailure("a segment runs only on a turn") }
                    return try await replicate(
                        runtime, dynamoDB, connection: connection, mapping: mapping, state: stateLocation, epoch: reverseEpoch?.number ?? epoch,
                        stop: turnEnded)
                }, ended: { (_: ReverseReplication.Summary) in false })
                guard let last else { throw CommandError("stopped before the cutover's directive gave reverse replication a turn") }
                return last
            }
        }

        try output.conclude(summary, status: ExitStatus(summary.status)) {
            Self.render(summary, table: table, stateLocation: stateLocation)
        }
    }

    /// One run of reverse replication, copying `epoch`'s writes (see the discussion), until `stop` or its end.
    func replicate(
        _ runtime: Runtime, _ dynamoDB: DynamoDBClient, connection: MySQLConnectionConfiguration, mapping: Mapping,
        state: StagingLocation, epoch requested: UInt32?, stop: StopSignal
    ) async throws -> ReverseReplication.Summary {
        let streamArn = try await Self.streamArn(dynamoDB, table: table)
        let (reverseEpoch, epochs) = try await resolveEpochs(dynamoDB, requested: requested)
        let configuration = ReverseReplication.Configuration(
            streamArn: streamArn, mapping: mapping, epochs: epochs, reverseEpoch: reverseEpoch, pageSize: pageSize,
            pollInterval: .milliseconds(pollIntervalMs), stopWhenCaughtUp: untilCaughtUp)
        let target = try await MySQLConnection.connect(connection)
        do {
            let replication = ReverseReplication(
                configuration: configuration, streams: DynamoDBStreamsClient(client: try runtime.awsClient()),
                target: MySQLRowWriteTarget(connection: target), state: try runtime.stateLocation(state),
                publisher: ControlItemReversePublisher(client: dynamoDB, tableName: table), stop: stop)
            let summary = try await prometheus.exposing(replication.progress, table: table) {
                try await ProgressReporter(mode: output.quiet ? .silent : ProgressReporter.automaticMode) {
                    replication.progress.snapshot().statusLine
                }.showing {
                    try await replication.run()
                }
            }
            await target.close()
            return summary
        } catch {
            await target.close()
            throw error
        }
    }

    /// The table's enabled stream, or an error saying how to enable one.
    static func streamArn(_ dynamoDB: DynamoDBClient, table: String) async throws -> String {
        let description = try await dynamoDB.describeTable(table)
        let enable =
            "enable it with NEW_AND_OLD_IMAGES: aws dynamodb update-table --table-name \(table) "
            + "--stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES"
        guard let arn = description.latestStreamArn else {
            throw CommandError("the table \(table) has no stream enabled; \(enable)")
        }
        guard description.streamViewType == nil || description.streamViewType == .newAndOldImages else {
            throw CommandError(
                "the stream of \(table) shows \(description.streamViewType!.rawValue), reverse replication needs both images; "
                    + "disable the stream and \(enable)")
        }
        return arn
    }

    /// The epoch to copy and the history to judge records by (see the discussion).
    func resolveEpochs(_ dynamoDB: DynamoDBClient, requested epoch: UInt32?) async throws -> (SwitchEpoch, SwitchEpochHistory) {
        let recorded = try await DynamoDBControlStore(client: dynamoDB, tableName: table).load().flags.epoch
        let reverseEpoch: UInt32
        if let epoch {
            reverseEpoch = epoch
        } else if recorded % 2 == 1 {
            reverseEpoch = recorded
        } else if recorded > 0 {
            // MySQL is primary again (a rollback): what is left is the last DynamoDB epoch's.
            reverseEpoch = recorded - 1
            if !output.quiet { note("billmig: the flags' epoch \(recorded) is a MySQL epoch; copying epoch \(reverseEpoch)'s DynamoDB writes") }
        } else {
            reverseEpoch = 1
        }
        return (SwitchEpoch(reverseEpoch), SwitchEpochHistory(alternatingThrough: SwitchEpoch(max(reverseEpoch, recorded))))
    }

    static func render(_ summary: ReverseReplication.Summary, table: String, stateLocation: StagingLocation) -> String {
        let ending = summary.ending == .caughtUp ? "caught up" : "stopped on request"
        let verdict = summary.deadLettered > 0 ? "\(summary.deadLettered) changes dead-lettered" : "every change applied or skipped as older"
        let elapsed = String(format: "%.1f", summary.elapsedSeconds)
        let lag: String = summary.lagSeconds.map { String(format: "%.1f s", $0) } ?? "-"
        let shards: [String] = summary.checkpoints.keys.sorted().map { "\($0)@\(summary.checkpoints[$0] ?? "")" }
        let checkpoint: String = shards.isEmpty ? "none" : shards.joined(separator: ", ")
        var lines: [String] = [
            "billmig reverse-stream \(table) -> MySQL (epoch \(summary.epoch)): \(ending), \(verdict), in \(elapsed) s",
            "started from the \(summary.startedFrom.rawValue); \(summary.records) records, \(summary.rowWrites) row writes, "
                + "\(summary.skippedOlderEpoch) skipped (older epoch), \(summary.notRows) not rows",
            "lag \(lag)\(summary.caughtUp ? " (caught up)" : ""); checkpoint: \(checkpoint)",
        ]
        if summary.deadLettered > 0 {
            lines.append("dead letters: \(stateLocation.describe(key: StagingLocation.folder(stateLocation.keyPrefix) + "dead-letters/reverse/"))")
        }
        return lines.joined(separator: "\n")
    }
}
