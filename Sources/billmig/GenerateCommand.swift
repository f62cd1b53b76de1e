import ArgumentParser
import DMSStaging
import Foundation
import Migration
import MySQLSource
import MySQLWorkload
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

            With --to mysql://USER@HOST:PORT/DATABASE the same rows go into the six \
            tables of a MySQL database instead (parent tables first, a few thousand rows \
            per transaction); the tables must be empty unless --replace empties them first.
            """
    )

    @Option(name: .long, help: "Billing accounts to generate.")
    var accounts: Int

    @Option(name: .long, help: "Seed of the generator.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Where to write: s3://BUCKET/PREFIX, a folder, or mysql://USER@HOST:PORT/DATABASE.")
    var to: String

    @Option(name: .long, help: "Malformed rows to inject, spread over the tables.")
    var badRows = 0

    @Flag(name: .long, help: "Compress files with gzip (.csv.gz).")
    var gzip = false

    @Option(name: .long, help: "Start a new file after this many MB, as DMS's MaxFileSize does.")
    var maxFileSizeMb = 32

    @Flag(name: .long, help: "Create the S3 bucket when it does not exist.")
    var createBucket = false

    @Flag(name: .long, help: "MySQL only: empty the six tables first (TRUNCATE).")
    var replace = false

    @OptionGroup var mysql: MySQLPasswordOptions

    @OptionGroup var output: OutputOptions

    var isMySQL: Bool { MySQLSourceOptions.isMySQL(to) }

    func validate() throws {
        guard accounts > 0 else { throw ValidationError("--accounts must be positive") }
        if isMySQL && badRows > 0 {
            throw ValidationError("--bad-rows works with DMS files only: MySQL's column types reject malformed rows")
        }
        if !isMySQL && replace { throw ValidationError("--replace works with --to mysql:// only") }
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
        if isMySQL { return try await runMySQL() }
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

extension GenerateCommand {
    struct MySQLReport: Encodable {
        var target: String
        var accounts: Int
        var seed: UInt64
        var replaced: Bool
        var rows: [String: Int]
        var totalRows: Int
        var elapsedSeconds: Double
        var rowsPerSecond: Double
    }

    func runMySQL() async throws {
        let configuration = try mysql.configuration(url: to, flag: "--to")
        let data = SampleDataSet(SampleDataConfiguration(seed: seed, accounts: accounts))
        let clock = ContinuousClock()
        let started = clock.now
        let connection = try await MySQLConnection.connect(configuration)
        let writer = MySQLSampleWriter(connection: connection, options: .init(replace: replace))
        let status = StatusLine(quiet: output.quiet)
        let written: [SampleTable: Int]
        do {
            defer { status.finish() }
            written = try await writer.write(data) { progress in
                let percent = progress.total == 0 ? 100 : progress.totalRows * 100 / progress.total
                status.show("\(progress.table.name): \(progress.tableRows)/\(progress.tableTotal) rows; \(progress.totalRows)/\(progress.total) in all (\(percent)%)")
            }
        } catch let error as MySQLSampleWriterError {
            await connection.close()
            throw CommandError(error.description)
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
        let elapsed = (clock.now - started).seconds
        let total = written.values.reduce(0, +)
        let report = MySQLReport(
            target: configuration.description, accounts: accounts, seed: seed, replaced: replace,
            rows: Dictionary(uniqueKeysWithValues: written.map { ($0.key.name, $0.value) }),
            totalRows: total, elapsedSeconds: elapsed, rowsPerSecond: elapsed > 0 ? Double(total) / elapsed : 0)
        if output.json {
            try output.printJSON(report)
            return
        }
        var table = TextTable(["table", "rows"])
        for name in MySQLSampleWriter.insertOrder.map(\.name) { table.add([name, String(report.rows[name] ?? 0)]) }
        table.add(["TOTAL", String(total)])
        print("generated \(accounts) accounts (seed \(seed)) into \(configuration) in \(String(format: "%.1f", elapsed)) s (\(String(format: "%.0f", report.rowsPerSecond)) rows/s)")
        print(table.render())
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
