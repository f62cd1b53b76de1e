import AWSCore
import AsyncHTTPClient
import BillingModel
import BillingService
import BillingStores
import DynamoDB
import Foundation
import Migration
import MigrationCore
import MySQLSource
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real partition between billmig and its source: MariaDB inside a network
/// namespace of the test's own, reached over a veth pair that the test takes
/// down for 30 s, once during a snapshot load and once while the change stream
/// follows a workload (which keeps committing inside the namespace); and a
/// second veth pair as the backup route while the primary is cut. Each must say
/// what happened (its progress line and Prometheus), keep running, resume from
/// where it was once the link is back, and end with DynamoDB equal to MySQL.
@Suite(.serialized) struct NetworkCutTests {
    @Test func aSnapshotLoadCutOffFromItsSourceFor30SecondsWaitsSaysSoAndFinishes() async throws {
        try await CutRun.with("snapcut") { run in
            // A silent link shows as a read that gets nothing: 10 s of that is a lost connection.
            let url = run.source.sourceURL + "&read-timeout=10"
            try await run.fill(url, accounts: 25, seed: 32)
            // Small chunks: the read stays a few chunks ahead of the writes, so the cut falls mid-read.
            let load = try run.background("load", ["load", "--from", url, "--chunk-size", "200"])
            defer { if load.isRunning { load.kill(SIGKILL) } }
            let metrics = try await run.metrics(of: load)
            try #require(try await metrics.waitUntilRowsRead(), "the load reads: \(load.output())")
            // The source changes meanwhile (inside the namespace): the stream afterwards replays it.
            let workload = try run.workload(changes: 600, rate: 20, accounts: 25, seed: 6)
            defer { if workload.isRunning { workload.kill(SIGKILL) } }

            try await run.cutFor30Seconds(load, metrics)

            #expect(await load.exitStatus() == 0, "the load finishes once the link is back: \(load.output())")
            let summary = try JSONDecoder().decode(LoadSummary.self, from: Data(load.stdout().utf8))
            #expect(summary.total.deadLettered == 0 && summary.total.rowsRead > 5_000, "\(summary.total)")
            #expect(await workload.exitStatus() == 0, "\(workload.output())")
            // The stream from the snapshot's position brings the changes made during the load.
            let stream = try await run.billmig(["stream", "--from", url, "--table", run.table, "--state", run.state, "--until-caught-up", "--quiet"])
            #expect(stream.status == 0, "\(stream.stdout.suffix(800)) \(stream.stderr.suffix(800))")
            try await run.expectValidated(url)
        }
    }

    @Test func aStreamCutOffFromItsSourceFor30SecondsPausesSaysSoAndResumesWithNothingLost() async throws {
        try await CutRun.with("cut") { run in
            try await run.fill(run.source.sourceURL, accounts: 8, seed: 31)
            try await run.load(run.source.sourceURL)
            let stream = try run.background("stream", ["stream", "--from", run.source.sourceURL, "--checkpoint-seconds", "1"])
            defer { if stream.isRunning { stream.kill(SIGKILL) } }
            let metrics = try await run.metrics(of: stream)
            let workload = try run.workload(changes: 2_500, rate: 40, accounts: 8, seed: 5)
            defer { if workload.isRunning { workload.kill(SIGKILL) } }
            #expect(try await metrics.waitUntilRowsRead(), "the stream applies the workload's changes: \(stream.output())")

            try await run.cutFor30Seconds(stream, metrics)

            #expect(await workload.exitStatus() == 0, "\(workload.output())")
            try await run.expectCaughtUp(stream)
            #expect(await metrics.value("billmig_source_unreachable_seconds") == 0, "back to reachable")
            // 10 s after the recovery the stream validates the accounts changed around the cut.
            let checked = try await run.waitForActivity(timeout: .seconds(90)) { $0.afterOutage != nil }
            #expect(checked?.afterOutage?.error == nil, "the check after the outage ran: \(String(describing: checked?.afterOutage)) \(stream.output())")
            let summary = try await run.stopped(stream)
            #expect(summary.reconnects >= 1 && summary.total.deadLettered == 0, "\(summary.reconnects) reconnects")
            let check = try #require(summary.afterOutages.first, "the summary has the check after the outage")
            #expect(check.accountsChecked > 0 && check.differences == 0 && check.changesNotChecked == 0 && check.error == nil, "\(check)")
            print("after the cut: \(check.summaryLine)")
            let status = try await run.billmig(["status", "--table", run.table, "--state", run.state])
            #expect(status.stdout.contains("after the outage") && status.stdout.contains("\(check.accountsChecked) accounts checked, 0 differences"), "\(status.stdout)")
            try await run.expectValidated(run.source.sourceURL)
        }
    }

    @Test func aStreamMovesToTheBackupRouteWhenThePrimaryIsCutAndBackWhenItAnswers() async throws {
        try await CutRun.with("route", backupLink: true) { run in
            try await run.fill(run.source.sourceURL, accounts: 6, seed: 33)
            try await run.load(run.source.sourceURL)
            let stream = try run.background("stream", ["stream", "--from", run.source.sourceURL, "--checkpoint-seconds", "1"])
            defer { if stream.isRunning { stream.kill(SIGKILL) } }
            let metrics = try await run.metrics(of: stream)
            let workload = try run.workload(changes: 1_200, rate: 30, accounts: 6, seed: 7)
            defer { if workload.isRunning { workload.kill(SIGKILL) } }
            #expect(try await metrics.waitUntilRowsRead(), "the stream applies the workload's changes: \(stream.output())")
            #expect(await metrics.value("billmig_source_on_backup_route") == 0)

            // The primary goes silent: the read times out (10 s without a heartbeat), the
            // primary refuses the reconnect, the backup takes it. Bound: 30 s (14 s measured).
            try await run.source.cut()
            let cutAt = ContinuousClock.now
            let moved = try await waitUntil(timeout: .seconds(30), every: .milliseconds(250)) {
                await metrics.value("billmig_source_on_backup_route") == 1
            }
            #expect(moved, "the stream moves to the backup route within 30 s: \(stream.output())")
            let movedAfter = ContinuousClock.now - cutAt
            let readBefore = await metrics.value("billmig_rows_read_total")
            let readsOverBackup = try await waitUntil(timeout: .seconds(20), every: .milliseconds(250)) {
                await metrics.value("billmig_rows_read_total") > readBefore
            }
            #expect(readsOverBackup, "changes flow over the backup route")

            // The primary answers again: a probe every 5 s finds it, the session reopens there. Bound: 20 s (7 s measured).
            try await run.source.restore()
            let restoredAt = ContinuousClock.now
            let returned = try await waitUntil(timeout: .seconds(20), every: .milliseconds(250)) {
                await metrics.value("billmig_source_on_backup_route") == 0
            }
            #expect(returned, "the stream returns to the primary within 20 s: \(stream.output())")
            print("failover: on the backup route \(movedAfter) after the cut, back on the primary \(ContinuousClock.now - restoredAt) after it answered")

            #expect(await workload.exitStatus() == 0, "\(workload.output())")
            try await run.expectCaughtUp(stream)
            _ = try await run.stopped(stream)
            #expect(run.errors(of: "stream").contains("over the BACKUP route \(run.source.backupNamespaceAddress):3306"), "the progress line named the route")
            try await run.expectValidated(run.source.sourceURL)
        }
    }
}

/// What the partition tests share: the namespace's source, moto_server, a work
/// folder with the state, a table, and the commands run against them.
struct CutRun {
    let source: NetworkNamespace
    let aws: LocalAWSEnvironment
    let environment: [String: String]
    let work: URL
    let state: String
    let table: String

    static func with(_ label: String, backupLink: Bool = false, _ body: (CutRun) async throws -> Void) async throws {
        try await NetworkNamespace.withSource(label, backupLink: backupLink) { source in
            try await LocalAWS.withMotoServer(authenticated: false) { aws in
                var environment = aws.environment
                environment["BILLMIG_MYSQL_PASSWORD"] = MariaDBSupport.password
                let work = FileManager.default.temporaryDirectory.appendingPathComponent("billmig-\(label)-\(UInt32.random(in: 0...UInt32.max))")
                try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: work) }
                try await body(
                    CutRun(
                        source: source, aws: aws, environment: environment, work: work, state: work.appendingPathComponent("state").path,
                        table: MotoTestServer.uniqueName(label)))
            }
        }
    }

    func billmig(_ arguments: [String]) async throws -> BillmigCLI.Result {
        try await BillmigCLI.run(arguments, environment: environment)
    }

    /// Generated accounts in the source (through the link) and the table.
    func fill(_ url: String, accounts: Int, seed: Int) async throws {
        let generated = try await billmig(["generate", "--to", url, "--accounts", String(accounts), "--seed", String(seed), "--replace", "--quiet"])
        try #require(generated.status == 0, "\(generated.stderr)")
        #expect(try await billmig(["table", "create", "--table", table]).status == 0)
    }

    func load(_ url: String) async throws {
        let load = try await billmig(["load", "--from", url, "--table", table, "--state", state, "--quiet"])
        try #require(load.status == 0, "\(load.stdout) \(load.stderr)")
    }

    /// `load` or `stream` in the background against the table and state, with Prometheus and a JSON summary.
    func background(_ label: String, _ arguments: [String]) throws -> BackgroundCommand {
        try BackgroundCommand(
            arguments + ["--table", table, "--state", state, "--metrics-port", "0", "--json"], environment: environment,
            log: work.appendingPathComponent(label))
    }

    /// A workload committing inside the namespace: the source changes whether or not the link is up.
    func workload(changes: Int, rate: Int, accounts: Int, seed: Int) throws -> BackgroundCommand {
        try BackgroundCommand(
            [
                "workload", "--to", source.localSourceURL, "--changes", String(changes), "--rate", String(rate), "--accounts", String(accounts),
                "--seed", String(seed), "--quiet",
            ], environment: environment, log: work.appendingPathComponent("workload"), networkNamespace: source.name)
    }

    func metrics(of command: BackgroundCommand) async throws -> TableMetrics {
        TableMetrics(base: try await command.metricsBase(), table: table)
    }

    func errors(of label: String) -> String {
        (try? String(contentsOfFile: work.appendingPathComponent(label + ".err").path, encoding: .utf8)) ?? ""
    }

    /// Cuts the link for 30 s: the command must say so on its progress line and
    /// metrics within the cut, and still run at its end.
    func cutFor30Seconds(_ command: BackgroundCommand, _ metrics: TableMetrics) async throws {
        try await source.cut()
        let cutAt = ContinuousClock.now
        let label = command.logBase.lastPathComponent
        // Its read times out after 10 s of silence, then reconnects fail.
        let noticed = try await waitUntil(timeout: .seconds(28), every: .milliseconds(500)) {
            let seconds = await metrics.value("billmig_source_unreachable_seconds")
            return errors(of: label).contains("source UNREACHABLE for") && seconds >= 1
        }
        #expect(noticed, "the progress line and the metric say the source is cut off: \(command.output())")
        try await Task.sleep(until: cutAt + .seconds(30))
        #expect(command.isRunning, "it waits out the cut: \(command.output())")
        try await source.restore()
    }

    /// The stream has published the source's binlog end (read inside the namespace).
    func expectCaughtUp(_ stream: BackgroundCommand) async throws {
        let end = try await source.binlogEnd()
        let wanted = ReplicationPosition(orderingKey: end.sourcePosition(rowIndex: 0).orderingKey)
        let caughtUp = try await AWSClient.withClient(aws.configuration) { client in
            let control = DynamoDBControlStore(client: DynamoDBClient(client: client), tableName: table)
            return try await waitUntil(timeout: .seconds(90), every: .milliseconds(500)) {
                (try? await control.load().replicated).flatMap { $0 }.map { $0 >= wanted } ?? false
            }
        }
        #expect(caughtUp, "the stream resumes and applies everything committed meanwhile: \(stream.output())")
    }

    /// SIGTERM, exit 0, and its summary.
    func stopped(_ stream: BackgroundCommand) async throws -> MigrationCore.StreamSummary {
        stream.kill(SIGTERM)
        #expect(await stream.exitStatus() == 0, "\(stream.output())")
        return try JSONDecoder().decode(MigrationCore.StreamSummary.self, from: Data(stream.stdout().utf8))
    }

    /// The stream's run activity (`{state}/runs/stream.json`) once it satisfies `condition`, nil after `timeout`.
    func waitForActivity(command: String = "stream", timeout: Duration, _ condition: @escaping @Sendable (RunActivity) -> Bool) async throws -> RunActivity? {
        let file = URL(fileURLWithPath: state).appendingPathComponent("runs/\(command).json")
        var found: RunActivity?
        _ = try await waitUntil(timeout: timeout, every: .milliseconds(500)) {
            guard let data = try? Data(contentsOf: file), let activity = try? JSONDecoder().decode(RunActivity.self, from: data) else { return false }
            found = activity
            return condition(activity)
        }
        return found.flatMap { condition($0) ? $0 : nil }
    }

    func expectValidated(_ url: String) async throws {
        let validation = try await billmig(["validate", "--from", url, "--table", table, "--state", state, "--quiet"])
        #expect(validation.status == 0, "DynamoDB equals MySQL: \(validation.stdout.suffix(1200)) \(validation.stderr.suffix(600))")
    }
}

/// A command's Prometheus figures for one table.
struct TableMetrics {
    let base: String
    let table: String

    func value(_ name: String) async -> Double {
        (try? await ServeHTTPTests().metric(HTTPClient.shared, base, name, ["table": table])) ?? -1
    }

    func waitUntilRowsRead() async throws -> Bool {
        try await waitUntil(timeout: .seconds(30), every: .milliseconds(200)) { await value("billmig_rows_read_total") > 0 }
    }
}
