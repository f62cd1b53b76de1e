import AWSCore
import AsyncHTTPClient
import BillingModel
import BillingService
import BillingStores
import DMSStaging
import DynamoDB
import DynamoDBModel
import Foundation
import Migration
import MigrationCore
import MySQLSource
import SampleData
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `billmig reverse-stream` as a process against MariaDB and moto_server: the
/// billing service's writes of the DynamoDB epoch (the same generated data in
/// both stores, then a burst of the application's writes to DynamoDB only) end
/// in MySQL row for row, through a SIGKILL mid-burst, a SIGTERM and a replay
/// from scratch.
@Suite("reverse-stream: the billmig reverse-stream command against MariaDB and moto_server", .serialized)
struct ReverseStreamCommandTests {
    /// The switch epoch the writes are made in (the flags say so, as after `switch-writes`).
    static let epoch: UInt32 = 1

    struct Run {
        let fixture: ServiceFixture
        let arguments: [String]
        let environment: [String: String]
        let state: String
        var clock: UInt64 = 1_800_000_000_000_000
        var random = SplitMix64(seed: 1212)
        var writes: [String: Int] = [:]

        /// `count` of the billing service's writes (random kinds, some refused) to DynamoDB.
        mutating func burst(_ count: Int) async {
            for step in 0..<count {
                let write = BillingStoreEquivalenceTests().randomWrite(fixture, step: step, random: &random)
                clock += 1_000
                let context = WriteContext(
                    now: BillingTimestamp(epochMilliseconds: Int64(clock / 1_000)), version: ApplicationVersion(epoch: ReverseStreamCommandTests.epoch, clock: clock))
                do {
                    _ = try await fixture.dynamodb.execute(write, context: context)
                    writes["\(write.name):ok", default: 0] += 1
                } catch {
                    writes["\(write.name):\(error.kind.rawValue)", default: 0] += 1
                }
            }
        }

        func background(_ label: String, _ extra: [String] = []) throws -> BackgroundCommand {
            try BackgroundCommand(arguments + extra, environment: environment, log: URL(fileURLWithPath: state + "/../" + label))
        }

        /// The `/metrics` address a background run announced on standard error.
        func untilCaughtUp() async throws -> (BillmigCLI.Result, ReverseReplication.Summary?) {
            let result = try await BillmigCLI.run(arguments + ["--until-caught-up", "--json"], environment: environment)
            return (result, try? JSONDecoder().decode(ReverseReplication.Summary.self, from: Data(result.stdout.utf8)))
        }

        /// MySQL equals DynamoDB row for row (the oracle maps MySQL's rows to items).
        /// Returns whether they are equal (each difference is recorded as an issue).
        @discardableResult
        func expectMySQLEqualsDynamoDB(sourceLocation: SourceLocation = #_sourceLocation) async throws -> Bool {
            let connection = try await MySQLConnection.connect(try await MariaDBSupport.configuration(database: fixture.database))
            let oracle: SourceOracle
            do {
                oracle = try await SourceOracle(connection: connection)
                await connection.close()
            } catch {
                await connection.close()
                throw error
            }
            let items = try await SourceOracle.scan(fixture.dynamoDB, table: fixture.tableName)
            #expect(items.count > 100, "the table holds the generated data", sourceLocation: sourceLocation)
            let differences = oracle.verify(items, sourceLocation: sourceLocation)
            #expect(differences == 0, sourceLocation: sourceLocation)
            return differences == 0
        }
    }

    /// The fixture with the table's stream on and the flags at the DynamoDB epoch,
    /// and the command's arguments.
    static func withRun(_ label: String, _ body: (inout Run) async throws -> Void) async throws {
        try await ServiceFixture.with(label) { fixture in
            _ = try await fixture.dynamoDB.enableStream(fixture.tableName)
            _ = try await DynamoDBControlStore(client: fixture.dynamoDB, tableName: fixture.tableName)
                .update(ServiceFlags(readMode: .dynamodb, writePrimary: .dynamodb, epoch: epoch), expectedVersion: 0)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("billmig-reverse-\(UInt32.random(in: 0...UInt32.max))")
            let state = folder.appendingPathComponent("state").path
            try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            var environment = fixture.awsEnvironment
            environment["BILLMIG_MYSQL_PASSWORD"] = MariaDBSupport.password
            let arguments = [
                "reverse-stream", "--table", fixture.tableName, "--to", try await MariaDBSupport.url(database: fixture.database),
                "--state", state, "--quiet", "--page-size", "7", "--poll-interval-ms", "100",
            ]
            var run = Run(fixture: fixture, arguments: arguments, environment: environment, state: state)
            try await body(&run)
        }
    }

    @Test("killed with SIGKILL mid-burst, restarted, stopped with SIGTERM and drained, MySQL ends equal to DynamoDB")
    func killedMidBurstEndsEqual() async throws {
        try await Self.withRun("revkill") { run in
            let checkpoint = run.state + "/reverse/checkpoint.json"
            var kills = KillSchedule("reverse-stream kill")

            // Killed mid-burst, after it has applied (and checkpointed) part of it.
            let first = try run.background("first")
            await run.burst(40)
            #expect(try await waitUntil(timeout: .seconds(30)) { FileManager.default.fileExists(atPath: checkpoint) }, "\(first.output())")
            await run.burst(20)
            try await Task.sleep(for: kills.delay(in: 0...400))
            first.kill(SIGKILL)
            #expect(await first.exitStatus() == SIGKILL, "killed, not ended: \(first.output())")

            // Restarted while the burst goes on, then stopped cleanly.
            let second = try run.background("second", ["--metrics-port", "0"])
            let metrics = try await second.metricsBase()
            await run.burst(30)
            // Its MySQL connection killed from another session: it reconnects and goes on.
            let admin = try await MySQLConnection.connect(try await MariaDBSupport.configuration(database: run.fixture.database))
            let victims = try await admin.query(
                "SELECT id FROM information_schema.PROCESSLIST WHERE db = '\(run.fixture.database)' AND id <> CONNECTION_ID()").rows
            #expect(!victims.isEmpty, "the reverse stream holds a connection")
            for row in victims { _ = try? await admin.execute("KILL CONNECTION \(row[0].text ?? "0")") }
            await admin.close()
            await run.burst(30)
            // Lag and records read on Prometheus, per table; caught up (lag 0) once the burst is applied.
            let table = ["table": run.fixture.tableName]
            let exposed = try await waitUntil(timeout: .seconds(30), every: .milliseconds(300)) {
                let scrape = ServeHTTPTests()
                guard second.isRunning,
                    let text = try? await scrape.get(HTTPClient.shared, metrics + "/metrics").body,
                    let read = try? await scrape.metric(HTTPClient.shared, metrics, "billmig_reverse_records_read_total", table),
                    let lag = try? await scrape.metric(HTTPClient.shared, metrics, "billmig_reverse_replication_lag_seconds", table)
                else { return !second.isRunning }
                return read > 0 && lag == 0 && text.contains("billmig_reverse_replication_lag_seconds{")
                    && text.contains("billmig_reverse_records_pending{")
            }
            #expect(second.isRunning, "reverse-stream ended early (its connection was killed): \(second.output())")
            #expect(exposed, "no reverse lag metrics: \(second.output())")
            try await Task.sleep(for: kills.delay(in: 0...500))
            second.kill(SIGTERM)
            #expect(await second.exitStatus() == 0, "SIGTERM ends it cleanly: \(second.output())")

            // The last writes, then a drain from the checkpoint.
            await run.burst(20)
            let lastWrite = Int64(Date().timeIntervalSince1970 * 1000)
            // Past the stream's visibility margin, a caught-up round vouches for every write.
            try await Task.sleep(for: ReverseStreamProgress.visibilityMargin + .milliseconds(200))
            let (result, summary) = try await run.untilCaughtUp()
            #expect(result.status == 0, "\(result.stderr)")
            let drained = try #require(summary, "\(result.stdout)")
            #expect(drained.startedFrom == .checkpoint)
            #expect(drained.ending == .caughtUp)
            #expect(drained.caughtUp && drained.lagSeconds == 0)
            #expect(drained.epoch == SwitchEpoch(Self.epoch))
            #expect(drained.deadLettered == 0)
            #expect(!drained.checkpoints.isEmpty)
            // Inserts, updates, moves and deletes across accounts reached DynamoDB.
            #expect(run.writes.filter { $0.key.hasSuffix(":ok") }.values.reduce(0, +) >= 40, "\(run.writes)")
            #expect(run.writes.keys.filter { $0.hasSuffix(":ok") }.count >= 6, "\(run.writes)")
            #expect(run.writes.keys.contains { $0.hasPrefix("delete_charge:ok") || $0.hasPrefix("remove_service_agreement:ok") }, "\(run.writes)")

            try await run.expectMySQLEqualsDynamoDB()

            // The progress is published where the cutover reads it: drained after the last write.
            let item = try await run.fixture.dynamoDB.getItem(
                run.fixture.tableName,
                key: [ItemKey.partitionKeyName: .s(ControlItems.partitionKey), ItemKey.sortKeyName: .s(ControlItems.reverseSortKey)],
                consistentRead: true)
            let published = try #require(item.flatMap(ControlItems.reverseProgress(from:)))
            #expect(published.caughtUp && published.lagSeconds == 0)
            #expect(published.epoch == SwitchEpoch(Self.epoch))
            #expect(published.isDrained(since: lastWrite), "a caught-up round vouches for the last write")
            // `status` shows it too.
            let status = try await BillmigCLI.run(["status", "--table", run.fixture.tableName, "--json"], environment: run.environment)
            #expect(status.status == 0, "\(status.stderr)")
            let shown = try JSONDecoder().decode(LoadStatus.self, from: Data(status.stdout.utf8))
            #expect(shown.reverse?.caughtUp == true && shown.reverse?.checkpoints == published.checkpoints)
            let saved = try JSONDecoder().decode(
                ReverseStreamProgress.self, from: Data(contentsOf: URL(fileURLWithPath: run.state + "/reverse/progress.json")))
            #expect(saved.caughtUp && saved.checkpoints == published.checkpoints)
        }
    }

    @Test("a replay from scratch (checkpoint deleted) applies everything again and leaves MySQL equal to DynamoDB")
    func replayWithoutCheckpointConverges() async throws {
        try await Self.withRun("revreplay") { run in
            await run.burst(80)
            let (first, firstSummary) = try await run.untilCaughtUp()
            #expect(first.status == 0, "\(first.stderr)")
            let applied = try #require(firstSummary, "\(first.stdout)")
            #expect(applied.startedFrom == .trimHorizon)
            #expect(applied.rowWrites > 20)
            #expect(applied.skippedOlderEpoch == 0)
            try await run.expectMySQLEqualsDynamoDB()

            // Nothing new: a rerun resumes after its checkpoint and writes no row.
            let (again, againSummary) = try await run.untilCaughtUp()
            #expect(again.status == 0, "\(again.stderr)")
            #expect(againSummary?.startedFrom == .checkpoint)
            #expect(againSummary?.rowWrites == 0)

            try FileManager.default.removeItem(atPath: run.state + "/reverse/checkpoint.json")
            let (replay, replaySummary) = try await run.untilCaughtUp()
            #expect(replay.status == 0, "\(replay.stderr)")
            let replayed = try #require(replaySummary, "\(replay.stdout)")
            #expect(replayed.startedFrom == .trimHorizon)
            #expect(replayed.rowWrites == applied.rowWrites)
            #expect(replayed.deadLettered == 0)
            try await run.expectMySQLEqualsDynamoDB()
        }
    }

    @Test("an item that maps back to no row and a row MySQL refuses are dead-lettered with their reason; the rest arrives; exit 3")
    func unmappableAndRefusedRowsAreDeadLettered() async throws {
        try await Self.withRun("revdead") { run in
            let fixture = run.fixture
            await run.burst(15)
            // An account whose bill cycle no longer fits MySQL's VARCHAR(10), and an item of no mapped table.
            let ban = try #require(fixture.column(.billingAccount, "ban", of: fixture.rows(.billingAccount)[0]))
            let accountKey: Item = [ItemKey.partitionKeyName: .s("BAN#\(ban)"), ItemKey.sortKeyName: .s("ACCOUNT")]
            var account = try #require(try await fixture.dynamoDB.getItem(fixture.tableName, key: accountKey, consistentRead: true))
            let billCycle = try #require(account.keys.first { $0.lowercased().replacingOccurrences(of: "_", with: "") == "billcycle" })
            run.clock += 1_000
            account[billCycle] = .s(String(repeating: "C", count: 30))
            account[MigrationAttribute.sourceVersion] = .s(ApplicationVersion(epoch: Self.epoch, clock: run.clock).orderingKey)
            _ = try await fixture.dynamoDB.putItem(fixture.tableName, item: account)
            let unknownKey: Item = [ItemKey.partitionKeyName: .s("BAN#\(ban)"), ItemKey.sortKeyName: .s("GADGET#1")]
            var unknown = unknownKey
            unknown[MigrationAttribute.entityType] = .s("GADGET")
            unknown[MigrationAttribute.sourceVersion] = .s(ApplicationVersion(epoch: Self.epoch, clock: run.clock + 1).orderingKey)
            _ = try await fixture.dynamoDB.putItem(fixture.tableName, item: unknown)
            await run.burst(15)

            let (result, summary) = try await run.untilCaughtUp()
            #expect(result.status == ExitStatus.deadLettered.rawValue, "\(result.stderr)")
            let drained = try #require(summary, "\(result.stdout)")
            #expect(drained.deadLettered == 2)
            #expect(drained.rowWrites > 10)

            let letters = try await StateLocation(store: LocalDirectoryStore(root: run.state), prefix: "").deadLetters.readAll()
            #expect(letters.count == 2, "\(letters)")
            let refused = letters.first { $0.stage == .write }
            #expect(refused?.table == "BILLING_ACCOUNT")
            #expect(refused?.reason.contains("MySQL refused the row") == true, "\(String(describing: refused))")
            #expect(refused?.key?.contains("BAN#\(ban)") == true)
            let unmapped = letters.first { $0.stage == .map }
            #expect(unmapped?.table == "GADGET")
            #expect(unmapped?.raw?.contains("GADGET#1") == true)

            // Everything else is in MySQL: equal once the two dead-lettered items are set aside.
            let connection = try await MySQLConnection.connect(try await MariaDBSupport.configuration(database: fixture.database))
            var oracle = try await SourceOracle(connection: connection)
            await connection.close()
            var items = try await SourceOracle.scan(fixture.dynamoDB, table: fixture.tableName)
            let accountItemKey = try #require(ItemKey(item: accountKey))
            #expect(oracle.items[accountItemKey]?[billCycle] != account[billCycle], "MySQL kept its bill cycle")
            for key in [accountItemKey, try #require(ItemKey(item: unknownKey))] {
                items[key] = nil
                oracle.items[key] = nil
            }
            #expect(oracle.verify(items) == 0)
        }
    }

    @Test("a table without a stream is refused with what to do")
    func tableWithoutStreamIsRefused() async throws {
        try await ServiceFixture.with("revnostream") { fixture in
            var environment = fixture.awsEnvironment
            environment["BILLMIG_MYSQL_PASSWORD"] = MariaDBSupport.password
            let result = try await BillmigCLI.run(
                ["reverse-stream", "--table", fixture.tableName, "--to", try await MariaDBSupport.url(database: fixture.database), "--until-caught-up"],
                environment: environment)
            #expect(result.status == 1)
            #expect(result.stderr.contains("no stream enabled") && result.stderr.contains("NEW_AND_OLD_IMAGES"), "\(result.stderr)")

            // A password in the URL is refused before anything is read, and never echoed.
            let withPassword = try await BillmigCLI.run(
                ["reverse-stream", "--table", fixture.tableName, "--to", "mysql://billmig:s3cret-pw@127.0.0.1:1/db", "--until-caught-up"],
                environment: environment)
            #expect(withPassword.status != 0)
            #expect(withPassword.stderr.contains("not in the URL"), "\(withPassword.stderr)")
            #expect(!(withPassword.stdout + withPassword.stderr).contains("s3cret-pw"))

            // An even epoch is MySQL's: refused with what the odd ones are.
            let evenEpoch = try await BillmigCLI.run(
                ["reverse-stream", "--table", fixture.tableName, "--to", "mysql://billmig@127.0.0.1:1/db", "--epoch", "2"], environment: environment)
            #expect(evenEpoch.status == 64)
            #expect(evenEpoch.stderr.contains("MySQL epoch"), "\(evenEpoch.stderr)")
        }
    }
}
