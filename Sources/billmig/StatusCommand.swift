import ArgumentParser
import BillingModel
import DMSStaging
import DynamoDB
import DynamoDBModel
import Foundation
import Migration
import MigrationCore
import SQS

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show how far the load is: per entity and per file.",
        discussion: """
            Reads the MIGRATION#STATUS tracking items from the table and, with --from or \
            --state, the load's checkpoints (which carry the row counts).
            """
    )

    @Option(name: .long, help: "The DynamoDB table.")
    var table = "BillingSystem"

    @Option(name: .long, help: "The source the load reads: staged files (state under {from}/_billmig/{table}/) or mysql://... (state in .billmig/{table}/).")
    var from: String?

    @Option(name: .long, help: "The load's state location, when it is not the default.")
    var state: String?

    @Option(name: .long, help: "A mapping file, for the order of entities.")
    var mapping: String?

    @Option(name: .long, help: "The workers' SQS queue (URL): list the files in its dead-letter queue.")
    var queue: String?

    @Flag(name: .long, help: "List every file, not only the entities.")
    var files = false

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let mapping = try loadMapping(path: mapping)
        if let from, MySQLSourceOptions.isMySQL(from) {
            // status never connects to MySQL, but a password in the URL is refused
            // as everywhere else: URLs end up in shell histories and process lists.
            _ = try MySQLSourceOptions.connection(url: from, passwordEnv: nil, passwordFile: nil)
        }
        let stateLocation = try state.map(StagingLocation.init(parsing:))
            ?? from.map { from in
                // A direct MySQL load keeps its state in .billmig/{table} unless told otherwise.
                MySQLSourceOptions.isMySQL(from)
                    ? try StagingLocation(parsing: MySQLSourceOptions.defaultState(table: table))
                    : try StagingLocation(parsing: from).appending("_billmig/\(table)")
            }
        let status = try await Runtime.with { runtime in
            // A table that cannot be read (the outage a paused command waits out) leaves
            // the state's part of the status to show.
            var tableError: String?
            var items: [Item] = []
            do {
                // One attempt: a status is asked for now, and says at once when the table does not answer.
                items = try await DynamoDBWriteTarget.unretriedClient(try runtime.awsClient()).queryAll(QueryInput(
                    tableName: table, keyCondition: "#pk = :pk AND begins_with(#sk, :batch)",
                    names: ["#pk": "PK", "#sk": "SK"],
                    values: [":pk": .s(TrackingItem.partitionKey), ":batch": .s(TrackingItem.sortKeyPrefix)],
                    consistentRead: true))
            } catch {
                tableError = String(describing: error)
            }
            let tracking = items.compactMap { try? TrackingItem(item: $0) }
            var activity: [RunActivity] = []
            var checkpoints: [FileCheckpoint] = []
            var snapshot: SnapshotPosition?
            var replication: BinlogCheckpoint?
            var migration: MigrationProgress?
            if let stateLocation {
                let state = try runtime.stateLocation(stateLocation)
                checkpoints = try await state.readAll(.fileCheckpoints)
                // A direct snapshot load's per-table checkpoints and position.
                let snapshotState = SnapshotStateStore(state)
                checkpoints += try await snapshotState.allCheckpoints().map(\.fileCheckpoint)
                snapshot = try await snapshotState.position()?.withoutDefinitions
                // An unreadable stream checkpoint does not hide the load's status.
                do {
                    replication = try await state.read(.binlogCheckpoint)?.withoutDefinitions
                } catch is DecodingError {}
                migration = try? await state.read(.migrationProgress)
                activity = (try? await state.readAll(.runActivity)) ?? []
            }
            var status = LoadStatus(tracking: tracking, checkpoints: checkpoints, entityOrder: mapping.tables.map(\.table))
            status.snapshot = snapshot
            status.replication = replication
            status.migration = migration
            status.activity = activity.sorted { $0.command < $1.command }
            status.tableError = tableError
            if tableError == nil {
                let reverseKey: Item = [ItemKey.partitionKeyName: .s(ControlItems.partitionKey), ItemKey.sortKeyName: .s(ControlItems.reverseSortKey)]
                status.reverse = try await runtime.dynamoDB().getItem(table, key: reverseKey, consistentRead: true)
                    .flatMap(ControlItems.reverseProgress(from:))
            }
            if let queue {
                status.deadLetterQueue = try await DeadLetterQueueReader(sqs: SQSClient(client: runtime.awsClient())).status(ofQueue: queue)
                if status.deadLetterQueue == nil { note("billmig status: the queue \(queue) has no redrive policy, so no dead-letter queue") }
            }
            return status
        }
        if output.json {
            try output.printJSON(status)
            return
        }
        let now = Date()
        for activity in status.activity { print(activity.line(at: now)) }
        if let tableError = status.tableError {
            print("table \(table) cannot be read now (\(tableError)): the counts below come from the state alone")
        }
        if let migration = status.migration {
            let phase =
                migration.isReadyToSwitch
                ? "ready to switch"
                : "phase \(migration.next?.rawValue ?? "-")" + (migration.interrupted != nil ? " (running, or killed in it)" : " (next)")
            print("migrate: \(phase); done: \(migration.phases.filter(migration.completed.contains).map(\.rawValue).joined(separator: ", "))")
        }
        print("load into \(table): \(status.overall)")
        if let snapshot = status.snapshot {
            print("snapshot of \(snapshot.source) at \(snapshot.binlogFile):\(snapshot.binlogPosition)"
                + (snapshot.gtid.map { " (GTID \($0))" } ?? "") + ", taken \(snapshot.takenAt): the change stream starts there")
        }
        var entities = TextTable(["entity", "files", "done", "running", "failed", "rows read", "items written", "dead-lettered"])
        for entity in status.entities {
            entities.add([
                entity.entity, String(entity.files), String(entity.filesCompleted), String(entity.filesInProgress),
                String(entity.filesFailed), String(entity.rowsRead), String(entity.itemsWritten), String(entity.deadLettered),
            ])
        }
        print(entities.render())
        if stateLocation == nil { print("(row counts need --from or --state: they are in the checkpoints)") }
        if files {
            var list = TextTable(["file", "status", "items", "failed", "started", "ended"])
            for file in status.files {
                list.add([file.batchId, file.status, String(file.recordsProcessed), String(file.recordsFailed), file.startTime ?? "", file.endTime ?? ""])
            }
            print("\n" + list.render())
        }
        for file in status.files where file.error != nil {
            print("\(file.batchId): \(file.error!)")
        }
        if !status.damagedFiles.isEmpty {
            print("\ndamaged files (read up to the damage, dead-lettered as files; replace each and run the load again):")
            for file in status.damagedFiles { print("  \(file)") }
        }
        if let replication = status.replication {
            print("\nchange stream from \(replication.source): applied to \(replication.file):\(replication.position)"
                + (replication.gtid.map { " (GTID \($0))" } ?? "") + ", checkpoint saved \(replication.updatedAt)")
            if let health = replication.health {
                // The rates are the stream's when it saved the checkpoint, not now: say how old they are.
                print("as of that checkpoint\(Self.age(of: replication.updatedAt).map { " (\($0) ago)" } ?? ""): " + health.summaryLine
                    + (health.lastCommitTime.map { " | last source commit \($0)" } ?? ""))
            }
            let total = replication.counts.values.reduce(ChangeCounts(), +)
            print("changes: \(total.changesRead) read, \(total.applied) applied, \(total.skippedStale) skipped (stale), \(total.deadLettered) dead-lettered")
        }
        if let deadLetters = status.deadLetterQueue {
            print("\nworkers' dead-letter queue \(deadLetters.queueURL): \(deadLetters.messages) messages"
                + (deadLetters.files.isEmpty ? "" : "; files no worker could process (fix the cause, then redrive them to the queue):"))
            for file in deadLetters.files { print("  \(file)") }
            if !deadLetters.otherMessages.isEmpty {
                print("  and \(deadLetters.otherMessages.count) messages that are no S3 event: \(deadLetters.otherMessages.joined(separator: ", "))")
            }
        }
        if let reverse = status.reverse {
            print("\nreverse stream (DynamoDB epoch \(reverse.epoch) -> MySQL): \(reverse.statusLine), published \(reverse.updatedAt)"
                + (reverse.caughtUpAt.map { ", last caught up \($0)" } ?? ""))
        }
    }

    /// How long ago an ISO 8601 time was, for people (`42 s`, `3 min`, `2 h`); nil when unreadable.
    static func age(of text: String, now: Date = Date()) -> String? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let date = formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text) else { return nil }
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        if seconds < 120 { return "\(seconds) s" }
        if seconds < 7_200 { return "\(seconds / 60) min" }
        return "\(seconds / 3_600) h"
    }
}
