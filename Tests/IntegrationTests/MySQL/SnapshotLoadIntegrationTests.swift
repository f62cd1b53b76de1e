import AWSCore
import BillingModel
import DMSStaging
import DynamoDB
import DynamoDBModel
import Foundation
import Migration
import MigrationCore
import MySQLSource
import SampleData
import Synchronization
import Testing

/// `billmig load --from mysql://` against the private MariaDB and moto_server,
/// and the snapshot's consistency with an in-memory table.
@Suite(.serialized)
struct SnapshotLoadIntegrationTests {
    static func stateFolder(_ label: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("billmig-snap-\(label)-\(UUID().uuidString)").path
    }

    static func environment(_ aws: LocalAWSEnvironment) -> [String: String] {
        aws.environment.merging(["BILLMIG_MYSQL_PASSWORD": MariaDBSupport.password]) { $1 }
    }

    /// The saved position as summaries show it (without the definitions kept beside it).
    static func position(in folder: String) throws -> SnapshotPosition {
        try kept(in: folder).withoutDefinitions
    }

    static func kept(in folder: String) throws -> SnapshotPosition {
        try JSONDecoder().decode(SnapshotPosition.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/snapshot.json")))
    }

    @Test func aSnapshotLoadEqualsTheMappersItemsAndReportsItsPosition() async throws {
        let database = try await MariaDBSupport.freshDatabase("load")
        let data = SampleDataSet(.init(seed: 21, accounts: 10))
        try await MariaDBSupport.insert(data, into: database)
        let generated = data.rowCounts.values.reduce(0, +)
        #expect(generated > 2_000, "a few thousand rows")
        let state = Self.stateFolder("load")
        defer { try? FileManager.default.removeItem(atPath: state) }
        let source = try await MariaDBSupport.url(database: database)

        try await LocalAWS.withMotoServer(authenticated: false) { aws in
            let env = Self.environment(aws)
            // A dry run reads and maps everything, needs no AWS and leaves no state.
            let dry = try await BillmigCLI.run(
                ["load", "--from", source, "--dry-run", "--json", "--quiet", "--state", state], environment: ["BILLMIG_MYSQL_PASSWORD": MariaDBSupport.password])
            #expect(dry.status == 0, "\(dry.stderr)")
            let drySummary = try JSONDecoder().decode(LoadSummary.self, from: Data(dry.stdout.utf8))
            #expect(drySummary.dryRun && drySummary.total.rowsRead == generated)
            #expect(drySummary.snapshot == nil)
            #expect(!FileManager.default.fileExists(atPath: state + "/snapshot.json"))

            let create = try await BillmigCLI.run(["table", "create", "--table", "Snap1"], environment: env)
            #expect(create.status == 0, "\(create.stderr)")
            let load = try await BillmigCLI.run(
                ["load", "--from", source, "--table", "Snap1", "--state", state, "--chunk-size", "700", "--json", "--quiet"],
                environment: env)
            #expect(load.status == 0, "\(load.stderr)")
            let summary = try JSONDecoder().decode(LoadSummary.self, from: Data(load.stdout.utf8))
            #expect(summary.total.rowsRead == generated)
            #expect(summary.total.itemsWritten == generated)
            for table in SampleTable.allCases {
                #expect(summary.entities.first { $0.entity == table.name }?.rowsRead == data.rowCounts[table])
            }
            // The stream that starts there decodes rows as the tables were at the snapshot.
            let kept = try Self.kept(in: state)
            #expect(kept.definitions?.keys.sorted() == SampleTable.allCases.map(\.name).sorted())
            #expect(kept.definitions?["BILLING_ACCOUNT"]?.columns.first?.name == "ban")
            let saved = try Self.position(in: state)
            #expect(summary.snapshot == saved)
            #expect(saved.binlogFile.hasPrefix("mariadb-bin.") && saved.binlogPosition > 4)
            #expect(saved.source == source)
            #expect(saved.gtid?.isEmpty == false)

            try await AWSClient.withClient(aws.configuration) { client in
                let dynamo = DynamoDBClient(client: client)
                try ExpectedTable(data).verify(try await ExpectedTable.scan(dynamo, table: "Snap1"))
                let tracking = try await dynamo.queryAll(QueryInput(
                    tableName: "Snap1", keyCondition: "PK = :pk", values: [":pk": .s(TrackingItem.partitionKey)]))
                    .map { try TrackingItem(item: $0) }
                #expect(Set(tracking.map(\.batchId)) == Set(SampleTable.allCases.map { "SNAPSHOT-" + $0.name }))
                #expect(tracking.allSatisfy { $0.status == .completed })
                #expect(tracking.reduce(0) { $0 + $1.recordsProcessed } == generated)
            }

            let status = try await BillmigCLI.run(
                ["status", "--table", "Snap1", "--from", source, "--state", state, "--json"], environment: env)
            #expect(status.status == 0, "\(status.stderr)")
            let loadStatus = try JSONDecoder().decode(LoadStatus.self, from: Data(status.stdout.utf8))
            #expect(loadStatus.overall == "COMPLETED")
            #expect(loadStatus.entities.reduce(0) { $0 + $1.rowsRead } == generated)
            #expect(loadStatus.snapshot == saved)

            // A second run finds every table done and keeps the first position.
            let again = try await BillmigCLI.run(
                ["load", "--from", source, "--table", "Snap1", "--state", state, "--json", "--quiet"], environment: env)
            #expect(again.status == 0, "\(again.stderr)")
            let second = try JSONDecoder().decode(LoadSummary.self, from: Data(again.stdout.utf8))
            #expect(second.files.skipped == SampleTable.allCases.count && second.files.completed == 0)
            #expect(second.total.itemsWritten == generated)
            #expect(try Self.kept(in: state) == kept)

            // The state belongs to this source: another database is refused before anything is read.
            let other = try await BillmigCLI.run(
                ["load", "--from", try await MariaDBSupport.url(database: "billing"), "--table", "Snap1", "--state", state, "--quiet"],
                environment: env)
            #expect(other.status == 1)
            #expect(other.stderr.contains("use another --state"), "\(other.stderr)")

            // Once a change stream has a checkpoint, load refuses (its puts are unconditional) unless forced.
            try FileManager.default.createDirectory(atPath: state + "/change-checkpoints", withIntermediateDirectories: true)
            try Data("{}".utf8).write(to: URL(fileURLWithPath: state + "/change-checkpoints/binlog.json"))
            let refused = try await BillmigCLI.run(
                ["load", "--from", source, "--table", "Snap1", "--state", state, "--quiet"], environment: env)
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("change stream") && refused.stderr.contains("--force"))
            let forced = try await BillmigCLI.run(
                ["load", "--from", source, "--table", "Snap1", "--state", state, "--quiet", "--force", "--json"], environment: env)
            #expect(forced.status == 0, "\(forced.stderr)")
            // --restart forgets the position and the checkpoints: a new snapshot, every table again.
            let restarted = try await BillmigCLI.run(
                ["load", "--from", source, "--table", "Snap1", "--state", state, "--quiet", "--force", "--restart", "--json"], environment: env)
            #expect(restarted.status == 0, "\(restarted.stderr)")
            let third = try JSONDecoder().decode(LoadSummary.self, from: Data(restarted.stdout.utf8))
            #expect(third.files.skipped == 0 && third.files.completed == SampleTable.allCases.count)
            #expect(third.total.rowsRead == generated)
            let newer = try Self.position(in: state)
            #expect(newer == third.snapshot && newer.takenAt >= saved.takenAt)
            #expect(newer.binlogFile > saved.binlogFile || newer.binlogPosition >= saved.binlogPosition)
        }
        await MariaDBSupport.dropDatabase(database)
    }

    @Test func aLoadKilledMidwayAndStartedAgainEndsWithTheSameTable() async throws {
        let database = try await MariaDBSupport.freshDatabase("kill")
        let data = SampleDataSet(.init(seed: 8, accounts: 24))
        try await MariaDBSupport.insert(data, into: database)
        let generated = data.rowCounts.values.reduce(0, +)
        let state = Self.stateFolder("kill")
        defer { try? FileManager.default.removeItem(atPath: state) }
        let arguments = [
            "load", "--from", try await MariaDBSupport.url(database: database), "--table", "Snap2", "--state", state, "--json", "--quiet",
            "--concurrency", "2", "--chunk-size", "300", "--checkpoint-seconds", "0.3",
        ]

        try await LocalAWS.withMotoServer(authenticated: false) { aws in
            let env = Self.environment(aws)
            _ = try await BillmigCLI.run(["table", "create", "--table", "Snap2"], environment: env)
            let checkpoints = SnapshotStateStore(store: LocalDirectoryStore(root: state), prefix: "")
            var first: SnapshotPosition?
            // Both kills well before CHARGE's end, so the second run has rows left to be killed in.
            let chargeRows = data.rowCounts[.charge] ?? 0
            var killedAt = 0
            for round in 0..<2 {
                let (process, _, errors) = try BillmigCLI.start(arguments, environment: env)
                let deadline = ContinuousClock.now + .seconds(180)
                var sawProgress = false
                while ContinuousClock.now < deadline, process.isRunning {
                    let charge = try? await checkpoints.checkpoint(table: "CHARGE")
                    if let charge, charge.state == .inProgress, charge.rowsDone > killedAt, charge.rowsDone < chargeRows * 3 / 4 {
                        killedAt = charge.rowsDone
                        sawProgress = true
                        break
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(sawProgress, "round \(round): CHARGE never checkpointed mid-way")
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                #expect(process.terminationReason == .uncaughtSignal, "exited \(process.terminationStatus) by itself: \(String(decoding: errors.fileHandleForReading.readDataToEndOfFile().suffix(3_000), as: UTF8.self))")
                let position = try Self.position(in: state)
                if let first { #expect(position == first, "a rerun keeps the first snapshot's position") }
                first = position
            }

            let finish = try await BillmigCLI.run(arguments, environment: env)
            #expect(finish.status == 0, "\(finish.stderr)")
            let summary = try JSONDecoder().decode(LoadSummary.self, from: Data(finish.stdout.utf8))
            // Counted once across the three runs: the checkpoints carry the done part.
            #expect(summary.total.rowsRead == generated)
            #expect(summary.total.itemsWritten == generated)
            #expect(summary.snapshot == first)
            #expect(summary.files.skipped >= 1, "tables finished before the kills are skipped")
            try await AWSClient.withClient(aws.configuration) { client in
                try ExpectedTable(data).verify(try await ExpectedTable.scan(DynamoDBClient(client: client), table: "Snap2"))
            }
        }
        await MariaDBSupport.dropDatabase(database)
    }

    /// Rows committed while the load runs are not in it, and the saved position
    /// precedes their commits: the stream, starting there, will bring them.
    @Test func changesCommittedAfterTheSnapshotBeganAreNotInIt() async throws {
        let database = try await MariaDBSupport.freshDatabase("consistency")
        let data = SampleDataSet(.init(seed: 3, accounts: 4))
        try await MariaDBSupport.insert(data, into: database)
        let configuration = try await MariaDBSupport.configuration(database: database)
        let writer = try await MySQLConnection.connect(configuration)
        let bans = try await writer.query("SELECT ban FROM `\(database)`.BILLING_ACCOUNT ORDER BY ban").rows.compactMap { $0.first?.text }
        #expect(bans.count == 4)
        // A row the mapper rejects (a `#` in a key value) goes to the dead letters, as from a staged file.
        let subscriberColumns = SampleTable.subscriber.columns
        try await writer.execute("""
            INSERT INTO `\(database)`.SUBSCRIBER (\(subscriberColumns.map(PrimaryKeyChunkQuery.identifier).joined(separator: ", ")))
            SELECT \(subscriberColumns.map { $0 == "subscriber_no" ? "'BAD#1'" : PrimaryKeyChunkQuery.identifier($0) }.joined(separator: ", "))
            FROM `\(database)`.SUBSCRIBER LIMIT 1
            """)

        // The first write to the table (BILLING_ACCOUNT's rows) commits changes to
        // tables the load reads later; the snapshot must not see them.
        let recorder = CommitRecorder()
        let target = InMemoryTarget { () async throws -> Void in
            guard recorder.claim() else { return }
            recorder.before = try await Self.binlogEnd(writer)
            try await writer.execute("START TRANSACTION")
            try await writer.execute("UPDATE `\(database)`.BILL SET bill_status = 'W', amount_due = 0 WHERE ban = \(bans[3])")
            try await writer.execute("""
                INSERT INTO `\(database)`.CHARGE SELECT ban, 999999, 'LATE', subscriber_no, feature_code, charge_creation_date,
                  amount, tax_amount, bill_seq_number, description, created_at, updated_at
                FROM `\(database)`.CHARGE WHERE ban = \(bans[0]) LIMIT 1
                """)
            try await writer.execute("DELETE FROM `\(database)`.CHARGE WHERE ban = \(bans[2])")
            try await writer.execute("COMMIT")
            recorder.done = true
        }
        let stateStore = InMemoryObjectStore()
        var loadConfiguration = SnapshotLoadConfiguration(connection: configuration, tableName: "Snap3")
        loadConfiguration.chunkSize = 50
        loadConfiguration.writeConcurrency = 1
        let summary = try await SnapshotLoad(configuration: loadConfiguration, target: target, state: StateLocation(store: stateStore, prefix: "")).run()
        #expect(summary.status == .completedWithDeadLetters, "\(summary.error ?? "")")
        #expect(summary.total.deadLettered == 1)
        #expect(summary.total.rowsRead == data.rowCounts.values.reduce(0, +) + 1)
        let letters = try await DeadLetterStore(store: stateStore, prefix: "dead-letters/").readAll()
        #expect(letters.map(\.table) == ["SUBSCRIBER"])
        #expect(letters.first?.values?.first == "BAD#1")
        #expect(recorder.done)
        let committed = try #require(recorder.before)
        let changedRows = try await writer.query(
            "SELECT (SELECT COUNT(*) FROM `\(database)`.CHARGE WHERE charge_seq = 999999), "
            + "(SELECT COUNT(*) FROM `\(database)`.CHARGE WHERE ban = \(bans[2]))").rows.first
        #expect(changedRows == [.text("1"), .text("0")], "the changes are committed in MySQL")

        let expected = try ExpectedTable(data)
        let items = target.items()
        expected.verify(items.filter { $0.key.pk != TrackingItem.partitionKey })
        #expect(!items.keys.contains { $0.sk.hasSuffix("#LATE") }, "the row inserted after the snapshot is not loaded")
        #expect(items.keys.contains { $0.pk == "BAN#\(bans[2])" && $0.sk.hasPrefix("CHARGE") }, "rows deleted after the snapshot are loaded")
        let saved = try #require(try await SnapshotStateStore(store: stateStore, prefix: "").position())
        #expect(saved.withoutDefinitions == summary.snapshot)
        #expect(saved.binlogFile == committed.file)
        #expect(saved.binlogPosition <= committed.position, "the saved position precedes the later commit")
        let after = try await Self.binlogEnd(writer)
        #expect(after.position > committed.position)
        await writer.close()
        await MariaDBSupport.dropDatabase(database)
    }

    /// The snapshot's connection killed by the server mid-load: the load
    /// reconnects with a new snapshot, keeps the saved position, and completes.
    @Test func aLostSnapshotConnectionIsReopenedAndTheLoadCompletes() async throws {
        let database = try await MariaDBSupport.freshDatabase("reconnect")
        let data = SampleDataSet(.init(seed: 13, accounts: 4))
        try await MariaDBSupport.insert(data, into: database)
        let configuration = try await MariaDBSupport.configuration(database: database)
        let killer = try await MySQLConnection.connect(configuration)
        let killed = CommitRecorder()
        // Kill the reader at the first write, and once more at a later one.
        let batches = Mutex(0)
        let target = InMemoryTarget { () async throws -> Void in
            let batch = batches.withLock { value in
                value += 1
                return value
            }
            guard batch == 1 || batch == 20 else { return }
            if batch == 1 {
                // A commit before the kill: the reopened snapshot is past it, the saved position is not.
                killed.before = try await Self.binlogEnd(killer)
                try await killer.execute("CREATE TABLE IF NOT EXISTS `\(database)`.SCRATCH (n INT PRIMARY KEY)")
                try await killer.execute("INSERT INTO `\(database)`.SCRATCH VALUES (1)")
            }
            let ids = try await killer.query("""
                SELECT id FROM information_schema.processlist WHERE db = '\(database)' AND id <> CONNECTION_ID()
                """).rows.compactMap { $0.first?.text }
            for id in ids { try await killer.execute("KILL CONNECTION \(id)") }
            if !ids.isEmpty { _ = killed.claim() }
        }
        let stateStore = InMemoryObjectStore()
        var loadConfiguration = SnapshotLoadConfiguration(connection: configuration, tableName: "Snap4")
        loadConfiguration.chunkSize = 40
        loadConfiguration.writeConcurrency = 1
        loadConfiguration.connectRetry = MySQLRetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(50))
        let summary = try await SnapshotLoad(configuration: loadConfiguration, target: target, state: StateLocation(store: stateStore, prefix: "")).run()
        #expect(summary.status == .completed, "\(summary.error ?? "")")
        #expect(!killed.claim(), "the reader's connection was killed")
        #expect(batches.withLock { $0 } > 20)
        try ExpectedTable(data).verify(target.items().filter { $0.key.pk != TrackingItem.partitionKey })
        let saved = try #require(summary.snapshot)
        let firstKill = try #require(killed.before)
        #expect(saved.binlogFile == firstKill.file && saved.binlogPosition <= firstKill.position, "the first snapshot's position is kept")
        #expect(try await SnapshotStateStore(store: stateStore, prefix: "").position()?.withoutDefinitions == saved)
        await killer.close()
        await MariaDBSupport.dropDatabase(database)
    }

    static func binlogEnd(_ connection: MySQLConnection) async throws -> BinlogCoordinates {
        try #require(try await connection.binlogEnd(), "the binlog is off: scripts/mariadb turns it on")
    }
}

/// When the test's changes were committed (set once, from the target's hook).
final class CommitRecorder: Sendable {
    private let state = Mutex<(claimed: Bool, before: BinlogCoordinates?, done: Bool)>((false, nil, false))

    /// True the first time only.
    func claim() -> Bool {
        state.withLock { value in
            defer { value.claimed = true }
            return !value.claimed
        }
    }

    var before: BinlogCoordinates? {
        get { state.withLock { $0.before } }
        set { state.withLock { $0.before = newValue } }
    }

    var done: Bool {
        get { state.withLock { $0.done } }
        set { state.withLock { $0.done = newValue } }
    }
}

/// A table in memory whose batch writes run a hook first.
final class InMemoryTarget: ItemWriteTarget {
    private let stored = Mutex<[ItemKey: Item]>([:])
    private let beforeFirstBatch: @Sendable () async throws -> Void

    init(beforeFirstBatch: @escaping @Sendable () async throws -> Void) {
        self.beforeFirstBatch = beforeFirstBatch
    }

    func items() -> [ItemKey: Item] { stored.withLock { $0 } }

    func batchPut(_ items: [Item]) async throws(WriteTargetError) -> [Item] {
        do {
            try await beforeFirstBatch()
        } catch {
            throw WriteTargetError(.rejected, "hook failed: \(error)")
        }
        stored.withLock { table in
            for item in items { if let key = ItemKey(item: item) { table[key] = item } }
        }
        return []
    }

    func put(_ item: Item) async throws(WriteTargetError) {
        stored.withLock { table in if let key = ItemKey(item: item) { table[key] = item } }
    }

    func putIfNewer(_ item: Item, version: String) async throws(WriteTargetError) -> VersionedWriteOutcome {
        try await put(item)
        return .applied
    }

    func tombstoneIfNewer(key: ItemKey, version: String, ttl: Int64) async throws(WriteTargetError) -> VersionedWriteOutcome {
        .applied
    }
}
