import AWSCore
import DynamoDB
import FaultProxy
import Foundation
import MySQLSource
import SampleData
import Testing
import ValidationCore

#if canImport(Glibc)
import Glibc
#endif

/// The zero-downtime migration end to end, as an operator runs it: MariaDB with
/// billing data, a workload of at least 10,000 changes writing to it throughout,
/// the snapshot load (`load --from mysql://`) while the workload runs, then the
/// binlog stream (`stream`) following it, killed and restarted or run through
/// the fault proxy, and at the end DynamoDB equal to MySQL item for item
/// (an oracle of its own, and `validate`).
@Suite(.serialized)
struct ZeroDowntimeScenarioTests {
    struct Scenario: Sendable, CustomTestStringConvertible {
        var name: String
        var changes = 10_000
        var rate = 400
        /// How many times the stream is SIGKILLed mid-workload and started again.
        var streamKills = 0
        /// Faults the proxy injects into the stream's DynamoDB calls (none: no proxy).
        var faults: FaultConfiguration?
        /// Runs `validate --live` while the workload writes and the stream follows it.
        var validatesLive = false
        var testDescription: String { name }
    }

    static let changeWrites = FaultScope.dynamoDB(operations: ["PutItem", "DeleteItem", "BatchWriteItem"])

    @Test func snapshotThenStreamWhileTheWorkloadRuns() async throws {
        try await Self.run(Scenario(name: "plain", validatesLive: true))
    }

    @Test func streamKilledAndRestartedSeveralTimes() async throws {
        try await Self.run(Scenario(name: "kills", streamKills: 3))
    }

    @Test func streamThroughTheFaultProxy() async throws {
        // Throttling stays under the 5% the rate controller tolerates: a steady
        // injected share above it is read as a smaller table, and the stream slows to match.
        try await Self.run(Scenario(name: "faults", faults: .init(
            throttleShare: 0.02, internalErrorShare: 0.03, serviceUnavailableShare: 0.03,
            dropBeforeForwardShare: 0.02, dropAfterForwardShare: 0.02,
            latency: .init(share: 0.05, minimum: .milliseconds(10), maximum: .milliseconds(150)), scope: Self.changeWrites)))
    }

    static func run(_ scenario: Scenario) async throws {
        try BillmigCLI.requireBuilt()
        try await MariaDBSupport.withFreshDatabase("scn") { database in try await run(scenario, database: database) }
    }

    static func run(_ scenario: Scenario, database: String) async throws {
        let url = try await MariaDBSupport.url(database: database)
        try await MariaDBSupport.insert(SampleDataSet(.init(seed: 31, accounts: 12)), into: database)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("billmig-scenario-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let state = work.appendingPathComponent("state").path
        let table = "Scenario"

        try await LocalAWS.withMotoServer(authenticated: false) { aws in
            var environment = aws.environment
            environment["BILLMIG_MYSQL_PASSWORD"] = MariaDBSupport.password
            let created = try await BillmigCLI.run(["table", "create", "--table", table], environment: environment)
            #expect(created.status == 0, "table create: \(created.stderr)")

            // The workload writes throughout: during the snapshot and while the stream runs.
            let writesBefore = try await MariaDBSupport.binlogEnd(database: database)
            let workload = try BackgroundCommand(
                ["workload", "--to", url, "--changes", String(scenario.changes), "--rate", String(scenario.rate),
                 "--connections", "2", "--seed", "5", "--json", "--quiet"],
                environment: environment, log: work.appendingPathComponent("workload"))
            #expect(try await MariaDBSupport.waitForWrites(after: writesBefore, database: database), "the workload never wrote: \(workload.output())")

            let load = try await BillmigCLI.run(
                ["load", "--from", url, "--table", table, "--state", state, "--json", "--quiet"], environment: environment)
            #expect(load.status == 0, "load --from mysql://: \(load.stderr)")
            #expect(workload.isRunning, "the workload should still be running after the snapshot load")

            try await withStreamEnvironment(environment, faults: scenario.faults) { streamEnvironment in
                let streamArguments = ["stream", "--from", url, "--table", table, "--state", state, "--quiet"]
                var kills = KillSchedule("scenario \(scenario.name)")
                for kill in 0..<scenario.streamKills {
                    let stream = try BackgroundCommand(
                        streamArguments, environment: streamEnvironment, log: work.appendingPathComponent("stream-killed-\(kill)"))
                    // A kill at a random moment of the stream's life is the point here, not a wait.
                    try await Task.sleep(for: kills.delay(in: 1500...4000))
                    stream.kill(SIGKILL)
                    _ = await stream.exitStatus()
                }
                // The stream follows the workload to its end, then stops cleanly on SIGTERM…
                let stream = try BackgroundCommand(
                    streamArguments + ["--json"], environment: streamEnvironment, log: work.appendingPathComponent("stream"))
                // Validation under live writes: rows that differ because their change is in
                // flight are rechecked once the stream has passed it; only lasting ones count.
                let liveValidation = try scenario.validatesLive ? BackgroundCommand(
                    ["validate", "--source", url, "--table", table, "--state", state, "--live", "--rounds", "3",
                     "--json", "--quiet"],
                    environment: environment, log: work.appendingPathComponent("validate-live")) : nil
                if liveValidation != nil { #expect(workload.isRunning, "live validation should start while the workload writes") }
                let workloadStatus = await workload.exitStatus()
                #expect(workloadStatus == 0, "workload: \(workload.output())")
                if let liveValidation {
                    let status = await liveValidation.exitStatus()
                    #expect(status == 0, "validate --live: \(liveValidation.output())")
                    let report = try Self.liveSummary(work.appendingPathComponent("validate-live.out"))
                    #expect(report.rounds <= 3 && report.lasting == 0 && report.unconfirmed == 0, "\(report)")
                    #expect(report.shareChecked >= 1.0, "every row compared at least once: \(report)")
                }
                stream.kill(SIGTERM)
                #expect(await stream.exitStatus() == 0, "stream after SIGTERM: \(stream.output())")
                // …and a last run from its checkpoint drains what is left.
                let drain = try await BillmigCLI.run(
                    streamArguments + ["--until-caught-up", "--json"], environment: streamEnvironment)
                #expect(drain.status == 0, "stream --until-caught-up: \(drain.stderr)")
            }

            let connection = try await MySQLConnection.connect(try await MariaDBSupport.configuration(database: database))
            let oracle = try await SourceOracle(connection: connection)
            await connection.close()
            #expect(oracle.items.count > 5_000)
            try await AWSClient.withClient(aws.configuration) { client in
                let actual = try await SourceOracle.scan(DynamoDBClient(client: client), table: table)
                #expect(oracle.verify(actual) == 0, "DynamoDB must equal MySQL item for item")
            }
            let validate = try await BillmigCLI.run(
                ["validate", "--source", url, "--table", table, "--state", state, "--json", "--quiet"], environment: environment)
            #expect(validate.status == 0, "validate: \(validate.stdout.prefix(2000)) \(validate.stderr.suffix(2000))")
        }
    }

    /// The `live` part of `validate --live --json` output.
    static func liveSummary(_ file: URL) throws -> LiveSummary {
        struct Output: Decodable { var live: LiveSummary }
        return try JSONDecoder().decode(Output.self, from: Data(contentsOf: file)).live
    }

    /// The environment the stream runs with: straight to moto, or through a fault proxy.
    static func withStreamEnvironment(
        _ environment: [String: String], faults: FaultConfiguration?, _ body: ([String: String]) async throws -> Void
    ) async throws {
        guard let faults, let upstream = environment["AWS_ENDPOINT_URL"] else {
            try await body(environment)
            return
        }
        let credentials = AWSCredentials(
            accessKeyID: environment["AWS_ACCESS_KEY_ID"] ?? "", secretAccessKey: environment["AWS_SECRET_ACCESS_KEY"] ?? "")
        let configuration = FaultProxyConfiguration(
            mode: .forward(ForwardConfiguration(upstream: upstream, resigningCredentials: credentials)), faults: faults)
        try await FaultProxy.withRunning(configuration) { proxy in
            var viaProxy = environment
            viaProxy["AWS_ENDPOINT_URL_DYNAMODB"] = "http://127.0.0.1:\(proxy.port)"
            try await body(viaProxy)
            let stats = proxy.stats
            #expect(stats.injectedFailures + stats.delayedRequests > 0, "the proxy injected no fault")
        }
    }
}
