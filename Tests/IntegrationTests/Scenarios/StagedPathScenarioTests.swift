import AsyncHTTPClient
import AWSCore
import DynamoDB
import Foundation
import MySQLSource
import NIOCore
import S3
import SampleData
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The design's own path without AWS DMS: `stage` writes MariaDB's snapshot and
/// then its binlog, while a workload of 10,000 changes writes, as DMS-format files
/// in S3 (moto); `load` and `apply` take them into DynamoDB. The result equals
/// MySQL item for item when the change files are applied in order, and when they
/// are applied shuffled and each one twice: the change-sequence column, not the
/// file order, decides.
@Suite(.serialized)
struct StagedPathScenarioTests {
    static let bucket = "billmig-staged"

    @Test func stagedFilesInOrderShuffledAndTwiceEqualTheSource() async throws {
        try BillmigCLI.requireBuilt()
        try await MariaDBSupport.withFreshDatabase("stg") { database in try await run(database: database) }
    }

    func run(database: String) async throws {
        let url = try await MariaDBSupport.url(database: database)
        try await MariaDBSupport.insert(SampleDataSet(.init(seed: 41, accounts: 12)), into: database)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("billmig-staged-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let state = work.appendingPathComponent("stage-state").path
        let staged = "s3://\(Self.bucket)/staged"

        try await LocalAWS.withMotoServer(authenticated: false) { aws in
            var environment = aws.environment
            environment["BILLMIG_MYSQL_PASSWORD"] = MariaDBSupport.password
            try await AWSClient.withClient(aws.configuration) { client in
                try await S3Client(client: client).createBucket(Self.bucket)
            }

            // The workload writes throughout: during the snapshot and while the changes are staged.
            let writesBefore = try await MariaDBSupport.binlogEnd(database: database)
            let workload = try BackgroundCommand(
                ["workload", "--to", url, "--changes", "10000", "--rate", "400", "--connections", "2", "--seed", "8",
                 "--json", "--quiet"],
                environment: environment, log: work.appendingPathComponent("workload"))
            #expect(try await MariaDBSupport.waitForWrites(after: writesBefore, database: database), "the workload never wrote: \(workload.output())")
            let stageArguments = ["stage", "--from", url, "--to", staged, "--state", state, "--flush-seconds", "1"]
            let stageLog = work.appendingPathComponent("stage")
            let stage = try BackgroundCommand(stageArguments + ["--quiet", "--metrics-port", "0"], environment: environment, log: stageLog)
            #expect(await workload.exitStatus() == 0, "workload: \(workload.output())")
            // What it has staged is on Prometheus while it runs.
            let stagedRows = try await ServeHTTPTests().metric(HTTPClient.shared, try await stage.metricsBase(), "billmig_rows_read_total", [:])
            #expect(stagedRows > 3_000, "rows and changes staged, on /metrics: \(stagedRows)")
            let checkpoint = work.appendingPathComponent("stage-state/stage/binlog.json").path
            #expect(FileManager.default.fileExists(atPath: checkpoint), "stage should have written change files while the workload ran")
            stage.kill(SIGTERM)
            #expect(await stage.exitStatus() == 0, "stage after SIGTERM: \(stage.output())")
            let drain = try await BillmigCLI.run(stageArguments + ["--until-caught-up", "--json", "--quiet"], environment: environment)
            #expect(drain.status == 0, "stage --until-caught-up: \(drain.stderr)")

            let connection = try await MySQLConnection.connect(try await MariaDBSupport.configuration(database: database))
            let oracle = try await SourceOracle(connection: connection)
            await connection.close()
            #expect(oracle.items.count > 3_000)

            // The change files as they are, then shuffled under new names, each one twice.
            let (changeFiles, copies) = try await AWSClient.withClient(aws.configuration) { client in
                try await Self.copyShuffledTwice(S3Client(client: client), from: "staged/", to: "shuffled/")
            }
            #expect(changeFiles >= 12, "change files of every table: \(changeFiles)")
            #expect(copies == 2 * changeFiles)

            for (name, prefix) in [("InOrder", "staged"), ("ShuffledTwice", "shuffled")] {
                let table = "Staged\(name)"
                let tableState = work.appendingPathComponent("state-\(name)").path
                let from = "s3://\(Self.bucket)/\(prefix)"
                let created = try await BillmigCLI.run(["table", "create", "--table", table], environment: environment)
                #expect(created.status == 0, "table create: \(created.stderr)")
                let load = try await BillmigCLI.run(
                    ["load", "--from", from, "--table", table, "--state", tableState, "--json", "--quiet"], environment: environment)
                #expect(load.status == 0, "load \(name): \(load.stderr)")
                let apply = try await BillmigCLI.run(
                    ["apply", "--from", from, "--table", table, "--state", tableState, "--change-sequence-column", "AR_H_CHANGE_SEQ",
                     "--json", "--quiet"],
                    environment: environment)
                #expect(apply.status == 0, "apply \(name): \(apply.stderr)")
                try await AWSClient.withClient(aws.configuration) { client in
                    let actual = try await SourceOracle.scan(DynamoDBClient(client: client), table: table)
                    #expect(oracle.verify(actual) == 0, "\(name): DynamoDB must equal MySQL item for item")
                }
                let validate = try await BillmigCLI.run(
                    ["validate", "--from", url, "--table", table, "--state", tableState, "--json", "--quiet"], environment: environment)
                #expect(validate.status == 0, "validate \(name): \(validate.stdout.prefix(1500)) \(validate.stderr.suffix(1500))")
            }
        }
    }

    /// Copies the full-load files as they are and every change file twice, in a
    /// random order, under new rising timestamp names: whatever order `apply` reads
    /// them in is not the order of the changes. Returns the change files and copies.
    static func copyShuffledTwice(_ s3: S3Client, from source: String, to target: String) async throws -> (Int, Int) {
        var random = SplitMix64(seed: 2026)
        let objects = try await s3.listAllObjects(bucket: bucket, prefix: source)
        var changes: [String: [String]] = [:]
        for object in objects {
            let relative = String(object.key.dropFirst(source.count))
            let name = relative.split(separator: "/").last.map(String.init) ?? relative
            if name.hasPrefix("LOAD") {
                try await s3.putObject(bucket: bucket, key: target + relative, body: try await s3.getObject(bucket: bucket, key: object.key))
            } else if name.hasSuffix(".csv") {
                let folder = String(relative.dropLast(name.count))
                changes[folder, default: []].append(object.key)
            }
        }
        var copies = 0
        for (folder, keys) in changes {
            let order = (keys + keys).shuffled(using: &random)
            for (index, key) in order.enumerated() {
                // 2030-01-01 00:00:00.000 plus one second per copy: distinct names, rising in the shuffled order.
                let second = index
                let name = String(format: "20300101-%02d%02d%02d000.csv", second / 3600, (second / 60) % 60, second % 60)
                try await s3.putObject(bucket: bucket, key: target + folder + name, body: try await s3.getObject(bucket: bucket, key: key))
                copies += 1
            }
        }
        return (changes.values.reduce(0) { $0 + $1.count }, copies)
    }
}
