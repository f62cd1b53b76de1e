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
/// follows a workload (which keeps committing inside the namespace). Each must
/// say it is cut off (its progress line and Prometheus), keep running, resume
/// from where it was once the link is back, and end with DynamoDB equal to MySQL.
@Suite(.serialized) struct NetworkCutTests {
    @Test func aSnapshotLoadCutOffFromItsSourceFor30SecondsWaitsSaysSoAndFinishes() async throws {
        try await NetworkNamespace.withSource("snap") { source in
            try await LocalAWS.withMotoServer(authenticated: false) { aws in
                var environment = aws.environment
                environment["BILLMIG_MYSQL_PASSWORD"] = MariaDBSupport.password
                let env = environment
                let work = FileManager.default.temporaryDirectory.appendingPathComponent("billmig-snapcut-\(UInt32.random(in: 0...UInt32.max))")
                try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: work) }
                let state = work.appendingPathComponent("state").path
                let table = MotoTestServer.uniqueName("snapcut")
                // A silent link shows as a read that gets nothing: 10 s of that is a lost connection.
                let url = source.sourceURL + "&read-timeout=10"
                let generated = try await BillmigCLI.run(
                    ["generate", "--to", url, "--accounts", "25", "--seed", "32", "--replace", "--quiet"], environment: env)
                try #require(generated.status == 0, "\(generated.stderr)")
                #expect(try await BillmigCLI.run(["table", "create", "--table", table], environment: env).status == 0)

                // Small chunks: the read stays a few chunks ahead of the writes, so the cut falls mid-read.
                let load = try BackgroundCommand(
                    ["load", "--from", url, "--table", table, "--state", state, "--chunk-size", "200", "--metrics-port", "0", "--json"],
                    environment: env, log: work.appendingPathComponent("load"))
                defer { if load.isRunning { load.kill(SIGKILL) } }
                let metrics = try await load.metricsBase()
                let http = ServeHTTPTests()
                func metric(_ name: String) async -> Double {
                    (try? await http.metric(HTTPClient.shared, metrics, name, ["table": table])) ?? -1
                }
                let reading = try await waitUntil(timeout: .seconds(30), every: .milliseconds(200)) {
                    await metric("billmig_rows_read_total") > 0
                }
                try #require(reading, "the load reads: \(load.output())")
                // The source changes meanwhile (inside the namespace): the stream afterwards replays it.
                let workload = try BackgroundCommand(
                    ["workload", "--to", source.localSourceURL, "--changes", "600", "--rate", "20", "--accounts", "25", "--seed", "6", "--quiet"],
                    environment: env, log: work.appendingPathComponent("workload"), networkNamespace: source.name)
                defer { if workload.isRunning { workload.kill(SIGKILL) } }

                try await source.cut()
                let cutAt = ContinuousClock.now
                let log = work.appendingPathComponent("load.err").path
                let noticed = try await waitUntil(timeout: .seconds(28), every: .milliseconds(500)) {
                    let err = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                    let seconds = await metric("billmig_source_unreachable_seconds")
                    return err.contains("source UNREACHABLE for") && seconds >= 1
                }
                #expect(noticed, "the progress line and the metric say the source is cut off: \(load.output())")
                try await Task.sleep(until: cutAt + .seconds(30))
                #expect(load.isRunning, "the load waits out the cut: \(load.output())")
                try await source.restore()

                #expect(await load.exitStatus() == 0, "the load finishes once the link is back: \(load.output())")
                let summary = try JSONDecoder().decode(LoadSummary.self, from: Data(load.stdout().utf8))
                #expect(summary.total.deadLettered == 0 && summary.total.rowsRead > 5_000, "\(summary.total)")
                #expect(await workload.exitStatus() == 0, "\(workload.output())")

                // The stream from the snapshot's position brings the changes made during the load.
                let stream = try await BillmigCLI.run(
                    ["stream", "--from", url, "--table", table, "--state", state, "--until-caught-up", "--quiet"], environment: env)
                #expect(stream.status == 0, "\(stream.stdout.suffix(800)) \(stream.stderr.suffix(800))")
                let validation = try await BillmigCLI.run(
                    ["validate", "--from", url, "--table", table, "--state", state, "--quiet"], environment: env)
                #expect(validation.status == 0, "DynamoDB equals MySQL after the cut: \(validation.stdout.suffix(1200)) \(validation.stderr.suffix(600))")
            }
        }
    }

    @Test func aStreamCutOffFromItsSourceFor30SecondsPausesSaysSoAndResumesWithNothingLost() async throws {
        try await NetworkNamespace.withSource("cut") { source in
            try await LocalAWS.withMotoServer(authenticated: false) { aws in
                var environment = aws.environment
                environment["BILLMIG_MYSQL_PASSWORD"] = MariaDBSupport.password
                let env = environment
                let work = FileManager.default.temporaryDirectory.appendingPathComponent("billmig-cut-\(UInt32.random(in: 0...UInt32.max))")
                try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: work) }
                let state = work.appendingPathComponent("state").path
                let table = MotoTestServer.uniqueName("cut")
                func billmig(_ arguments: [String]) async throws -> BillmigCLI.Result {
                    try await BillmigCLI.run(arguments, environment: env)
                }

                // Everything below crosses the link: the snapshot, the stream, the validation.
                let generated = try await billmig(["generate", "--to", source.sourceURL, "--accounts", "8", "--seed", "31", "--replace", "--quiet"])
                try #require(generated.status == 0, "\(generated.stderr)")
                #expect(try await billmig(["table", "create", "--table", table]).status == 0)
                let load = try await billmig(["load", "--from", source.sourceURL, "--table", table, "--state", state, "--quiet"])
                try #require(load.status == 0, "\(load.stdout) \(load.stderr)")

                let stream = try BackgroundCommand(
                    [
                        "stream", "--from", source.sourceURL, "--table", table, "--state", state, "--metrics-port", "0",
                        "--checkpoint-seconds", "1", "--json",
                    ], environment: env, log: work.appendingPathComponent("stream"))
                defer { if stream.isRunning { stream.kill(SIGKILL) } }
                let metrics = try await stream.metricsBase()
                let http = ServeHTTPTests()
                func metric(_ name: String) async -> Double {
                    (try? await http.metric(HTTPClient.shared, metrics, name, ["table": table])) ?? -1
                }
                // The workload commits inside the namespace: the source goes on changing while cut off.
                let workload = try BackgroundCommand(
                    ["workload", "--to", source.localSourceURL, "--changes", "2500", "--rate", "40", "--accounts", "8", "--seed", "5", "--quiet"],
                    environment: env, log: work.appendingPathComponent("workload"), networkNamespace: source.name)
                defer { if workload.isRunning { workload.kill(SIGKILL) } }
                let flowing = try await waitUntil(timeout: .seconds(30), every: .milliseconds(250)) {
                    await metric("billmig_rows_read_total") > 0
                }
                #expect(flowing, "the stream applies the workload's changes: \(stream.output())")

                try await source.cut()
                let cutAt = ContinuousClock.now
                let log = work.appendingPathComponent("stream.err").path
                // Its read times out after 10 s of silence (heartbeats stop), then reconnects fail.
                let noticed = try await waitUntil(timeout: .seconds(28), every: .milliseconds(500)) {
                    let err = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                    let seconds = await metric("billmig_source_unreachable_seconds")
                    return err.contains("source UNREACHABLE for") && seconds >= 1
                }
                #expect(noticed, "the progress line and the metric say the source is cut off: \(stream.output())")
                try await Task.sleep(until: cutAt + .seconds(30))
                let unreachable = await metric("billmig_source_unreachable_seconds")
                #expect(unreachable >= 10, "unreachable for \(unreachable) s by the end of the cut")
                #expect(stream.isRunning, "the stream waits out the cut: \(stream.output())")
                try await source.restore()

                #expect(await workload.exitStatus() == 0, "\(workload.output())")
                let end = try await source.binlogEnd()
                let wanted = ReplicationPosition(orderingKey: end.sourcePosition(rowIndex: 0).orderingKey)
                let caughtUp = try await AWSClient.withClient(aws.configuration) { client in
                    let control = DynamoDBControlStore(client: DynamoDBClient(client: client), tableName: table)
                    return try await waitUntil(timeout: .seconds(90), every: .milliseconds(500)) {
                        (try? await control.load().replicated).flatMap { $0 }.map { $0 >= wanted } ?? false
                    }
                }
                #expect(caughtUp, "the stream resumes and applies everything committed during the cut: \(stream.output())")
                let afterwards = await metric("billmig_source_unreachable_seconds")
                #expect(afterwards == 0, "back to reachable")

                stream.kill(SIGTERM)
                #expect(await stream.exitStatus() == 0, "\(stream.output())")
                let summary = try JSONDecoder().decode(MigrationCore.StreamSummary.self, from: Data(stream.stdout().utf8))
                #expect(summary.reconnects >= 1 && summary.total.deadLettered == 0, "\(summary.reconnects) reconnects")

                let validation = try await billmig(["validate", "--from", source.sourceURL, "--table", table, "--state", state, "--quiet"])
                #expect(validation.status == 0, "DynamoDB equals MySQL after the cut: \(validation.stdout.suffix(1200)) \(validation.stderr.suffix(600))")
            }
        }
    }

    @Test func aStreamMovesToTheBackupRouteWhenThePrimaryIsCutAndBackWhenItAnswers() async throws {
        try await NetworkNamespace.withSource("route", backupLink: true) { source in
            try await LocalAWS.withMotoServer(authenticated: false) { aws in
                var environment = aws.environment
                environment["BILLMIG_MYSQL_PASSWORD"] = MariaDBSupport.password
                let env = environment
                let work = FileManager.default.temporaryDirectory.appendingPathComponent("billmig-route-\(UInt32.random(in: 0...UInt32.max))")
                try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: work) }
                let state = work.appendingPathComponent("state").path
                let table = MotoTestServer.uniqueName("route")
                let generated = try await BillmigCLI.run(
                    ["generate", "--to", source.sourceURL, "--accounts", "6", "--seed", "33", "--replace", "--quiet"], environment: env)
                try #require(generated.status == 0, "\(generated.stderr)")
                #expect(try await BillmigCLI.run(["table", "create", "--table", table], environment: env).status == 0)
                let load = try await BillmigCLI.run(["load", "--from", source.sourceURL, "--table", table, "--state", state, "--quiet"], environment: env)
                try #require(load.status == 0, "\(load.stdout) \(load.stderr)")

                let stream = try BackgroundCommand(
                    ["stream", "--from", source.sourceURL, "--table", table, "--state", state, "--metrics-port", "0", "--checkpoint-seconds", "1", "--json"],
                    environment: env, log: work.appendingPathComponent("stream"))
                defer { if stream.isRunning { stream.kill(SIGKILL) } }
                let metrics = try await stream.metricsBase()
                let http = ServeHTTPTests()
                func metric(_ name: String) async -> Double {
                    (try? await http.metric(HTTPClient.shared, metrics, name, ["table": table])) ?? -1
                }
                let workload = try BackgroundCommand(
                    ["workload", "--to", source.localSourceURL, "--changes", "1200", "--rate", "30", "--accounts", "6", "--seed", "7", "--quiet"],
                    environment: env, log: work.appendingPathComponent("workload"), networkNamespace: source.name)
                defer { if workload.isRunning { workload.kill(SIGKILL) } }
                let flowing = try await waitUntil(timeout: .seconds(30), every: .milliseconds(250)) {
                    await metric("billmig_rows_read_total") > 0
                }
                #expect(flowing, "the stream applies the workload's changes: \(stream.output())")
                #expect(await metric("billmig_source_on_backup_route") == 0)

                // The primary goes silent: the read times out (10 s without a heartbeat), the
                // primary refuses the reconnect, the backup takes it. Bound: 20 s.
                try await source.cut()
                let cutAt = ContinuousClock.now
                let moved = try await waitUntil(timeout: .seconds(20), every: .milliseconds(250)) {
                    await metric("billmig_source_on_backup_route") == 1
                }
                #expect(moved, "the stream moves to the backup route within 20 s: \(stream.output())")
                let movedAfter = ContinuousClock.now - cutAt
                let readBefore = await metric("billmig_rows_read_total")
                let readsOverBackup = try await waitUntil(timeout: .seconds(20), every: .milliseconds(250)) {
                    await metric("billmig_rows_read_total") > readBefore
                }
                #expect(readsOverBackup, "changes flow over the backup route")

                // The primary answers again: a probe every 5 s finds it, the session reopens there. Bound: 15 s.
                try await source.restore()
                let restoredAt = ContinuousClock.now
                let returned = try await waitUntil(timeout: .seconds(15), every: .milliseconds(250)) {
                    await metric("billmig_source_on_backup_route") == 0
                }
                #expect(returned, "the stream returns to the primary within 15 s: \(stream.output())")
                print("failover: on the backup route \(movedAfter) after the cut, back on the primary \(ContinuousClock.now - restoredAt) after it answered")

                #expect(await workload.exitStatus() == 0, "\(workload.output())")
                let end = try await source.binlogEnd()
                let wanted = ReplicationPosition(orderingKey: end.sourcePosition(rowIndex: 0).orderingKey)
                let caughtUp = try await AWSClient.withClient(aws.configuration) { client in
                    let control = DynamoDBControlStore(client: DynamoDBClient(client: client), tableName: table)
                    return try await waitUntil(timeout: .seconds(90), every: .milliseconds(500)) {
                        (try? await control.load().replicated).flatMap { $0 }.map { $0 >= wanted } ?? false
                    }
                }
                #expect(caughtUp, "\(stream.output())")
                stream.kill(SIGTERM)
                #expect(await stream.exitStatus() == 0, "\(stream.output())")
                let err = (try? String(contentsOfFile: work.appendingPathComponent("stream.err").path, encoding: .utf8)) ?? ""
                #expect(err.contains("over the BACKUP route \(source.backupNamespaceAddress):3306"), "the progress line named the route")

                let validation = try await BillmigCLI.run(
                    ["validate", "--from", source.sourceURL, "--table", table, "--state", state, "--quiet"], environment: env)
                #expect(validation.status == 0, "DynamoDB equals MySQL: \(validation.stdout.suffix(1200)) \(validation.stderr.suffix(600))")
            }
        }
    }
}
