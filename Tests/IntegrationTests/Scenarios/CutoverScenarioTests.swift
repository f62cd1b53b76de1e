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

/// The cutover of issue 12's "Done when", end to end against real servers: MariaDB,
/// moto_server (table stream NEW_AND_OLD_IMAGES), the forward stream, a blue and a
/// green `billmig serve` behind a real haproxy, and a load client sending reads of
/// every pattern and writes through haproxy for the whole run. Both streams run
/// from the start with `--follow-cutover`: the write switch, the rollback and
/// `complete` stop and start them through the replication directive, with no
/// operator in between.
///
/// validate --live -> shadow -> validate --live -> switch-reads whose green fails its
/// gate (traffic back to blue by itself) -> switch-reads 0 -> 50 -> 100 -> validate
/// --live -> switch-writes (reverse-stream runs) -> MySQL = DynamoDB -> rollback
/// (reverse drained, forward resumed) -> MySQL = DynamoDB, validate --live ->
/// switch-reads, switch-writes again -> complete. No request failed; every
/// acknowledged write is in DynamoDB (the primary at the end) and in MySQL.
@Suite(.serialized) struct CutoverScenarioTests {
    @Test func cutoverUnderLoadWithForcedFailureRollbackAndSwitchAgain() async throws {
        try await ServiceFixture.with("scenario") { fixture in
            let http = ServeHTTPTests()
            _ = try await fixture.dynamoDB.enableStream(fixture.tableName)
            let url = try await MariaDBSupport.url(database: fixture.database)
            var environment = fixture.awsEnvironment
            environment["BILLMIG_MYSQL_PASSWORD"] = MariaDBSupport.password
            environment["BILLMIG_CURSOR_SECRET"] = "cutover-scenario-secret"
            let env = environment
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("cutover-scenario-\(UInt32.random(in: 0...UInt32.max))")
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: work) }
            let state = work.appendingPathComponent("state").path
            let table = fixture.tableName
            let control = DynamoDBCutoverControl(client: fixture.dynamoDB, tableName: table)
            let controlStore = DynamoDBControlStore(client: fixture.dynamoDB, tableName: table)
            let pool = fixture.pool

            // The two streams, each following the cutover's directive; at most one runs at a time.
            let launched = Locked(0)
            @Sendable func launch(_ arguments: [String], _ label: String) throws -> BackgroundCommand {
                let number = launched.withLock { $0 += 1; return $0 }
                return try BackgroundCommand(arguments, environment: env, log: work.appendingPathComponent("\(label)-\(number)"))
            }
            let start = try #require(try await pool.withConnection { connection in try connection.binlogEnd() })
            let forward = try launch(
                [
                    "stream", "--from", url, "--table", table, "--state", state, "--quiet", "--checkpoint-seconds", "0.3",
                    "--start-position", "\(start.file):\(start.position)", "--follow-cutover", "--follow-interval", "100ms",
                ], "stream")
            let reverse = try launch(
                [
                    "reverse-stream", "--table", table, "--to", url, "--state", state, "--quiet", "--poll-interval-ms", "100",
                    "--follow-cutover", "--follow-interval", "100ms",
                ], "reverse")
            /// Which streams run, as their acknowledgements say.
            @Sendable func running() async throws -> [ReplicatedStream] {
                var streams: [ReplicatedStream] = []
                for stream in ReplicatedStream.allCases where try await control.loadAcknowledgement(stream)?.running == true {
                    streams.append(stream)
                }
                return streams
            }

            let ports = (blue: try MotoServer.freePort(), green: try MotoServer.freePort())
            let blue = try CutoverStack.serve("blue", port: ports.blue, mysql: url, table: table, environment: env, work: work)
            let green = try CutoverStack.serve("green", port: ports.green, mysql: url, table: table, environment: env, work: work)
            defer {
                for command in [blue, green, forward, reverse] where command.isRunning { command.kill(SIGKILL) }
            }
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
                    "--table", table, "--mysql", url, "--haproxy-socket", proxy.adminSocket, "--green-url", greenURL, "--blue-url", blueURL,
                    "--min-shadow-compares", "20", "--timeout", "15s", "--pause-settle", "300ms", "--reason", "cutover scenario",
                    // moto_server answers one request at a time for the stream, both services and
                    // the cutover: the stream's lag here is mostly the emulator's queue.
                    "--max-lag", "20s",
                ]
                func cutover(_ arguments: [String]) async throws -> BillmigCLI.Result {
                    try await polled(["cutover"] + arguments + common)
                }
                func polled(_ arguments: [String]) async throws -> BillmigCLI.Result {
                    let log = work.appendingPathComponent("command-\(launched.withLock { $0 += 1; return $0 })")
                    return try await CutoverStack.run(arguments, environment: env, log: log)
                }

                // The load client. Writes change the status of two subscribers of one account
                // (one writer each, so the last acknowledged write is the value that must stay);
                // reads cover every pattern, but not that account's subscriber items: in shadow
                // a read of an item written a moment ago would differ by the stream's lag, which
                // is the shadow gate's business in production, not this test's.
                let subscribers = fixture.rows(.subscriber)
                let writeBAN = try #require(fixture.column(.subscriber, "ban", of: subscribers[0]))
                let written = subscribers.filter { fixture.column(.subscriber, "ban", of: $0) == writeBAN }.prefix(2)
                    .compactMap { fixture.column(.subscriber, "subscriber_no", of: $0) }
                let paths = fixture.queries().filter { query in
                    switch query {
                    case .account(let ban), .accountEntity(let ban, _): return String(ban) != writeBAN
                    case .subscriber(let number): return !written.contains(number)
                    default: return true
                    }
                }.map(ServeHTTPTests.path)
                #expect(paths.count > 20 && !written.isEmpty)
                let oneRequest = [("Connection", "close")]
                let stopLoad = Locked(false)
                let writing = Locked(true)
                let writesInFlight = Locked(0)
                let failures = Locked<[String]>([])
                let requests = Locked(0)
                let acknowledged = Locked<[String: (status: String, date: String)]>([:])

                /// Writes held while `body` runs (reads go on), so both stores can settle.
                func withWritesHeld<T>(_ body: () async throws -> T) async throws -> T {
                    writing.withLock { $0 = false }
                    defer { writing.withLock { $0 = true } }
                    try await waitUntil("the writes in flight are answered", timeout: .seconds(30)) { writesInFlight.current == 0 }
                    return try await body()
                }
                // Writes are held while it runs: its recheck of a changed key waits until the
                // stream has passed MySQL's position, and a row written every few milliseconds
                // (these writers') has changed again by then, every time.
                func validateLive(_ phase: String) async throws {
                    let result = try await withWritesHeld {
                        try await polled(["validate", "--source", url, "--table", table, "--state", state, "--live", "--quiet", "--json"])
                    }
                    #expect(result.status == 0, "validate --live in \(phase): \(result.stdout.suffix(800)) \(result.stderr.suffix(800))")
                }
                func forwardCaughtUp() async throws {
                    let end = try #require(try await pool.withConnection { connection in try connection.binlogEnd() })
                    let wanted = ReplicationPosition(orderingKey: end.sourcePosition(rowIndex: 0).orderingKey)
                    try await waitUntil("the forward stream publishes MySQL's position", timeout: .seconds(30)) {
                        (try await controlStore.load().replicated).map { $0 >= wanted } ?? false
                    }
                }
                func reverseCaughtUp() async throws {
                    let now = Int64(Date().timeIntervalSince1970 * 1000)
                    try await waitUntil("reverse replication has applied every DynamoDB change", timeout: .seconds(30)) {
                        (try await control.reverseProgress()).map { $0.caughtUpThroughMilliseconds >= now } ?? false
                    }
                }
                @discardableResult
                func expectMySQLEqualsDynamoDB(sourceLocation: SourceLocation = #_sourceLocation) async throws -> Bool {
                    let run = ReverseStreamCommandTests.Run(fixture: fixture, arguments: [], environment: env, state: state)
                    return try await run.expectMySQLEqualsDynamoDB(sourceLocation: sourceLocation)
                }
                func operate() async throws {
                    try await forwardCaughtUp()
                    try await validateLive("replicating")

                    let shadow = try await cutover(["shadow", "--sample", "100"])
                    #expect(shadow.status == 0, "\(shadow.stdout) \(shadow.stderr)")
                    try await waitUntil("blue compares reads in shadow", timeout: .seconds(30)) {
                        try await http.metric(HTTPClient.shared, blueURL, "billing_shadow_compares_total", [:]) >= 20
                    }
                    try await validateLive("shadow")

                    func switchReads(ramp: String = "0,50,100", maxP99: String = "5s") async throws -> BillmigCLI.Result {
                        try await cutover([
                            "switch-reads", "--ramp", ramp, "--bake", "1s", "--sample-interval", "500ms", "--min-requests", "5",
                            "--max-p99", maxP99, "--max-hold", "20s",
                        ])
                    }
                    // The forced failure: no p99 is under 1 ms (the histogram's first bound is 5 ms).
                    let failedGate = ContinuousClock.now
                    let failing = try await switchReads(ramp: "0,100", maxP99: "1ms")
                    #expect(failing.status == 5, "\(failing.stdout) \(failing.stderr)")
                    #expect(failing.stdout.contains("REVERTED") && failing.stdout.contains("automatic rollback"), "\(failing.stdout)")
                    #expect(try await traffic.weights() == .allBlue)
                    print("switch-reads with a failing gate: all traffic on blue \(ContinuousClock.now - failedGate) after it started")

                    func switchReadsToGreen() async throws {
                        let reads = try await switchReads()
                        #expect(reads.status == 0, "\(reads.stdout) \(reads.stderr)")
                        #expect(try await traffic.weights() == .allGreen)
                    }
                    func switchWrites(epoch: UInt32) async throws {
                        try await CutoverStack.shadowComparesSettled(http, services: [blueURL, greenURL])
                        // As the runbook says: open the write window once the stream has caught up
                        // (after a rollback it reads reverse replication's writes again), so the
                        // pause is the drain of the last moments, not of a backlog.
                        try await forwardCaughtUp()
                        let switched = try await cutover(["switch-writes", "--json"])
                        #expect(switched.status == 0, "\(switched.stdout) \(switched.stderr)")
                        let report = try JSONDecoder().decode(CutoverReport.self, from: Data(switched.stdout.utf8))
                        #expect(report.phase == .writesSwitched && report.epoch == epoch)
                        #expect(try await running() == [.reverse], "the forward stream was stopped and reverse-stream runs")
                        print("write pause at switch-writes (epoch \(epoch)): \(report.writePauseMilliseconds ?? -1) ms")
                        print(switched.stderr.split(separator: "\n").filter { $0.contains(" s  ") }.joined(separator: "\n"))
                    }

                    try await switchReadsToGreen()
                    try await validateLive("reads switched")

                    try await switchWrites(epoch: 1)
                    // DynamoDB takes the writes for a while; reverse replication copies them to MySQL.
                    try await Task.sleep(for: .seconds(3))
                    try await withWritesHeld {
                        try await reverseCaughtUp()
                        try await expectMySQLEqualsDynamoDB()
                    }

                    let rollback = try await cutover(["rollback"])
                    #expect(rollback.status == 0, "\(rollback.stdout) \(rollback.stderr)")
                    print("rollback:\n" + rollback.stderr.split(separator: "\n").filter { $0.contains(" s  ") }.joined(separator: "\n"))
                    let back = try await controlStore.load().flags
                    #expect(back.writePrimary == .mysql && back.epoch == 2)
                    #expect(try await traffic.weights() == .allBlue)
                    #expect(try await running() == [.forward], "rollback stops reverse-stream and resumes the stream")
                    // MySQL takes the writes again, items last written in DynamoDB among them.
                    try await Task.sleep(for: .seconds(3))
                    // The forward stream versions them in epoch 2, so they win over the epoch-1 items.
                    try await withWritesHeld {
                        try await forwardCaughtUp()
                        try await expectMySQLEqualsDynamoDB()
                    }
                    try await validateLive("rolled back")

                    // Switch again, to the end.
                    try await waitUntil("blue compares reads in shadow again", timeout: .seconds(30)) {
                        try await http.metric(HTTPClient.shared, blueURL, "billing_shadow_compares_total", [:]) >= 40
                    }
                    try await switchReadsToGreen()
                    try await switchWrites(epoch: 3)
                    try await Task.sleep(for: .seconds(2))
                    // `complete` ends reverse replication: the last writes are held before it
                    // so that MySQL can be compared with DynamoDB afterwards.
                    writing.withLock { $0 = false }
                    try await waitUntil("the writes in flight are answered", timeout: .seconds(30)) { writesInFlight.current == 0 }
                    let complete = try await cutover(["complete"])
                    #expect(complete.status == 0, "\(complete.stdout) \(complete.stderr)")
                    #expect(try await running() == [], "complete stops reverse-stream")
                    let final = try await cutover(["status", "--json", "--last", "30"])
                    let report = try JSONDecoder().decode(CutoverStatusReport.self, from: Data(final.stdout.utf8))
                    #expect(report.phase == .completed && report.epoch == 3)
                }

                try await withThrowingTaskGroup(of: Void.self) { group in
                    for reader in 0..<3 {
                        group.addTask {
                            var step = reader * 1000
                            while !stopLoad.current {
                                step += 1
                                let path = paths[step % paths.count]
                                do {
                                    let answer = try await http.get(HTTPClient.shared, front + path, headers: oneRequest)
                                    if answer.status != 200 { failures.withLock { $0.append("read \(path): \(answer.status) \(answer.body.prefix(200))") } }
                                } catch {
                                    failures.withLock { $0.append("read \(path): \(error)") }
                                }
                                requests.withLock { $0 += 1 }
                                // Paced for moto_server, which answers the services, the stream and
                                // the cutover one request at a time.
                                try await Task.sleep(for: .milliseconds(40))
                            }
                        }
                    }
                    for number in written {
                        group.addTask {
                            var step = 0
                            while !stopLoad.current {
                                guard writing.current else {
                                    try await Task.sleep(for: .milliseconds(20))
                                    continue
                                }
                                writesInFlight.withLock { $0 += 1 }
                                step += 1
                                let status = ["A", "S"][step % 2]
                                // A date of its own for every write: the value shows which write stayed.
                                let date = String(format: "%04ld-%02ld-%02ld", 2020 + step / 336, (step / 28) % 12 + 1, step % 28 + 1)
                                do {
                                    let answer = try await http.send(
                                        HTTPClient.shared, front + "/accounts/\(writeBAN)/subscribers/\(number)/status", method: .PUT,
                                        body: "{\"status\":\"\(status)\",\"status_date\":\"\(date)\"}", headers: oneRequest)
                                    if answer.status == 200 {
                                        acknowledged.withLock { $0[number] = (status, date) }
                                    } else {
                                        failures.withLock { $0.append("write \(number): \(answer.status) \(answer.body.prefix(200))") }
                                    }
                                } catch {
                                    failures.withLock { $0.append("write \(number): \(error)") }
                                }
                                requests.withLock { $0 += 1 }
                                writesInFlight.withLock { $0 -= 1 }
                                // Every write of a writer is to one item, which the stream applies in
                                // order, one conditional put at a time: paced under what moto_server
                                // answers on a busy machine, so the stream's lag stays bounded.
                                try await Task.sleep(for: .milliseconds(150))
                            }
                        }
                    }
                    do {
                        try await operate()
                    } catch {
                        stopLoad.withLock { $0 = true }
                        throw error
                    }
                    stopLoad.withLock { $0 = true }
                    try await group.waitForAll()
                }
                print("cutover scenario: \(requests.current) requests, \(failures.current.count) failed")
                #expect(failures.current.isEmpty, "\(failures.current.count) failed requests: \(failures.current.prefix(5))")
                #expect(requests.current > 500)

                // Every acknowledged write is in DynamoDB (the primary) and, copied back, in MySQL.
                let last = acknowledged.current
                #expect(last.count == written.count, "each writer had writes acknowledged: \(last.keys)")
                for (number, value) in last {
                    let item = try await fixture.dynamoDB.getItem(
                        table, key: ["PK": .s("BAN#\(writeBAN)"), "SK": .s("SUB#\(number)")], consistentRead: true)
                    #expect(item?["sub_status"]?.stringValue == value.status && item?["sub_status_date"]?.stringValue == value.date, "\(number): \(String(describing: item))")
                }
                try await expectMySQLEqualsDynamoDB()
            }
            for follower in [forward, reverse] {
                follower.kill(SIGTERM)
                #expect(await follower.exitStatus() == 0, "a follower stopped with SIGTERM ends cleanly: \(follower.output())")
            }
        }
    }
}
