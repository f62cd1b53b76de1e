import ArgumentParser
import DMSStaging
import Foundation
import Migration
import NIOCore
import SampleData

struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write realistic, deterministic billing data as DMS full-load files.",
        discussion: """
            Writes {to}/billing/{TABLE}/LOAD00000001.csv… for the six tables: several \
            subscribers per account, service agreements per subscriber, a year of bills, \
            tens of charges per bill, skewed feature codes, credits, account-level charges, \
            NULLs, and text with commas, quotes, newlines and non-ASCII. The same seed gives \
            the same bytes. About 330 rows per account.
            """
    )

    @Option(name: .long, help: "Billing accounts to generate.")
    var accounts: Int

    @Option(name: .long, help: "Seed of the generator.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Where to write: s3://BUCKET/PREFIX or a folder.")
    var to: String

    @Option(name: .long, help: "Malformed rows to inject, spread over the tables.")
    var badRows = 0

    @Flag(name: .long, help: "Compress files with gzip (.csv.gz).")
    var gzip = false

    @Option(name: .long, help: "Start a new file after this many MB, as DMS's MaxFileSize does.")
    var maxFileSizeMb = 32

    @Flag(name: .long, help: "Create the S3 bucket when it does not exist.")
    var createBucket = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard accounts > 0 else { throw ValidationError("--accounts must be positive") }
        guard badRows >= 0, maxFileSizeMb > 0 else { throw ValidationError("--bad-rows and --max-file-size-mb must not be negative") }
    }

    struct Report: Encodable {
        var location: String
        var accounts: Int
        var seed: UInt64
        var rows: [String: Int]
        var totalRows: Int
        var files: Int
        var badRows: [BadRow]
        var elapsedSeconds: Double

        struct BadRow: Encodable {
            var table: String
            var kind: String
            var key: String
            var reason: String
            var file: String?
            var line: Int?
        }
    }

    func run() async throws {
        let location = try StagingLocation(parsing: to)
        let data = SampleDataSet(SampleDataConfiguration(seed: seed, accounts: accounts, badRows: badRows))
        var options = DMSWriteOptions()
        options.compression = gzip ? .gzip : .none
        options.maxFileSize = maxFileSizeMb * 1024 * 1024
        let clock = ContinuousClock()
        let started = clock.now
        let staged = try await Runtime.with(needsAWS: location.isS3) { runtime in
            if createBucket, case .s3(let bucket, _) = location {
                try await S3BucketSetup.ensure(bucket, client: runtime.awsClient())
            }
            let store = ProgressNotingStore(base: try runtime.objectStore(for: location), quiet: output.quiet)
            return try await data.writeDMSFullLoad(
                to: store, layout: DMSStagingLayout(bucketFolder: location.keyPrefix), options: options)
        }
        let report = Report(
            location: location.description, accounts: accounts, seed: seed,
            rows: Dictionary(uniqueKeysWithValues: staged.rows.map { ($0.key.name, $0.value) }),
            totalRows: staged.rows.values.reduce(0, +),
            files: staged.files.values.reduce(0) { $0 + $1.count },
            badRows: data.badRows.map { bad in
                let place = staged.badRowLocations[bad.ordinal]
                return .init(table: bad.table.name, kind: bad.kind.rawValue, key: bad.key, reason: bad.reason, file: place?.key, line: place?.line)
            },
            elapsedSeconds: (clock.now - started).seconds)
        if output.json {
            try output.printJSON(report)
            return
        }
        var table = TextTable(["table", "rows"])
        for name in SampleTable.allCases.map(\.name) { table.add([name, String(report.rows[name] ?? 0)]) }
        table.add(["TOTAL", String(report.totalRows)])
        print("generated \(accounts) accounts (seed \(seed)) into \(location) in \(String(format: "%.1f", report.elapsedSeconds)) s, \(report.files) files")
        print(table.render())
        for bad in report.badRows {
            print("bad row: \(bad.table) \(bad.kind) \(bad.key) at \(bad.file ?? "?"):\(bad.line.map(String.init) ?? "?")")
        }
    }
}

/// Notes each file as it is written, so a long generation shows it is alive.
struct ProgressNotingStore: ObjectStore {
    let base: any ObjectStore
    let quiet: Bool

    func list(prefix: String) async throws -> [ObjectInfo] { try await base.list(prefix: prefix) }
    func withObject<Result>(key: String, _ body: (ObjectByteStream) async throws -> Result) async throws -> Result {
        try await base.withObject(key: key, body)
    }
    func put(key: String, bytes: ByteBuffer) async throws {
        try await base.put(key: key, bytes: bytes)
        if !quiet { note("wrote \(key) (\(bytes.readableBytes) bytes)") }
    }
    func delete(key: String) async throws { try await base.delete(key: key) }
    func head(key: String) async throws -> ObjectInfo? { try await base.head(key: key) }
}
