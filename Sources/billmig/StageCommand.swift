import ArgumentParser
import DMSStaging
import Foundation
import Migration
import MigrationCore
import MySQLSource

/// `billmig stage`: the design's own path without AWS DMS. The source's snapshot
/// and then its binlog are written as DMS-format files, for `load` and `apply`.
struct StageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stage",
        abstract: "Write MySQL's snapshot and binlog as DMS-format files (full load, then change files) in S3 or a folder.",
        discussion: """
            First one consistent snapshot, table by table in primary-key chunks, as \
            {to}/billing/{TABLE}/LOAD00000001.csv, … (header row), and its binlog position. \
            Then the binlog from that position as change files \
            {to}/billing/{TABLE}/{yyyymmdd-hhmmssfff}.csv with Op (I/U/D) and an \
            AR_H_CHANGE_SEQ column that orders every change: \
            `billmig apply --from {to} --change-sequence-column AR_H_CHANGE_SEQ` applies them \
            in any order. An update that moves a row to another item (PK or SK) is written as D then I.

            State ({state}/stage/snapshot.json, {state}/stage/binlog.json): a finished \
            snapshot is not taken again; a killed snapshot is taken again from the start \
            (its files replaced). The change half resumes from its checkpoint, which is \
            saved only after the files holding the changes before it; a change may be \
            written twice after a crash, never lost. SIGTERM or SIGINT writes what is \
            buffered, checkpoints and exits 0.
            """)

    @OptionGroup var source: MySQLSourceOptions

    @Option(name: .long, help: "Where to write the files: s3://BUCKET/PREFIX or a local folder.")
    var to: String

    @OptionGroup var stopping: BinlogStopOptions

    @Flag(name: .long, help: "Take the snapshot only (no change files).")
    var snapshotOnly = false

    @Option(name: .long, help: "Write change files every this many changes (at a commit).")
    var flushChanges = 5_000

    @Option(name: .long, help: "… or every this many seconds, whichever comes first.")
    var flushSeconds = 2.0

    @Option(name: .long, help: "Rows per primary-key chunk of the snapshot.")
    var chunkSize = 10_000

    @OptionGroup var transfer: TransferOptions

    @OptionGroup var output: OutputOptions

    @OptionGroup var prometheus: PrometheusOptions

    func validate() throws {
        guard flushChanges > 0, flushSeconds > 0, chunkSize > 0 else {
            throw ValidationError("--flush-changes, --flush-seconds and --chunk-size must be positive")
        }
        if transfer.linkCapacity != nil {
            throw ValidationError("--link-capacity is for stream and load --from mysql:// (stage does not report its share of the link); leave it out")
        }
    }

    /// What `stage` did, as `--json` prints it.
    struct Summary: Encodable {
        var source: String
        var to: String
        var snapshot: SnapshotPosition
        var snapshotTaken: Bool
        var tables: [StagedTableFiles]
        var changes: ChangeStagingSummary?
    }

    func run() async throws {
        guard source.isMySQL else { throw ValidationError("--from must be a mysql:// URL") }
        let (connection, stateLocation, mapping) = try await source.resolveVerified()
        let destination = try StagingLocation(parsing: to)
        let stop = StopSignal()
        let stopMode = try stopping.mode()
        let layout = DMSStagingLayout(bucketFolder: destination.keyPrefix, schema: mapping.sourceSchema)
        let quiet = output.quiet
        let printer = ProgressLines()
        let needsAWS = [destination, stateLocation].contains { if case .s3 = $0 { true } else { false } }

        let staged = try await withStopOnSignals(stop, announce: !quiet) {
            try await Runtime.with(needsAWS: needsAWS) { runtime in
                let limit = try transfer.limit()
                var snapshot = SnapshotStager.Configuration(connection: connection, mapping: mapping, layout: layout, chunkSize: chunkSize)
                snapshot.transfer = limit
                var changes = BinlogFileStager.Configuration(
                    connection: connection, mapping: mapping, layout: layout, stop: stopMode, flushChanges: flushChanges,
                    flushInterval: .milliseconds(Int64(flushSeconds * 1000)))
                changes.transfer = limit
                let stager = MySQLStager(
                    snapshot: snapshot, changes: snapshotOnly ? nil : changes,
                    files: try runtime.objectStore(for: destination), state: try runtime.stateLocation(stateLocation), stop: stop)
                let figures = StageProgress()
                return try await prometheus.exposing(figures, table: source.table) {
                    try await stager.run(figures: figures) { line in
                        if !quiet { printer.print(line) }
                    }
                }
            }
        }
        let result = Summary(
            source: connection.description, to: destination.description, snapshot: staged.position.withoutDefinitions,
            snapshotTaken: staged.snapshotTaken, tables: staged.tables, changes: staged.changes)
        if output.json {
            try output.printJSON(result)
        } else {
            var lines = [
                "billmig stage \(result.source) -> \(result.to)",
                "snapshot at \(result.snapshot.binlogFile):\(result.snapshot.binlogPosition)"
                    + (result.snapshotTaken ? " (taken now)" : " (taken earlier, \(result.snapshot.takenAt))"),
            ]
            for table in result.tables { lines.append("  \(table.table): \(table.rows) rows in \(table.files.count) files") }
            if let changes = result.changes {
                let total = changes.changesWritten.values.reduce(0, +)
                lines.append("changes from \(changes.startedAt): \(total) written in \(changes.files) files; "
                    + "checkpoint \(changes.checkpoint ?? "unchanged"); ending \(changes.ending.rawValue)"
                    + (changes.reconnects > 0 ? "; \(changes.reconnects) reconnects" : ""))
                for (table, count) in changes.changesWritten.sorted(by: { $0.key < $1.key }) { lines.append("  \(table): \(count) changes") }
            }
            print(lines.joined(separator: "\n"))
        }
    }
}
