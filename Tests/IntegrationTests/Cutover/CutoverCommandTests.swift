import AWSTestSupport
import AsyncHTTPClient
import BillingModel
import BillingService
import BillingStores
import Cutover
import CutoverCore
import DynamoDB
import Foundation
import MariaDBTestSupport
import MySQLSource
import NIOCore
import NIOHTTP1
import Testing
import TrafficSwitch

#if canImport(Glibc)
import Glibc
#endif

/// `billmig cutover` end to end against real servers: MariaDB with the change
/// stream running, moto's table with the control items, two `billmig serve`
/// (blue and green) behind a real haproxy, and a client sending reads (and, around
/// the write switch, writes) through haproxy the whole time.
///
/// status -> shadow refused (no validation) -> validate -> shadow -> switch-reads
/// (dry run first: nothing changes) whose green fails its p99 gate (automatic
/// rollback to blue) -> switch-reads with a ramp -> switch-writes -> rollback ->
/// status with the audit trail; no request failed.
@Suite(.serialized) struct CutoverCommandTests {
    @Test func cutoverThroughGatesRampWriteSwitchAndRollback() async throws {
        try await ServiceFixture.with("cutover") { fixture in
            let http = ServeHTTPTests()
            let url = try await MariaDBSupport.url(database: fixture.database)
            var environment = fixture.awsEnvironment
            environment["BILLMIG_MYSQL_PASSWORD"] = MariaDBSupport.password
            environment["BILLMIG_CURSOR_SECRET"] = "cutover-test-secret"
            let env = environment
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("cutover-\(UInt32.random(in: 0...UInt32.max))")
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: work) }
            let state = work.appendingPathComponent("state").path

            // Both stores hold the same data: the stream starts at MySQL's position now. Both
            // streams follow the cutover's directive: the write switch and the rollback start
            // and stop them, no operator in between.
            _ = try await fixture.dynamoDB.enableStream(fixture.tableName)
            let start = try #require(try await fixture.pool.withConnection { connection in try connection.binlogEnd() })
            let stream = try BackgroundCommand(
                [
                    "stream", "--from", url, "--table", fixture.tableName, "--state", state, "--quiet", "--checkpoint-seconds", "0.3",
                    "--start-position", "\(start.file):\(start.position)", "--follow-cutover", "--follow-interval", "100ms",
                ], environment: env, log: work.appendingPathComponent("stream"))
            let reverse = try BackgroundCommand(
                [
                    "reverse-stream", "--to", url, "--table", fixture.tableName, "--state", state, "--quiet", "--poll-interval-ms", "100",
                    "--follow-cutover", "--follow-interval", "100ms",
                ], environment: env, log: work.appendingPathComponent("reverse"))
            let ports = (blue: try MotoServer.freePort(), green: try MotoServer.freePort())
            let blue = try CutoverStack.serve("blue", port: ports.blue, mysql: url, table: fixture.tableName, environment: env, work: work)
            let green = try CutoverStack.serve("green", port: ports.green, mysql: url, table: fixture.tableName, environment: env, work: work)
            defer { [stream, reverse, blue, green].forEach { if $0.isRunning { $0.kill(SIGKILL) } } }
            let blueURL = try await http.waitForListening(blue, log: work.appendingPathComponent("blue"))
            let greenURL = try await http.waitForListening(green, log: work.appendingPathComponent("green"))

            try await LocalHAProxy.withHAProxy(fronting: ports) { proxy in
                let front = "http://127.0.0.1:\(proxy.frontendPort)"
                let traffic = HAProxyTrafficSwitch(socket: HAProxyAdminSocket(path: proxy.adminSocket))
                try await waitUntil("haproxy sees blue and green ready", timeout: .seconds(30)) {
                    let status = try await traffic.status()
                    return status.blue.isHealthy && status.green.isHealthy
                }
                let common = [
                    "--table", fixture.tableName, "--mysql", url, "--haproxy-socket", proxy.adminSocket, "--green-url", greenURL,
                    "--blue-url", blueURL, "--min-shadow-compares", "20", "--timeout", "10s", "--pause-settle", "300ms",
                    "--reason", "integration test",
                ]
                func cutover(_ arguments: [String]) async throws -> BillmigCLI.Result {
                    let log = work.appendingPathComponent("cutover-\(UInt32.random(in: 0...UInt32.max))")
                    return try await CutoverStack.run(["cutover"] + arguments + common, environment: env, log: log)
                }
                func status() async throws -> CutoverStatusReport {
                    let result = try await cutover(["status", "--json", "--last", "20"])
                    #expect(result.status == 0, "\(result.stderr)")
                    return try JSONDecoder().decode(CutoverStatusReport.self, from: Data(result.stdout.utf8))
                }

                // The load client: reads of every pattern through haproxy throughout, writes when asked.
                let subscriber = fixture.rows(.subscriber)[0]
                let ban = fixture.column(.subscriber, "ban", of: subscriber)!
                let number = fixture.column(.subscriber, "subscriber_no", of: subscriber)!
                let paths = fixture.queries().map(ServeHTTPTests.path)
                // A connection per request: haproxy balances each one by the current weights.
                let oneRequest = [("Connection", "close")]
                let writing = Locked(false)
                let stop = Locked(false)
                let failures = Locked<[String]>([])
                let writes = Locked(0)
                @Sendable func write(_ step: Int) async throws {
                    let date = String(format: "2025-%02d-%02d", (step / 28) % 12 + 1, step % 28 + 1)
                    let answer = try await http.send(
                        HTTPClient.shared, front + "/accounts/\(ban)/subscribers/\(number)/status", method: .PUT,
                        body: "{\"status\":\"\(["A", "S"][step % 2])\",\"status_date\":\"\(date)\"}", headers: oneRequest)
                    if answer.status == 200 { writes.withLock { $0 += 1 } } else { failures.withLock { $0.append("write \(answer.status) \(answer.body)") } }
                }

                func operate() async throws {
                    // One write so the stream has a transaction to publish, then wait until it has.
                    try await write(1)
                    let control = DynamoDBControlStore(client: fixture.dynamoDB, tableName: fixture.tableName)
                    let written = try #require(try await fixture.pool.withConnection { connection in try connection.binlogEnd() })
                    let wanted = ReplicationPosition(orderingKey: written.sourcePosition(rowIndex: 0).orderingKey)
                    try await waitUntil("the stream publishes MySQL's position", timeout: .seconds(30)) {
                        (try await control.load().replicated).map { $0 >= wanted } ?? false
                    }

                    // Nothing recorded yet; the validation gate has nothing to go on.
                    let initial = try await status()
                    #expect(initial.phase == .replicating && initial.revision == 0 && initial.audit.isEmpty)
                    #expect(initial.gates.first { $0.gate == .recentValidation }?.reason.contains("no validation has run") == true)

                    let refused = try await cutover(["shadow", "--sample", "100"])
                    #expect(refused.status == 5, "\(refused.stdout) \(refused.stderr)")
                    #expect(refused.stdout.contains("REFUSED") && refused.stdout.contains("no validation has run"), "\(refused.stdout)")
                    let outOfPhase = try await cutover(["switch-reads"])
                    #expect(outOfPhase.status == 1 && outOfPhase.stderr.contains("does not apply in phase replicating"), "\(outOfPhase.stderr)")

                    // A PASSED validation run record satisfies the gate.
                    let validate = try await BillmigCLI.run(
                        ["validate", "--source", url, "--table", fixture.tableName, "--state", state, "--quiet", "--json"], environment: env)
                    #expect(validate.status == 0, "\(validate.stdout.suffix(800)) \(validate.stderr.suffix(800))")

                    let shadow = try await cutover(["shadow", "--sample", "100"])
                    #expect(shadow.status == 0, "\(shadow.stdout) \(shadow.stderr)")
                    #expect(try await control.load().flags.readMode == .shadow)
                    try await waitUntil("blue compares reads in shadow", timeout: .seconds(30)) {
                        try await http.metric(HTTPClient.shared, blueURL, "billing_shadow_compares_total", [:]) >= 20
                    }

                    // A dry run prints the steps and changes nothing.
                    let before = try await status()
                    let dryRun = try await cutover(["switch-reads", "--dry-run"])
                    #expect(dryRun.status == 0 && dryRun.stdout.contains("move traffic to green"), "\(dryRun.stdout) \(dryRun.stderr)")
                    let after = try await status()
                    #expect(after.revision == before.revision && after.flags.version == before.flags.version)
                    #expect(try await traffic.weights() == .allBlue)

                    // Green fails its gate (no p99 can be under 1 ms: the histogram's first bound is 5 ms):
                    // all traffic returns to blue by itself, the read mode goes back, exit 5 with the reason.
                    let failing = try await cutover([
                        "switch-reads", "--ramp", "0,100", "--bake", "1s", "--sample-interval", "500ms", "--min-requests", "1",
                        "--max-p99", "1ms", "--max-hold", "20s",
                    ])
                    #expect(failing.status == 5, "\(failing.stdout) \(failing.stderr)")
                    #expect(failing.stdout.contains("REVERTED") && failing.stdout.contains("automatic rollback: at 100% green: p99"), "\(failing.stdout)")
                    #expect(try await traffic.weights() == .allBlue)
                    #expect(try await control.load().flags.readMode == .shadow)

                    let reads = try await cutover([
                        "switch-reads", "--ramp", "0,50,100", "--bake", "1s", "--sample-interval", "500ms", "--min-requests", "5",
                        "--max-p99", "5s", "--max-hold", "20s",
                    ])
                    if reads.status != 0 {
                        Issue.record("failed requests so far: \(failures.current.count): \(failures.current.prefix(5))")
                        let metrics = try await http.get(HTTPClient.shared, greenURL + "/metrics").body
                        Issue.record("green's metrics: \(metrics.split(separator: "\n").filter { $0.hasPrefix("hb") || $0.contains("duration_bucket") }.prefix(30))")
                        Issue.record("haproxy: \(try await traffic.status())")
                    }
                    #expect(reads.status == 0, "\(reads.stdout) \(reads.stderr)")
                    #expect(reads.stdout.contains("traffic: blue 50 / green 50") && reads.stdout.contains("traffic: blue 0 / green 100"), "\(reads.stdout)")
                    #expect(try await traffic.weights() == .allGreen)
                    #expect(try await control.load().flags.readMode == .dynamodb)

                    try await CutoverStack.shadowComparesSettled(http, services: [blueURL, greenURL])

                    // Writes flow while they are switched: held, then answered.
                    writing.withLock { $0 = true }
                    try await Task.sleep(for: .milliseconds(500))
                    let switched = try await cutover(["switch-writes", "--json"])
                    #expect(switched.status == 0, "\(switched.stdout) \(switched.stderr)")
                    if switched.status != 0 {
                        let blueLog = (try? String(contentsOfFile: work.appendingPathComponent("blue").path + ".err", encoding: .utf8)) ?? ""
                        Issue.record("blue: \(blueLog.split(separator: "\n").filter { $0.contains("mismatch") }.prefix(3))")
                    }
                    let report = try JSONDecoder().decode(CutoverReport.self, from: Data(switched.stdout.utf8))
                    #expect(report.outcome == .completed && report.phase == .writesSwitched && report.epoch == 1)
                    #expect((report.writePauseMilliseconds ?? 0) > 0)
                    let flags = try await control.load().flags
                    #expect(flags.writePrimary == .dynamodb && flags.epoch == 1)
                    try await Task.sleep(for: .milliseconds(500))
                    writing.withLock { $0 = false }
                    try await Task.sleep(for: .milliseconds(300))
                    // The last acknowledged write went to DynamoDB with the new epoch's version.
                    let item = try await fixture.dynamoDB.getItem(
                        fixture.tableName, key: ["PK": .s("BAN#\(ban)"), "SK": .s("SUB#\(number)")], consistentRead: true)
                    let version = item?["SourceVersion"]?.stringValue ?? ""
                    #expect(ApplicationVersion(orderingKey: version)?.epoch == 1, "\(version)")

                    // The switch stopped the forward stream and started reverse replication.
                    let directives = DynamoDBCutoverControl(client: fixture.dynamoDB, tableName: fixture.tableName)
                    #expect(try await directives.loadDirective().runs == .reverse)
                    #expect(try await directives.loadAcknowledgement(.forward).map { !$0.running } == true)
                    #expect(report.actions.contains("forward stream stopped") && report.actions.contains("reverse replication started"), "\(report.actions)")

                    let rollback = try await cutover(["rollback"])
                    #expect(rollback.status == 0, "\(rollback.stdout) \(rollback.stderr)")
                    let back = try await control.load().flags
                    #expect(back.writePrimary == .mysql && back.readMode == .shadow && back.epoch == 2)
                    #expect(try await traffic.weights() == .allBlue)

                    #expect(try await directives.loadDirective().runs == .forward)
                    #expect(try await directives.loadAcknowledgement(.reverse).map { !$0.running } == true)

                    // Reverse replication brought MySQL up to DynamoDB before the switch back ...
                    try await ReverseStreamCommandTests.Run(fixture: fixture, arguments: [], environment: env, state: state).expectMySQLEqualsDynamoDB()
                    // ... and a write to MySQL now, to an item last written in DynamoDB (epoch 1),
                    // reaches DynamoDB through the resumed forward stream with epoch 2's version.
                    try await write(9_999)
                    try await waitUntil("the forward stream applies MySQL's write after the rollback", timeout: .seconds(30)) {
                        let item = try await fixture.dynamoDB.getItem(
                            fixture.tableName, key: ["PK": .s("BAN#\(ban)"), "SK": .s("SUB#\(number)")], consistentRead: true)
                        return (item?["SourceVersion"]?.stringValue).map { ItemVersion.epoch(ofOrderingKey: $0) } == SwitchEpoch(2)
                    }

                    let final = try await status()
                    #expect(final.phase == .shadow && final.epoch == 2)
                    #expect(
                        final.audit.map { "\($0.command) \($0.outcome.rawValue)" } == [
                            "shadow --sample 100 refused", "shadow --sample 100 completed", "switch-reads reverted", "switch-reads completed",
                            "switch-writes completed", "rollback completed",
                        ])
                    #expect(final.audit.allSatisfy { $0.mysqlPosition != nil && ($0.reason.contains("integration test") || $0.outcome != .completed) })
                    let text = try await cutover(["status"])
                    #expect(text.stdout.contains("phase shadow") && text.stdout.contains("switch-writes: reads-switched -> writes-switched completed"), "\(text.stdout)")
                    #expect(text.stdout.contains("streams: directive 4 lets forward run; forward running (directive 4), reverse stopped"), "\(text.stdout)")
                    #expect(final.replication?.directive.runs == .forward)
                }

                try await withThrowingTaskGroup(of: Void.self) { group in
                    for worker in 0..<3 {
                        group.addTask {
                            var step = worker * 1000
                            while !stop.current {
                                step += 1
                                let path = paths[step % paths.count]
                                do {
                                    let answer = try await http.get(HTTPClient.shared, front + path, headers: oneRequest)
                                    if answer.status != 200 { failures.withLock { $0.append("read \(path): \(answer.status) \(answer.body.prefix(200))") } }
                                    if worker == 0, writing.current { try await write(step) }
                                } catch {
                                    failures.withLock { $0.append("\(path): \(error)") }
                                }
                                try await Task.sleep(for: .milliseconds(10))
                            }
                        }
                    }
                    do {
                        try await operate()
                    } catch {
                        stop.withLock { $0 = true }
                        throw error
                    }
                    stop.withLock { $0 = true }
                    try await group.waitForAll()
                }
                #expect(failures.current.isEmpty, "\(failures.current.count) failed requests: \(failures.current.prefix(5))")
                #expect(writes.current > 1)

            }
            for follower in [stream, reverse] {
                follower.kill(SIGTERM)
                #expect(await follower.exitStatus() == 0, "\(follower.output())")
            }
        }
    }
}
