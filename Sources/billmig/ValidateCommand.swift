import ArgumentParser
import Telemetry
import BillingModel
import Cutover
import DMSStaging
import DynamoDBModel
import Foundation
import MigrationCore
import NIOCore
import Synchronization
import Validation
import ValidationCore

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Prove that the table holds exactly what the MySQL source holds, row by row.",
        discussion: """
            Maps every source row through the mapping and compares it attribute by attribute \
            with its item (numbers as decimals), traces every item back to a source row, and \
            checks that every child item has its parent item (billing: its account item and \
            subscriber item; any mapping: the item of the table whose primary key is its \
            partition key), and that GSI keys are what the item's own attributes produce. \
            Tombstones and tracking items are not data. A full run scans the table in parallel \
            segments and reads the source in ranges of the partition key's integer column \
            (billing: ban), or in hash buckets of the partition key when it is not one integer \
            column; memory is bounded by a range. --accounts and --sample compare given or \
            sampled partition numbers (accounts) by Query.

            Each run writes a MIGRATION#STATUS / VALIDATION#{run} item with its counts and \
            failure rate. --report FILE writes the JSON report `billmig repair` reads.

            Exit status: 0 everything matched; 4 mismatches found; 1 failed.
            """
    )

    @OptionGroup var source: MySQLSourceOptions

    @Option(name: .long, help: "Compare a random share of the accounts, in percent (e.g. 1 or 0.5).")
    var sample: Double?

    @Option(name: .long, help: "The seed of --sample (the same seed picks the same accounts); random by default.")
    var seed: UInt64?

    @Option(name: .long, help: "Compare the accounts listed in this file (one account number per line).")
    var accounts: String?

    @Option(name: .long, help: "Compare only this entity (source table, e.g. CHARGE); repeatable.")
    var entity: [String] = []

    @Option(name: .long, help: "Write the JSON report (every mismatch up to --max-listed) to this file.")
    var report: String?

    @Option(name: .long, help: "Account ranges (or batches) compared at once; one MySQL connection each.")
    var concurrency = 8

    @Option(name: .long, help: "Parallel Scan segments of a full run.")
    var segments = 8

    @Option(name: .long, help: "About how many source rows one range of a full run holds; --concurrency ranges are in memory at once.")
    var rowsPerRange = ValidationConfiguration.defaultRowsPerRange

    @Flag(name: .long, help: "Cut a full run into hash buckets of the partition key even when the mapping's partition keys are integer columns (the way text keys are always cut).")
    var hashPartitions = false

    @Option(name: .long, help: "Mismatches listed in the report; all are counted.")
    var maxListed = 10_000

    @Option(name: .long, help: "Differences printed on the terminal.")
    var show = 10

    @Flag(name: .long, help: "Validate while the change stream runs: recheck mismatches once the stream's checkpoint ({state}/changes/binlog.json) has passed the source position read with their rows.")
    var live = false

    @Option(name: .long, help: "Rounds of a --live run, the first pass included.")
    var rounds = 4

    @Option(name: .long, help: "Seconds a --live recheck waits for the stream to pass the source position.")
    var streamWait = 120.0

    @OptionGroup var output: OutputOptions

    @OptionGroup var metrics: CloudWatchMetricsOptions

    func validate() throws {
        guard rounds > 0, streamWait > 0 else { throw ValidationError("--rounds and --stream-wait must be positive") }
        guard source.isMySQL else { throw ValidationError("--from must be a mysql:// URL") }
        guard concurrency > 0, segments > 0, rowsPerRange > 0 else {
            throw ValidationError("--concurrency, --segments and --rows-per-range must be positive")
        }
        if let sample, !(sample > 0 && sample <= 100) { throw ValidationError("--sample is a percentage in (0, 100]") }
        if sample != nil, accounts != nil { throw ValidationError("--sample and --accounts exclude each other") }
    }

    func run() async throws {
        let (connection, state, mapping) = try await source.resolveVerified()
        for name in entity where mapping.table(name) == nil {
            throw CommandError("--entity \(name): the mapping has no such table (\(mapping.tables.map(\.table).joined(separator: ", ")))")
        }
        var scope = ValidationConfiguration.Scope.full
        if let accounts { scope = .accounts(try Self.readAccounts(path: accounts)) }
        if let sample { scope = .sample(share: sample / 100, seed: seed ?? UInt64.random(in: 0...UInt64.max)) }
        var configuration = ValidationConfiguration(
            table: source.table, mapping: mapping, scope: scope, entities: entity.isEmpty ? nil : Set(entity),
            concurrency: concurrency, scanSegments: segments, rowsPerRange: rowsPerRange, mismatchLimit: maxListed,
            sourceDescription: connection.description)
        configuration.hashPartitions = hashPartitions

        let quiet = output.quiet
        let printer = ProgressLines()
        let result = try await Runtime.with(maxConnections: max(concurrency, segments) * 2) { runtime in
            let validator = try Validator(configuration: configuration, source: connection, dynamoDB: runtime.dynamoDB())
            let report: @Sendable (ValidationProgress) -> Void = { progress in
                if !quiet {
                    printer.print("validate: \(progress.phase): \(progress.itemsScanned) items scanned, \(progress.rowsCompared) rows compared, "
                        + "\(progress.rangesDone)/\(progress.rangesTotal) ranges, \(progress.mismatches) mismatches")
                }
            }
            guard live else { return try await validator.run(progress: report) }
            let stream = BinlogCheckpointProgress(state: try runtime.stateLocation(state))
            let epochs = try await CutoverEpochs(control: DynamoDBCutoverControl(client: try runtime.dynamoDB(), tableName: source.table))
                .switchEpochs()
            return try await validator.runLive(
                stream: stream,
                options: LiveValidationOptions(rounds: rounds, streamWait: .milliseconds(Int(streamWait * 1000))),
                epochs: epochs, progress: report)
        }
        await metrics.publish([MetricDatum(.validationMismatches, [.table: result.table], value: Double(result.mismatchCount))])
        if let report {
            try Self.write(result, to: report)
        }
        if output.json {
            try output.printJSON(result)
        } else {
            print(ValidationText.render(result, show: show))
            if let report { print("Report: \(report)") }
        }
        if !result.isClean { throw ExitCode(ExitStatus.mismatches.rawValue) }
    }

    static func readAccounts(path: String) throws -> [UInt64] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var accounts: [UInt64] = []
        for (number, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
            guard let account = UInt64(trimmed) else {
                throw CommandError("\(path):\(number + 1): `\(trimmed)` is not an account number")
            }
            accounts.append(account)
        }
        return accounts
    }

    static func write(_ report: ValidationReport, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(report).write(to: URL(fileURLWithPath: path))
    }
}

/// Progress on standard error: every 2 s on a terminal, every 10 s otherwise.
/// The report as people read it on a terminal.
enum ValidationText {
    static func render(_ report: ValidationReport, show: Int) -> String {
        var lines: [String] = []
        var heading = "Validation \(report.run) of \(report.table) against \(report.source) (\(report.mode)"
        if let accounts = report.accountsChecked { heading += ", \(accounts) accounts" }
        lines.append(heading + ")")
        var table = TextTable(["entity", "rows", "items", "missing", "extra", "different", "orphans", "gsi keys", "unmappable"])
        func add(_ name: String, _ tally: EntityTally) {
            table.add([name] + [tally.rows, tally.items, tally.missing, tally.extra, tally.different, tally.orphans,
                tally.gsiKeyMismatches, tally.unmappable].map(String.init))
        }
        for name in report.entities.keys.sorted() { add(name, report.entities[name]!) }
        add("total", report.totals)
        lines.append(table.render())
        if let live = report.live {
            lines.append("Live: \(live.rounds) rounds, \(String(format: "%.1f%%", live.shareChecked * 100)) of the accounts checked; "
                + "\(live.rechecked) keys rechecked after the stream passed them: \(live.settled) were changes in flight, "
                + "\(live.lasting) last, \(live.unconfirmed) unconfirmed.")
        }
        if report.itemsNotData > 0 { lines.append("\(report.itemsNotData) tombstones and tracking items were not compared (not data).") }
        let sourceOrphans = report.entities.values.reduce(0) { $0 + $1.sourceOrphans }
        if sourceOrphans > 0 {
            lines.append(
                "\(sourceOrphans) items point at a subscriber that the source lacks as well "
                    + "(its rows say the same; a finding about the data, not a mismatch).")
        }
        if !report.mismatches.isEmpty {
            lines.append("")
            lines.append("First differences:")
            for mismatch in report.mismatches.prefix(show) {
                var line = "  \(mismatch.kind.rawValue) \(mismatch.entity ?? "?") \(mismatch.pk) / \(mismatch.sk)"
                if let detail = mismatch.detail { line += ": " + detail }
                lines.append(line)
                for difference in mismatch.differences {
                    lines.append("      \(difference.attribute): expected \(ReportedValue.describe(difference.expected)), "
                        + "found \(ReportedValue.describe(difference.actual))")
                }
            }
            if report.mismatchCount > show { lines.append("  ... \(report.mismatchCount - show) more (see --report)") }
        }
        lines.append("")
        let totals = report.totals
        let percent = String(format: "%.4f%%", report.failureRate * 100)
        if report.isClean {
            lines.append("MATCHED: all \(totals.rows) rows and \(totals.items) items agree.")
        } else {
            lines.append("MISMATCHED: \(report.mismatchCount) mismatches on \(totals.failedKeys) of \(totals.checkedKeys) keys (failure rate \(percent)).")
        }
        if report.isAlert {
            lines.append("ALERT: the failure rate \(percent) is above the 1% alert threshold; do not cut over.")
        }
        return lines.joined(separator: "\n")
    }
}
