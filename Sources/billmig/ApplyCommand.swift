import ArgumentParser
import BillingModel
import DMSStaging
import Foundation
import Migration
import Telemetry
import MigrationCore

struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Apply the change files (CDC) that AWS DMS staged in S3 to the table, in order.",
        discussion: """
            Reads the timestamp-named change files {prefix}/{schema}/{TABLE}/{yyyymmdd-hhmmssfff}.csv[.gz] \
            of every mapped table in order (with --cdc-path, the per-table files under that path and its \
            CDC_TXN-*.csv files). Every write is conditional on the change's source position \
            (SourceVersion), so an older change never overwrites a newer one, and applying files twice \
            or out of order ends with the same table. A delete leaves a tombstone with a TTL. Writes to \
            different items run in parallel, writes to one item in order. The last fully applied file of \
            each table is checkpointed under the state location; a rerun resumes after it.

            --once (the default) applies the files there are and stops; --poll SECONDS lists the source \
            again after each pause until SIGINT or SIGTERM, which finish the writes in flight and save the \
            checkpoints.

            Exit status: 0 every change applied (or skipped as stale); 3 finished with dead-lettered \
            changes; 1 failed (rerun to resume).
            """
    )

    @OptionGroup var staged: StagedSourceOptions

    var table: String { staged.table }

    @Option(name: .long, help: "DMS's CdcPath, relative to --from: change files and CDC_TXN-* files are read there.")
    var cdcPath: String?

    @Flag(name: .long, help: "Apply the files there are now, then stop (the default).")
    var once = false

    @Option(name: .long, help: "List the source again every SECONDS until stopped (SIGINT/SIGTERM).")
    var poll: Double?

    @Option(name: .long, help: "The column a DMS transformation rule added from $AR_H_CHANGE_SEQ (files without a header).")
    var changeSequenceColumn: String?

    @OptionGroup var writes: ChangeWriteOptions

    @OptionGroup var output: OutputOptions

    @OptionGroup var metrics: CloudWatchMetricsOptions

    @OptionGroup var prometheus: PrometheusOptions

    func validate() throws {
        if once && poll != nil { throw ValidationError("--once and --poll exclude each other") }
        if let poll, poll <= 0 { throw ValidationError("--poll must be a positive number of seconds") }
    }

    func run() async throws {
        let (location, stateLocation, mapping) = try staged.resolve()
        let stop = StopSignal()

        let summary = try await withStopOnSignals(stop, announce: !output.quiet) {
            try await Runtime.with(maxConnections: writes.concurrency) { runtime in
                var configuration = ChangeApplyConfiguration(
                    sourcePrefix: location.keyPrefix,
                    sourceDescription: location.description,
                    tableName: table,
                    mapping: mapping,
                    readOptions: DMSReadOptions(changeSequenceColumnName: changeSequenceColumn),
                    cdcPath: cdcPath,
                    polling: poll.map { ChangeApplyConfiguration.Polling.every(.milliseconds(Int64($0 * 1000))) } ?? .once,
                    applier: writes.applier)
                configuration.throttle = await runtime.writeThrottle(table: table, ceiling: writes.maxWcu)
                let apply = ChangeFileApply(
                    configuration: configuration,
                    source: try runtime.objectStore(for: location),
                    target: try runtime.writeTarget(table: table),
                    state: try runtime.stateLocation(stateLocation),
                    stop: stop)
                return try await prometheus.showing(apply.progress, throttle: apply.throttle, outage: apply.outage, table: table, quiet: output.quiet) {
                    try await apply.run()
                }
            }
        }

        await metrics.publish(MetricDatum.apply(summary))
        try output.conclude(summary, status: ExitStatus(summary.status)) {
            ApplySummaryText.render(summary, stateLocation: stateLocation)
        }
    }
}

enum ApplySummaryText {
    /// Changes per entity, as `apply` and `stream` print them.
    static func entityTable(_ entities: [ApplySummary.Entity]) -> TextTable {
        var table = TextTable(["entity", "changes read", "applied", "skipped (stale)", "dead-lettered"])
        for entity in entities {
            table.add([
                entity.entity, String(entity.changesRead), String(entity.applied), String(entity.skippedStale),
                String(entity.deadLettered),
            ])
        }
        return table
    }

    static func render(_ summary: ApplySummary, stateLocation: StagingLocation) -> String {
        let table = entityTable(summary.entities + [summary.total])
        let verdict: String
        switch summary.status {
        case .completed: verdict = "completed: every change applied or already superseded"
        case .completedWithDeadLetters: verdict = "completed with \(summary.total.deadLettered) dead-lettered changes"
        case .failed: verdict = "FAILED"
        }
        var lines = [
            "billmig apply \(summary.source) -> \(summary.table): \(verdict) in \(String(format: "%.1f", summary.elapsedSeconds)) s"
                + " (\(String(format: "%.0f", summary.changesPerSecond)) changes/s)",
            "",
            table.render(),
            "",
            "files: \(summary.files.found) found, \(summary.files.skipped) already applied, \(summary.files.applied) applied now"
                + (summary.passes > 1 ? " over \(summary.passes) passes" : ""),
        ]
        if summary.stopped { lines.append("stopped on request; the checkpoints say where to resume") }
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
