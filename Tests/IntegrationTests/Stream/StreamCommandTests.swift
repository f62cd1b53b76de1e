import AsyncHTTPClient
import AWSCore
import BillingModel
import DynamoDBModel
import Foundation
import MariaDBTestSupport
import Migration
import MigrationCore
import MySQLSource
import Testing

/// `billmig stream` as a process: killed and restarted, its connection killed,
/// stopped with SIGTERM.
extension BinlogToDynamoDBTests {
    @Suite("stream: the billmig stream command against MariaDB and moto_server", .serialized)
    struct StreamCommandTests {
        /// A fresh state folder with a snapshot position at the binlog's end now.
        static func stateFolder(at position: BinlogCoordinates) throws -> String {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("billmig-stream-\(UInt32.random(in: 0...UInt32.max))")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let snapshot = SnapshotPosition(
                binlogFile: position.file, binlogPosition: position.position, gtid: nil, source: "test", takenAt: "")
            try JSONEncoder().encode(snapshot).write(to: folder.appendingPathComponent(StateFile.snapshotPosition.path))
            return folder.path
        }

        static func environment(_ aws: LocalAWSEnvironment) -> [String: String] {
            var environment = aws.environment
            environment["BILLMIG_MYSQL_PASSWORD"] = StreamMariaDB.password
            return environment
        }

        /// Inserts and updates `count` accounts' rows in transactions of a few rows.
        static func workload(_ writer: MySQLConnection, bans: ClosedRange<UInt64>, round: Int) async throws {
            var ban = bans.lowerBound
            while ban <= bans.upperBound {
                let last = min(ban + 4, bans.upperBound)
                var statements: [String] = []
                for account in ban...last {
                    if round == 0 {
                        statements.append(StreamMariaDB.account(account))
                    } else {
                        statements.append(
                            "UPDATE billing.BILLING_ACCOUNT SET credit_limit = \(round).\(account % 100), bill_cycle = 'R\(round)' WHERE ban = \(account)")
                    }
                }
                if round == 1, ban % 3 == 0 {
                    statements.append("DELETE FROM billing.BILLING_ACCOUNT WHERE ban = \(ban)")
                }
                try await StreamMariaDB.transaction(writer, statements)
                ban = last + 1
            }
        }

        /// A pipe read to its end on a thread of its own: a blocking read on the
        /// cooperative pool (two threads on this machine) would stall every task.
        static func readToEnd(_ pipe: Pipe) async -> Data {
            await withCheckedContinuation { continuation in
                Thread.detachNewThread { continuation.resume(returning: pipe.fileHandleForReading.readDataToEndOfFile()) }
            }
        }

        static func waitForFile(_ path: String, timeout: Duration) async throws -> Bool {
            try await waitUntil(timeout: timeout) { FileManager.default.fileExists(atPath: path) }
        }

        @Test("killed with SIGKILL mid-way and started again, the stream ends with the same table as the source")
        func killedAndRestartedEndsEqual() async throws {
            let url = try await StreamMariaDB.url()
            let configuration = try await StreamMariaDB.configuration()
            let bans: ClosedRange<UInt64> = 9_200_010_000...9_200_010_149
            let writer = try await MySQLConnection.connect(configuration)
            try await StreamMariaDB.ensureSchema(writer)
            try await StreamMariaDB.deleteAccounts(writer, bans)
            let state = try Self.stateFolder(at: try await StreamMariaDB.binlogEnd(writer))
            defer { try? FileManager.default.removeItem(atPath: state) }
            for round in 0..<3 { try await Self.workload(writer, bans: bans, round: round) }

            try await LocalAWS.withMotoServer(authenticated: false) { aws in
                let env = Self.environment(aws)
                let table = MotoTestServer.uniqueName("stream-kill")
                #expect(try await BillmigCLI.run(["table", "create", "--table", table], environment: env).status == 0)
                let arguments = ["stream", "--from", url, "--table", table, "--state", state, "--quiet", "--checkpoint-seconds", "0.2", "--concurrency", "4"]

                // Killed twice: once soon (maybe before any checkpoint), once a little after its first checkpoint.
                var kills = KillSchedule("stream kill")
                for round in 0..<2 {
                    let (process, _, _) = try BillmigCLI.start(arguments, environment: env)
                    if round == 0 {
                        try await Task.sleep(for: kills.delay(in: 200...1200))
                    } else {
                        #expect(try await Self.waitForFile(state + "/changes/binlog.json", timeout: .seconds(30)))
                        try await Task.sleep(for: kills.delay(in: 0...500))
                    }
                    kill(process.processIdentifier, SIGKILL)
                    process.waitUntilExit()
                    #expect(process.terminationReason == .uncaughtSignal)
                }
                #expect(FileManager.default.fileExists(atPath: state + "/changes/binlog.json"), "a checkpoint was saved before the kill")

                let finish = try await BillmigCLI.run(arguments + ["--until-caught-up", "--json"], environment: env)
                #expect(finish.status == 0, "\(finish.stderr)")
                let summary = try JSONDecoder().decode(StreamSummary.self, from: Data(finish.stdout.utf8))
                #expect(summary.startedFrom == .checkpoint)
                #expect(summary.ending == .caughtUp)

                let after = try await AWSClient.withClient(aws.configuration) { client in
                    try await StreamMariaDB.tableState(client, table: table, bans: bans)
                }
                let expected = try await StreamMariaDB.expectedItems(writer, mapping: .billing, bans: bans)
                #expect(expected.count > 100 && expected.count < 150, "some accounts were deleted")
                #expect(after.live == expected)
                #expect(after.tombstones.count == 150 - expected.count)
            }
            try await StreamMariaDB.deleteAccounts(writer, bans)
            await writer.close()
        }

        @Test("the stream reconnects after its connection is killed, and SIGTERM saves the checkpoint and exits 0")
        func reconnectsAndStopsCleanlyOnSIGTERM() async throws {
            let url = try await StreamMariaDB.url()
            let configuration = try await StreamMariaDB.configuration()
            let bans: ClosedRange<UInt64> = 9_200_020_000...9_200_020_099
            let writer = try await MySQLConnection.connect(configuration)
            try await StreamMariaDB.ensureSchema(writer)
            try await StreamMariaDB.deleteAccounts(writer, bans)
            let state = try Self.stateFolder(at: try await StreamMariaDB.binlogEnd(writer))
            defer { try? FileManager.default.removeItem(atPath: state) }
            let first: ClosedRange<UInt64> = bans.lowerBound...(bans.lowerBound + 49)
            let second: ClosedRange<UInt64> = (bans.lowerBound + 50)...bans.upperBound
            try await Self.workload(writer, bans: first, round: 0)

            try await LocalAWS.withMotoServer(authenticated: false) { aws in
                let env = Self.environment(aws)
                let table = MotoTestServer.uniqueName("stream-term")
                #expect(try await BillmigCLI.run(["table", "create", "--table", table], environment: env).status == 0)
                let (process, out, err) = try BillmigCLI.start(
                    ["stream", "--from", url, "--table", table, "--state", state, "--quiet", "--json", "--heartbeat",
                     "--checkpoint-seconds", "0.2"],
                    environment: env)
                async let stdout = Self.readToEnd(out)
                async let stderr = Self.readToEnd(err)
                #expect(try await Self.waitForFile(state + "/changes/binlog.json", timeout: .seconds(30)))

                // Kill the stream's replication connection from another session.
                let dumps = try await writer.query(
                    "SELECT id FROM information_schema.PROCESSLIST WHERE command LIKE 'Binlog Dump%' AND user = 'billmig'").rows
                #expect(!dumps.isEmpty)
                for row in dumps { _ = try? await writer.execute("KILL CONNECTION \(row[0].text ?? "0")") }
                try await Self.workload(writer, bans: second, round: 0)
                try await Self.workload(writer, bans: bans, round: 1)

                // Wait until the table shows the last change, then stop.
                let expected = try await StreamMariaDB.expectedItems(writer, mapping: .billing, bans: bans)
                let after = try await AWSClient.withClient(aws.configuration) { client in
                    var after = try await StreamMariaDB.tableState(client, table: table, bans: bans)
                    _ = try await waitUntil(timeout: .seconds(60), every: .milliseconds(500)) {
                        after = try await StreamMariaDB.tableState(client, table: table, bans: bans)
                        return after.live == expected
                    }
                    return after
                }
                #expect(after.live == expected)
                // Lag measured from heartbeats, and saved with a checkpoint.
                let checkpointFile = URL(fileURLWithPath: state + "/changes/binlog.json")
                #expect(try await waitUntil(timeout: .seconds(30)) {
                    let saved = try? JSONDecoder().decode(BinlogCheckpoint.self, from: Data(contentsOf: checkpointFile))
                    return saved?.health?.lagSource == .heartbeat
                }, "no checkpoint with heartbeat lag")
                kill(process.processIdentifier, SIGTERM)
                let (outData, errData) = await (stdout, stderr)
                process.waitUntilExit()
                #expect(process.terminationStatus == 0, "\(String(decoding: errData, as: UTF8.self))")
                let summary = try JSONDecoder().decode(StreamSummary.self, from: outData)
                #expect(summary.ending == .signal)
                #expect(summary.reconnects >= 1)
                #expect(summary.health.lagSource == .heartbeat)
                #expect(summary.health.lagSamples > 0)
                #expect(summary.total.deadLettered == 0)

                let saved = try JSONDecoder().decode(
                    BinlogCheckpoint.self, from: Data(contentsOf: URL(fileURLWithPath: state + "/changes/binlog.json")))
                #expect(saved.health?.lagSource == .heartbeat)
                #expect(saved.counts.values.reduce(0) { $0 + $1.changesRead } == summary.total.changesRead)
                let end = try await StreamMariaDB.binlogEnd(writer)
                #expect(BinlogCoordinates(file: saved.file, position: saved.position) <= end)
            }
            try await StreamMariaDB.deleteAccounts(writer, bans)
            await writer.close()
        }

        @Test("with --cloudwatch-metrics the stream publishes its changes and lag while it runs, for the lag alarm")
        func publishesChangesAndLagToCloudWatch() async throws {
            let url = try await StreamMariaDB.url()
            let configuration = try await StreamMariaDB.configuration()
            let bans: ClosedRange<UInt64> = 9_200_050_000...9_200_050_019
            let writer = try await MySQLConnection.connect(configuration)
            try await StreamMariaDB.ensureSchema(writer)
            try await StreamMariaDB.deleteAccounts(writer, bans)
            let state = try Self.stateFolder(at: try await StreamMariaDB.binlogEnd(writer))
            defer { try? FileManager.default.removeItem(atPath: state) }
            for round in 0..<2 { try await Self.workload(writer, bans: bans, round: round) }

            try await LocalAWS.withMotoServer(authenticated: false) { aws in
                let env = Self.environment(aws)
                let table = MotoTestServer.uniqueName("stream-metrics")
                #expect(try await BillmigCLI.run(["table", "create", "--table", table], environment: env).status == 0)
                let run = try await BillmigCLI.run(
                    ["stream", "--from", url, "--table", table, "--state", state, "--until-caught-up", "--json", "--quiet",
                     "--cloudwatch-metrics", "--cloudwatch-interval", "200ms"], environment: env)
                #expect(run.status == 0, "\(run.stderr)")
                let summary = try JSONDecoder().decode(StreamSummary.self, from: Data(run.stdout.utf8))
                #expect(summary.total.changesRead > 20)

                try await AWSClient.withClient(aws.configuration) { client in
                    func query(_ action: String, _ parameters: [(name: String, value: String)]) async throws -> AWSXMLElement {
                        try await client.executeQuery(.cloudWatch, action: action, version: "2010-08-01", parameters: parameters)
                    }
                    let listed = try await query("ListMetrics", [("Namespace", "Billmig")])
                    let names = Set((listed.first(named: "Metrics")?.children("member") ?? []).filter { metric in
                        (metric.first(named: "Dimensions")?.children("member") ?? []).contains { $0.childText("Value") == table }
                    }.compactMap { $0.childText("MetricName") })
                    #expect(names.isSuperset(of: ["RowsRead", "RowsDeadLettered", "ReplicationLagSeconds"]), "\(names)")

                    let now = Date()
                    let statistics = try await query("GetMetricStatistics", [
                        ("Namespace", "Billmig"), ("MetricName", "RowsRead"), ("Statistics.member.1", "Sum"), ("Period", "60"),
                        ("Dimensions.member.1.Name", "Table"), ("Dimensions.member.1.Value", table),
                        ("StartTime", ISO8601DateFormatter().string(from: now.addingTimeInterval(-600))),
                        ("EndTime", ISO8601DateFormatter().string(from: now.addingTimeInterval(60))),
                    ])
                    let points = statistics.first(named: "Datapoints")?.children("member") ?? []
                    let sum = points.compactMap { $0.childText("Sum").flatMap(Double.init) }.reduce(0, +)
                    // Deltas per interval add up to the run's total, however many intervals it took.
                    #expect(Int(sum) == summary.total.changesRead, "\(points.count) points")
                }
            }
            try await StreamMariaDB.deleteAccounts(writer, bans)
            await writer.close()
        }

        @Test("a stream whose source cannot be reached says so on its progress line and on Prometheus, and stops cleanly")
        func anUnreachableSourceIsShownWhileItRetries() async throws {
            let state = try Self.stateFolder(at: BinlogCoordinates(file: "mariadb-bin.000001", position: 4))
            defer { try? FileManager.default.removeItem(atPath: state) }
            let port = try MotoServer.freePort()
            try await LocalAWS.withMotoServer(authenticated: false) { aws in
                let env = Self.environment(aws)
                let table = MotoTestServer.uniqueName("stream-no-source")
                #expect(try await BillmigCLI.run(["table", "create", "--table", table], environment: env).status == 0)
                let log = URL(fileURLWithPath: state).appendingPathComponent("stream")
                let stream = try BackgroundCommand(
                    ["stream", "--from", "mysql://billmig@127.0.0.1:\(port)/billing?connect-timeout=1", "--table", table,
                     "--state", state, "--metrics-port", "0"],
                    environment: env, log: log)
                let metrics = try await stream.metricsBase()
                let shown = try await waitUntil(timeout: .seconds(20), every: .milliseconds(250)) {
                    let err = (try? String(contentsOfFile: log.path + ".err", encoding: .utf8)) ?? ""
                    let seconds = try? await ServeHTTPTests().metric(
                        HTTPClient.shared, metrics, "billmig_source_unreachable_seconds", ["table": table])
                    return err.contains("source UNREACHABLE for") && (seconds ?? 0) >= 1
                }
                #expect(shown, "the progress line and the metric should say the source is unreachable: \(stream.output())")
                #expect(stream.isRunning, "it retries within its tolerance: \(stream.output())")
                stream.kill(SIGTERM)
                #expect(await stream.exitStatus() == 0, "\(stream.output())")
            }
        }

        @Test("a stream whose start was purged from the binlog says the history is gone and how to recover, not to run again")
        func aPurgedStartIsNamedWithTheRecovery() async throws {
            let url = try await StreamMariaDB.url()
            let configuration = try await StreamMariaDB.configuration()
            let bans: ClosedRange<UInt64> = 9_200_040_000...9_200_040_009
            let writer = try await MySQLConnection.connect(configuration)
            try await StreamMariaDB.ensureSchema(writer)
            try await StreamMariaDB.deleteAccounts(writer, bans)
            let start = try await StreamMariaDB.binlogEnd(writer)
            let state = try Self.stateFolder(at: start)
            defer { try? FileManager.default.removeItem(atPath: state) }
            try await Self.workload(writer, bans: bans, round: 0)
            // The binlog the snapshot position is in goes away (tests run one at a time).
            try await writer.execute("FLUSH BINARY LOGS")
            let now = try await StreamMariaDB.binlogEnd(writer)
            // MariaDB keeps a binlog until its crash-recovery checkpoint is logged, a moment after the flush.
            let purged = try await waitUntil(timeout: .seconds(20), every: .milliseconds(250)) {
                let purge = await MariaDBTestServer.rootSQL("PURGE BINARY LOGS TO '\(now.file)'; SHOW BINARY LOGS")
                return purge.status == 0 && !purge.output.contains(start.file)
            }
            try #require(purged, "\(start.file) was not purged")

            try await LocalAWS.withMotoServer(authenticated: false) { aws in
                let env = Self.environment(aws)
                let table = MotoTestServer.uniqueName("stream-purged")
                #expect(try await BillmigCLI.run(["table", "create", "--table", table], environment: env).status == 0)
                let run = try await BillmigCLI.run(
                    ["stream", "--from", url, "--table", table, "--state", state, "--until-caught-up", "--quiet"], environment: env)
                #expect(run.status == 1)
                let output = run.stdout + run.stderr
                #expect(output.contains("no longer has the binlog from \(start.file)"), "\(output)")
                #expect(output.contains("new snapshot") && output.contains("--restart"), "\(output)")
                #expect(!output.contains("run the same command again"), "running again cannot help: \(output)")
            }
            try await StreamMariaDB.deleteAccounts(writer, bans)
            await writer.close()
        }

        @Test("a stream facing an unreachable DynamoDB says so within 10 s and exits 1 after the tolerance, naming the endpoint")
        func anUnreachableTableIsShownAndEndsTheRun() async throws {
            let url = try await StreamMariaDB.url()
            let configuration = try await StreamMariaDB.configuration()
            let bans: ClosedRange<UInt64> = 9_200_030_000...9_200_030_009
            let writer = try await MySQLConnection.connect(configuration)
            try await StreamMariaDB.ensureSchema(writer)
            try await StreamMariaDB.deleteAccounts(writer, bans)
            let state = try Self.stateFolder(at: try await StreamMariaDB.binlogEnd(writer))
            defer { try? FileManager.default.removeItem(atPath: state) }
            try await Self.workload(writer, bans: bans, round: 0)

            // A port nothing listens on: every write's connection is refused.
            let port = try MotoServer.freePort()
            let environment = [
                "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:\(port)", "AWS_ACCESS_KEY_ID": "unreachable",
                "AWS_SECRET_ACCESS_KEY": "unreachable", "AWS_REGION": "us-east-1", "BILLMIG_MYSQL_PASSWORD": StreamMariaDB.password,
            ]
            let log = URL(fileURLWithPath: state).appendingPathComponent("stream")
            let started = ContinuousClock.now
            let stream = try BackgroundCommand(
                ["stream", "--from", url, "--table", "Unreachable", "--state", state, "--outage-tolerance", "20"],
                environment: environment, log: log)
            let shown = try await waitUntil(timeout: .seconds(10), every: .milliseconds(200)) {
                ((try? String(contentsOfFile: log.path + ".err", encoding: .utf8)) ?? "").contains("UNREACHABLE")
            }
            #expect(shown, "the progress line should say the table is unreachable within 10 s: \(stream.output())")
            // `status`, from another process, says the stream is paused on the table (which it cannot read either).
            let paused = try await waitUntil(timeout: .seconds(15), every: .milliseconds(500)) {
                let activity = try? JSONDecoder().decode(RunActivity.self, from: Data(contentsOf: URL(fileURLWithPath: state + "/runs/stream.json")))
                return activity?.targetUnreachable != nil
            }
            #expect(paused, "the stream records its pause in its state")
            let report = try await BillmigCLI.run(["status", "--table", "Unreachable", "--from", url, "--state", state], environment: environment)
            #expect(report.status == 0, "\(report.stdout)\(report.stderr)")
            #expect(report.stdout.contains("stream (started") && report.stdout.contains("PAUSED"), "\(report.stdout)")
            #expect(report.stdout.contains("127.0.0.1:\(port)") && report.stdout.contains("cannot be read now"), "\(report.stdout)")
            let status = await stream.exitStatus()
            let elapsed = ContinuousClock.now - started
            #expect(status == 1, "past the tolerance the stream exits 1: \(stream.output())")
            #expect(elapsed >= .seconds(20) && elapsed < .seconds(90), "\(elapsed)")
            let output = stream.output()
            #expect(output.contains("127.0.0.1:\(port)") && output.contains("outage tolerance"), "the endpoint is named: \(output)")
            #expect(!FileManager.default.fileExists(atPath: state + "/changes/binlog.json"), "nothing applied, no checkpoint")
            let ended = try JSONDecoder().decode(RunActivity.self, from: Data(contentsOf: URL(fileURLWithPath: state + "/runs/stream.json")))
            #expect(ended.ended == "failed" && ended.targetUnreachable == nil)
            try await StreamMariaDB.deleteAccounts(writer, bans)
            await writer.close()
        }
    }
}
