import ArgumentParser
import DMSStaging
import Foundation
import Migration
import MigrationCore
import PlanCore
import Planning

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Before loading: what the table will cost, where it will run hot, and which rows will not fit.",
        discussion: """
            Reads the source once as `load` would (DMS-staged full-load files in S3 or a folder, or \
            a consistent MySQL snapshot), maps every row with the same mapping, and reports per \
            entity the item sizes (p50, p99, max), items over 400 KB (dead letters to expect) and \
            within 10% of it, with their keys; per key (the table's partition key and each index's) \
            the distinct values and the heaviest values by items, bytes and write units, each \
            one's share of the writes and the rate it needs at --duration against one partition's \
            1,000 WCU/s; the load's write units (indexes included), a validation scan's read units, \
            storage, and costs on demand and provisioned from a dated price table (--prices). \
            Warnings say what to do: shard a hot index key, or load its entity at a bounded rate \
            (`load --plan FILE` applies the advised per-entity ceilings).

            --sample P measures a fraction P (0 < P <= 1, or a percentage such as 10%) of the \
            partitions (whole accounts), chosen by a hash of the partition key, and scales the \
            figures up; with --sample-by files it reads only that share of each table's staged \
            files (whole files, chosen by a hash of their key), which is that much faster. Memory is bounded whatever the input size (see docs/plan.md for each \
            figure's error bound). With --json the report is printed as JSON on standard output; \
            keep it in a file for `load --plan`.

            Exit status: 0 the plan was made (whatever it warns); 1 it could not be.
            """
    )

    @Option(name: .long, help: "The source: s3://BUCKET/PREFIX or a folder (DMS-staged files), or mysql://USER@HOST:PORT/DATABASE.")
    var from: String

    @Option(name: .long, help: "A mapping file (JSON, see docs/mapping-format.md); the billing mapping by default.")
    var mapping: String?

    @Option(name: .long, help: "The fraction of the source to measure: 0.1 or 10%. Default: all.")
    var sample = "1"

    @Option(name: .long, help: "What --sample takes whole: partitions (accounts; every file is read) or files (staged files only; only those are read).")
    var sampleBy: PlanConfiguration.SampleUnit = .partitions

    @Option(name: .long, help: "The load's target duration (2h, 90m, 45s, 1h30m): the rate each key needs is its writes over it.")
    var duration = "2h"

    @Option(name: .long, help: "A price table file (JSON; the dated default ships with billmig, see docs/plan.md).")
    var prices: String?

    @Option(name: .long, help: "Also write the report as JSON to this file (for `load --plan FILE`).")
    var save: String?

    @Option(name: .long, help: "Heaviest keys listed per ranking.")
    var top = 5

    @Option(name: .long, help: "Staged files read at once.")
    var files = 4

    @Option(name: .long, help: "mysql:// only: rows per primary-key chunk.")
    var chunkSize = 5_000

    @Option(name: .long, help: "mysql:// only: the environment variable holding the password (default BILLMIG_MYSQL_PASSWORD).")
    var passwordEnv: String?

    @Option(name: .long, help: "mysql:// only: a file whose first line is the password (wins over --password-env).")
    var passwordFile: String?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard top > 0, files > 0, chunkSize > 0 else { throw ValidationError("--top, --files and --chunk-size must be positive") }
        _ = try sampleFraction()
        if sampleBy == .files && MySQLSourceOptions.isMySQL(from) {
            throw ValidationError("--sample-by files samples staged files; sample a mysql:// source by partitions")
        }
        _ = try durationSeconds()
    }

    func sampleFraction() throws -> Double {
        let text = sample.trimmingCharacters(in: .whitespaces)
        let value = text.hasSuffix("%") ? Double(text.dropLast()).map { $0 / 100 } : Double(text)
        guard let value, value > 0, value <= 1 else {
            throw ValidationError("--sample \(sample): give a fraction in (0, 1] such as 0.1, or a percentage such as 10%")
        }
        return value
    }

    func durationSeconds() throws -> Double {
        guard let seconds = Self.parseDuration(duration), seconds > 0 else {
            throw ValidationError("--duration \(duration): give hours, minutes and seconds such as 2h, 90m, 45s or 1h30m")
        }
        return seconds
    }

    /// `2h`, `90m`, `45s`, `1h30m`, or plain seconds.
    static func parseDuration(_ text: String) -> Double? {
        DurationArgument.seconds(text)
    }

    func run() async throws {
        let mapping = try loadMapping(path: self.mapping)
        let priceTable = try PriceTable.load(path: prices)
        var configuration = PlanConfiguration(
            durationSeconds: try durationSeconds(), sampleFraction: try sampleFraction(), sampleUnit: sampleBy)
        configuration.topKeys = top
        let pass = PlanPass(mapping: mapping, configuration: configuration, filesInParallel: files)
        let display = ProgressReporter(mode: output.quiet ? .silent : ProgressReporter.automaticMode, progress: pass.progress)

        let report: PlanReport
        if MySQLSourceOptions.isMySQL(from) {
            let connection = try MySQLSourceOptions.connection(url: from, passwordEnv: passwordEnv, passwordFile: passwordFile)
            report = try await display.showing {
                try await pass.snapshot(connection: connection, chunkSize: chunkSize, description: connection.description, prices: priceTable)
            }
        } else {
            let location = try StagingLocation(parsing: from)
            report = try await Runtime.with(needsAWS: location.isS3, maxConnections: files) { runtime in
                let store = try runtime.objectStore(for: location)
                return try await display.showing {
                    try await pass.staged(store: store, prefix: location.keyPrefix, description: location.description, prices: priceTable)
                }
            }
        }
        if let save {
            do {
                try OutputOptions.jsonData(report).write(to: URL(fileURLWithPath: save))
            } catch {
                throw CommandError("cannot write the plan to \(save): \(error)")
            }
        }
        if output.json {
            try output.printJSON(report)
        } else {
            print(PlanText.render(report))
        }
    }
}

extension PlanConfiguration.SampleUnit: ExpressibleByArgument {}
