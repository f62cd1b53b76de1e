import ArgumentParser
import BillingModel
import DMSStaging
import Foundation
import Migration
import Telemetry
import MigrationCore
import MySQLSource
import PlanCore
import Planning

struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load the full snapshot (staged by AWS DMS in S3, or straight from MySQL) into the table.",
        discussion: """
            Reads {prefix}/{schema}/{TABLE}/LOAD*.csv[.gz] for every mapped table, maps each \
            row to its item and writes 25-item batches with bounded concurrency, adapting to \
            throttling. Progress is checkpointed per file under the state location, so a \
            killed load started again skips finished files and resumes the rest. Rows that \
            cannot be parsed, mapped or written go to the dead-letter store with their reason.

            With --from mysql://USER@HOST:PORT/DATABASE the load reads MySQL/MariaDB directly: \
            one consistent snapshot (no global lock), its binlog position saved as \
            {state}/snapshot.json before any row is read (the start of `billmig stream`), every \
            mapped table read in primary-key chunks (--chunk-size) and checkpointed by the last \
            key done. A rerun keeps the first snapshot's position and reads the rest from a new \
            snapshot; the stream, replaying from the older position with version-conditional \
            writes, makes that consistent. The state defaults to .billmig/{table}/. A load \
            refuses to run over a state where a change stream has checkpoints (unless --force). \
            The password comes from --password-env (default BILLMIG_MYSQL_PASSWORD) or --password-file.

            A backfill re-loads part of the data into a table that already holds items: \
            --entity NAME (repeatable) reads only those tables, --since/--until YYYY-MM-DD \
            (inclusive) only their rows dated in the range by each table's `dateColumn` (a WHERE on \
            the snapshot's chunked read; staged files are read whole and the other rows counted as \
            skipped). Every item is written conditionally on its version, so a row never \
            overwrites a newer change of the stream or of `apply`, and it may run beside them; \
            its state is its own, {state}/backfill/{selection}/, so a rerun of the same backfill \
            resumes and another selection is another run (docs/operations.md, "Selective backfill").

            Exit status: 0 every row written (or kept newer, or out of range); 3 finished with \
            dead-lettered rows; 1 failed (rerun to resume).
            """
    )

    @OptionGroup var staged: StagedSourceOptions

    var table: String { staged.table }

    @Flag(name: .long, help: "Read and map every row but write nothing and keep no state.")
    var dryRun = false

    @Flag(name: .long, help: "Ignore checkpoints of earlier runs and load every file again.")
    var restart = false

    @Option(name: .long, help: "Never write more than this many write capacity units per second.")
    var maxWcu: Double?

    @Option(name: .long, parsing: .singleValue, help: "ENTITY=WCU: never write this entity faster than WCU table write units per second (repeatable), e.g. to keep a hot index key under its partition's limit.")
    var entityMaxWcu: [String] = []

    @Option(name: .long, help: "A plan saved by `billmig plan --json`: apply its per-entity write ceilings (the tighter one wins over --entity-max-wcu).")
    var plan: String?

    @Option(name: .long, help: "BatchWriteItem calls in flight at once.")
    var concurrency = 32

    @Option(name: .long, help: "Staged files read at once.")
    var files = 4

    @Option(name: .long, parsing: .singleValue, help: "Backfill: load only this entity, a table of the mapping (repeatable).")
    var entity: [String] = []

    @Option(name: .long, help: "Backfill: only rows dated on or after this day (YYYY-MM-DD), by each table's date column.")
    var since: String?

    @Option(name: .long, help: "Backfill: only rows dated on or before this day (YYYY-MM-DD), by each table's date column.")
    var until: String?

    @OptionGroup var checkpoints: CheckpointOptions

    @OptionGroup var transfer: TransferOptions

    @Option(name: .long, help: "mysql:// only: the environment variable holding the password (default BILLMIG_MYSQL_PASSWORD).")
    var passwordEnv: String?

    @Option(name: .long, help: "mysql:// only: a file whose first line is the password (wins over --password-env).")
    var passwordFile: String?

    @Option(name: .long, help: "mysql:// only: rows per primary-key chunk.")
    var chunkSize = 5_000

    @Flag(name: .long, help: "mysql:// only: load even though a change stream has checkpoints under the state (its newer data may be overwritten).")
    var force = false

    @OptionGroup var output: OutputOptions

    @OptionGroup var metrics: CloudWatchMetricsOptions

    @OptionGroup var prometheus: PrometheusOptions

    func validate() throws {
        guard concurrency > 0, files > 0 else { throw ValidationError("--concurrency and --files must be positive") }
        guard chunkSize > 0 else { throw ValidationError("--chunk-size must be positive") }
        _ = try checkpoints.interval()
        if let maxWcu, maxWcu <= 0 { throw ValidationError("--max-wcu must be positive") }
        do {
            _ = try EntityWriteLimits.parse(entityMaxWcu)
        } catch {
            throw ValidationError("--entity-max-wcu \(error)")
        }
    }

    /// The per-entity ceilings of --entity-max-wcu and --plan.
    func entityLimits() throws -> EntityWriteLimits {
        var limits = try EntityWriteLimits.parse(entityMaxWcu)
        if let plan {
            do {
                let report = try JSONDecoder().decode(PlanReport.self, from: Data(contentsOf: URL(fileURLWithPath: plan)))
                limits = limits.merging(EntityWriteLimits(advice: report.advice))
            } catch {
                throw ValidationError("--plan \(plan): not a plan saved by `billmig plan --json` (\(error))")
            }
        }
        return limits
    }

    /// The backfill --entity, --since and --until ask for; nil: the full load.
    func backfillSelection(in mapping: Mapping) throws -> LoadSelection? {
        guard !entity.isEmpty || since != nil || until != nil else { return nil }
        do {
            return try LoadSelection(entities: entity, since: since, until: until, mapping: mapping)
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// Where the run keeps its state: a backfill below the load's, in a folder of its selection's.
    func state(_ runtime: Runtime, _ location: StagingLocation, selection: LoadSelection?) throws -> StateLocation {
        let state = try runtime.stateLocation(location)
        return selection.map { state.appending($0.stateFolder) } ?? state
    }

    func run() async throws {
        if MySQLSourceOptions.isMySQL(staged.from) {
            try await runSnapshot()
            return
        }
        let (location, stateLocation, mapping) = try staged.resolve()
        let limits = try entityLimits()
        let selection = try backfillSelection(in: mapping)

        let needsAWS = !dryRun || location.isS3 || stateLocation.isS3
        let summary = try await Runtime.with(needsAWS: needsAWS, maxConnections: concurrency) { runtime in
            var configuration = FullLoadConfiguration(
                sourcePrefix: location.keyPrefix,
                sourceDescription: location.description,
                tableName: table,
                mapping: mapping,
                dryRun: dryRun,
                restart: restart,
                filesInParallel: files,
                writeConcurrency: concurrency,
                selection: selection)
            configuration.throttle = dryRun ? .init() : await runtime.writeThrottle(table: table, ceiling: maxWcu)
            configuration.entityWriteLimits = limits.unitsPerSecond
            configuration.checkpointInterval = try checkpoints.interval()
            let load = FullLoad(
                configuration: configuration,
                source: try runtime.objectStore(for: location),
                target: dryRun ? DiscardingWriteTarget() : try runtime.writeTarget(table: table),
                state: try state(runtime, stateLocation, selection: selection))
            return try await prometheus.showing(load.progress, throttle: load.throttle, outage: load.outage, table: table, quiet: output.quiet) {
                try await RunActivityRecorder(state: try state(runtime, stateLocation, selection: selection), command: "load").recordingLoad(
                    outage: load.outage, sourceName: staged.from
                ) {
                    try await load.run()
                }
            }
        }

        await metrics.publish(MetricDatum.load(summary))
        try output.conclude(summary, status: ExitStatus(summary.status)) {
            SummaryText.render(summary, stateLocation: stateLocation)
        }
    }
}

extension LoadCommand {
    /// `load --from mysql://`: the direct consistent snapshot.
    func runSnapshot() async throws {
        let connection = try MySQLSourceOptions.connection(url: staged.from, passwordEnv: passwordEnv, passwordFile: passwordFile)
        let stateLocation = try StagingLocation(parsing: staged.state ?? MySQLSourceOptions.defaultState(table: table))
        let mapping = try loadMapping(path: staged.mapping)
        let selection = try backfillSelection(in: mapping)
        try await MySQLSourceOptions.verify(mapping, against: connection)
        let limits = try entityLimits()

        let needsAWS = !dryRun || stateLocation.isS3
        let summary: LoadSummary
        do {
            summary = try await Runtime.with(needsAWS: needsAWS, maxConnections: concurrency) { runtime in
                var configuration = SnapshotLoadConfiguration(
                    connection: connection, tableName: table, mapping: mapping, dryRun: dryRun, restart: restart,
                    force: force, chunkSize: chunkSize, writeConcurrency: concurrency)
                configuration.throttle = dryRun ? .init() : await runtime.writeThrottle(table: table, ceiling: maxWcu)
                configuration.entityWriteLimits = limits.unitsPerSecond
                configuration.checkpointInterval = try checkpoints.interval()
                configuration.transfer = try transfer.limit()
                configuration.selection = selection
                configuration.linkCapacityBitsPerSecond = try transfer.linkCapacityBitsPerSecond()
                let load = SnapshotLoad(
                    configuration: configuration,
                    target: dryRun ? DiscardingWriteTarget() : try runtime.writeTarget(table: table),
                    state: try state(runtime, stateLocation, selection: selection))
                return try await prometheus.showing(
                    load.progress, throttle: load.throttle, outage: load.outage, source: load.sourceReachability, link: load.link, table: table,
                    quiet: output.quiet
                ) {
                    try await RunActivityRecorder(state: try state(runtime, stateLocation, selection: selection), command: "load").recordingLoad(
                        outage: load.outage, source: load.sourceReachability, link: load.link, sourceName: connection.sourceName
                    ) {
                        try await load.run()
                    }
                }
            }
        } catch let error as SnapshotLoadError where error.isRefusal {
            note("billmig load: \(error)")
            throw ExitCode(ExitStatus.failure.rawValue)
        }

        await metrics.publish(MetricDatum.load(summary))
        try output.conclude(summary, status: ExitStatus(summary.status)) {
            SummaryText.render(summary, stateLocation: stateLocation)
        }
    }
}

func loadMapping(path: String?) throws -> Mapping {
    guard let path else { return .billing }
    do {
        return try Mapping(json: Data(contentsOf: URL(fileURLWithPath: path)))
    } catch {
        throw ValidationError("cannot use mapping file \(path): \(error)")
    }
}

enum SummaryText {
    static func render(_ summary: LoadSummary, stateLocation: StagingLocation) -> String {
        // A backfill's rows can also be skipped: out of its range, or kept newer in the table.
        let backfill = summary.backfill != nil
        var table = TextTable(
            ["entity", "rows read", "items written", "dead-lettered"] + (backfill ? ["skipped (out of range)", "kept newer"] : [])
                + ["elapsed s", "rows/s"])
        for entity in summary.entities + [summary.total] {
            table.add(
                [entity.entity, String(entity.rowsRead), String(entity.itemsWritten), String(entity.deadLettered)]
                    + (backfill ? [String(entity.skippedOutOfRange), String(entity.keptNewer)] : [])
                    + [String(format: "%.1f", entity.elapsedSeconds), String(format: "%.0f", entity.rowsPerSecond)])
        }
        let verdict: String
        switch summary.status {
        case .completed: verdict = "completed: every row written"
        case .completedWithDeadLetters:
            verdict = "completed with \(summary.total.deadLettered) dead-lettered rows"
                + (summary.files.damaged.isEmpty ? "" : " and \(summary.files.damaged.count) damaged files")
        case .failed: verdict = "FAILED"
        }
        var lines = [
            "billmig load \(summary.dryRun ? "(dry run) " : "")\(summary.source) -> \(summary.table): \(verdict) in \(String(format: "%.1f", summary.elapsedSeconds)) s",
            "",
            table.render(),
            "",
            !MySQLSourceOptions.isMySQL(summary.source)
                ? "files: \(summary.files.found) found, \(summary.files.skipped) already done, \(summary.files.completed) loaded now"
                : "tables: \(summary.files.found) mapped, \(summary.files.skipped) already done, \(summary.files.completed) loaded now",
        ]
        if let selection = summary.backfill {
            lines.insert("backfill of \(selection): every item written unless the table held it at this version or newer (kept newer)", at: 1)
        }
        if let snapshot = summary.snapshot, !backfill {
            lines.append("snapshot position (the change stream starts here): \(snapshot.binlogFile):\(snapshot.binlogPosition)"
                + (snapshot.gtid.map { ", GTID \($0)" } ?? "") + ", taken \(snapshot.takenAt)")
        }
        if !summary.files.damaged.isEmpty {
            lines.append("damaged files (read up to the damage, dead-lettered as files; replace each and run the same command again):")
            lines += summary.files.damaged.map { "  \($0)" }
        }
        if let location = summary.deadLetterLocation {
            lines.append("dead letters: \(stateLocation.describe(key: location))")
        }
        if let error = summary.error {
            lines.append("error: \(error)")
            lines.append("nothing is lost: run the same command again to resume from the checkpoints")
        }
        return lines.joined(separator: "\n")
    }
}
