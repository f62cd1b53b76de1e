import AWSCore
import BillingModel
import DMSStaging
import DynamoDB
import DynamoDBModel
import Foundation
import Migration
import MigrationCore
import MySQLSource
import NIOCore
import SampleData
import Synchronization
import Testing

/// `billmig load --entity … --since … --until …` (issue 14's selective backfill)
/// against the private MariaDB, staged files and moto_server: only the chosen
/// rows reach the table, and a change newer than the backfill's rows is kept.
@Suite(.serialized)
struct BackfillIntegrationTests {
    static func folder(_ label: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("billmig-backfill-\(label)-\(UUID().uuidString)").path
    }

    /// The table's data items, `SourceVersion` left out (a backfill's versions are its own).
    static func dataItems(_ client: AWSClient, table: String) async throws -> [ItemKey: Item] {
        try await ExpectedTable.scan(DynamoDBClient(client: client), table: table).mapValues(withoutVersion)
    }

    static func withoutVersion(_ item: Item) -> Item {
        item.filter { $0.key != MigrationAttribute.sourceVersion }
    }

    /// The mapper's CHARGE items of `rows`, `SourceVersion` left out.
    static func chargeItems(_ rows: [SourceRow]) throws -> [ItemKey: Item] {
        let mapper = try ItemMapper(mapping: .billing)
        var items: [ItemKey: Item] = [:]
        for row in rows {
            let (key, item) = try mapper.item(table: "CHARGE", row: row, version: "0")
            items[key] = withoutVersion(item)
        }
        return items
    }

    static func expectSameItems(
        _ actual: [ItemKey: Item], _ expected: [ItemKey: Item], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(Set(actual.keys) == Set(expected.keys), "the table holds exactly the selected rows' items", sourceLocation: sourceLocation)
        let differing = expected.filter { key, item in actual[key].map { !ExpectedTable.equal($0, item) } ?? false }.map(\.key)
        #expect(differing.isEmpty, "items differ from their rows: \(differing.prefix(3))", sourceLocation: sourceLocation)
    }

    static let chargeColumns = Mapping.billing.table("CHARGE")!.columns.map(\.name)

    /// The month (first and last day) with the most charges.
    static func busiestMonth(_ connection: MySQLConnection) async throws -> (since: String, until: String) {
        let row = try #require(try await connection.query("""
            SELECT DATE_FORMAT(MIN(charge_creation_date), '%Y-%m-01'), LAST_DAY(MIN(charge_creation_date)) FROM CHARGE
            GROUP BY DATE_FORMAT(charge_creation_date, '%Y-%m') ORDER BY COUNT(*) DESC LIMIT 1
            """).rows.first)
        return (try #require(row[0].text), try #require(row[1].text))
    }

    /// The CHARGE rows of the range, as SQL selects them.
    static func charges(_ connection: MySQLConnection, since: String, until: String) async throws -> [SourceRow] {
        try await connection.query("""
            SELECT \(chargeColumns.map { "`\($0)`" }.joined(separator: ", ")) FROM CHARGE
            WHERE charge_creation_date BETWEEN '\(since)' AND '\(until)'
            """).rows
    }

    @Test func aMySQLBackfillLoadsOneMonthOfChargesAndKeepsAStreamChangeNewerThanItsSnapshot() async throws {
        try await MariaDBSupport.withFreshDatabase("backfill") { database in
            let data = SampleDataSet(.init(seed: 31, accounts: 3))
            try await MariaDBSupport.insert(data, into: database)
            let source = try await MariaDBSupport.url(database: database)
            let (since, until, month) = try await MariaDBSupport.withConnection(database: database) { connection in
                let (since, until) = try await Self.busiestMonth(connection)
                return (since, until, try await Self.charges(connection, since: since, until: until))
            }
            let allCharges = data.rowCounts[.charge] ?? 0
            #expect(month.count > 20 && month.count < allCharges, "a month holds some charges, not all")
            let state = Self.folder("mysql")
            defer { try? FileManager.default.removeItem(atPath: state) }

            try await LocalAWS.withMotoServer(authenticated: false) { aws in
                let env = SnapshotLoadIntegrationTests.environment(aws)
                let create = try await BillmigCLI.run(["table", "create", "--table", "Backfill1"], environment: env)
                #expect(create.status == 0, "\(create.stderr)")

                // Names and ranges the mapping cannot serve are refused, saying why.
                let unknown = try await BillmigCLI.run(
                    ["load", "--from", source, "--table", "Backfill1", "--state", state, "--entity", "CHARGES", "--quiet"], environment: env)
                #expect(unknown.status != 0)
                #expect(unknown.stderr.contains("it has BILLING_ACCOUNT, CUSTOMER"), "\(unknown.stderr)")
                let undated = try await BillmigCLI.run(
                    ["load", "--from", source, "--table", "Backfill1", "--state", state, "--entity", "CUSTOMER", "--since", since, "--quiet"],
                    environment: env)
                #expect(undated.status != 0)
                #expect(undated.stderr.contains("CUSTOMER has none"), "\(undated.stderr)")

                // One month of charges, read with a WHERE on the chunked scan.
                let load = try await BillmigCLI.run(
                    ["load", "--from", source, "--table", "Backfill1", "--state", state, "--entity", "CHARGE", "--since", since,
                     "--until", until, "--chunk-size", "50", "--json", "--quiet"],
                    environment: env)
                #expect(load.status == 0, "\(load.stderr)")
                let summary = try JSONDecoder().decode(LoadSummary.self, from: Data(load.stdout.utf8))
                #expect(summary.backfill == "CHARGE dated \(since)..\(until)")
                #expect(summary.entities.map(\.entity) == ["CHARGE"])
                #expect(summary.total.rowsRead == month.count && summary.total.itemsWritten == month.count)
                #expect(summary.total.skippedOutOfRange == 0 && summary.total.keptNewer == 0)
                // Its state is its own: the full load's (and the stream's start) is untouched.
                #expect(FileManager.default.fileExists(atPath: state + "/backfill/CHARGE_\(since)..\(until)/snapshot.json"))
                #expect(!FileManager.default.fileExists(atPath: state + "/snapshot.json"))

                try await AWSClient.withClient(aws.configuration) { client in
                    Self.expectSameItems(try await Self.dataItems(client, table: "Backfill1"), try Self.chargeItems(month))
                    let tracking = try await DynamoDBClient(client: client).queryAll(QueryInput(
                        tableName: "Backfill1", keyCondition: "PK = :pk", values: [":pk": .s(TrackingItem.partitionKey)]))
                        .map { try TrackingItem(item: $0) }
                    #expect(tracking.map(\.batchId) == ["BACKFILL-CHARGE_\(since)..\(until)-CHARGE"])
                }

                // Again, while the stream applies a change committed after this
                // backfill's snapshot: the change reaches the table first, and the
                // backfill's older copy of that row must not replace it.
                let changed = try #require(month.first)
                let ban = try #require(changed[0].text), sequence = try #require(changed[1].text), activity = try #require(changed[2].text)
                let streamState = Self.folder("stream")
                defer { try? FileManager.default.removeItem(atPath: streamState) }
                let changedKey = try #require(try Self.chargeItems([changed]).keys.first)
                // Something committed since the first backfill, so the second one's snapshot is newer.
                try await MariaDBSupport.withConnection(database: database) { connection in
                    _ = try await connection.execute("CREATE TABLE SCRATCH (n INT PRIMARY KEY)")
                    _ = try await connection.execute("INSERT INTO SCRATCH VALUES (1)")
                }
                try await AWSClient.withClient(aws.configuration) { client in
                    let streamed = CommitRecorder()
                    let target = BeforeFirstWrite(
                        of: changedKey, base: DynamoDBWriteTarget(aws: client, tableName: "Backfill1")
                    ) {
                        let start = try await MariaDBSupport.binlogEnd(database: database)
                        try await MariaDBSupport.withConnection(database: database) { connection in
                            _ = try await connection.execute("""
                                UPDATE CHARGE SET amount = amount + 1000 WHERE ban = \(ban) AND charge_seq = \(sequence) AND activity_num = '\(activity)'
                                """)
                        }
                        let stream = try await BillmigCLI.run(
                            ["stream", "--from", source, "--table", "Backfill1", "--state", streamState, "--start-position",
                             "\(start.file):\(start.position)", "--until-caught-up", "--quiet"],
                            environment: env)
                        #expect(stream.status == 0, "\(stream.stderr)")
                        streamed.done = true
                    }
                    var configuration = SnapshotLoadConfiguration(
                        connection: try await MariaDBSupport.configuration(database: database), tableName: "Backfill1", chunkSize: 50)
                    configuration.selection = try LoadSelection(entities: ["CHARGE"], since: since, until: until, mapping: .billing)
                    let again = try await SnapshotLoad(
                        configuration: configuration, target: target, state: StateLocation(store: InMemoryObjectStore(), prefix: "")
                    ).run()
                    #expect(streamed.done, "the stream ran before the backfill wrote the changed row")
                    #expect(again.status == .completed, "\(again.error ?? "")")
                    #expect(again.total.keptNewer == 1, "the changed row's item was newer")
                    #expect(again.total.itemsWritten == month.count - 1, "every other item is replaced by the newer snapshot's")

                    let after = try await MariaDBSupport.withConnection(database: database) { connection in
                        try await Self.charges(connection, since: since, until: until)
                    }
                    let table = try await Self.dataItems(client, table: "Backfill1")
                    Self.expectSameItems(table, try Self.chargeItems(after))
                    let before = try #require(try Self.chargeItems([changed])[changedKey])
                    #expect(table[changedKey].map { !ExpectedTable.equal($0, before) } == true, "the item holds the change")
                    let version = try await DynamoDBClient(client: client).getItem(
                        "Backfill1", key: ["PK": .s(changedKey.pk), "SK": .s(changedKey.sk)], consistentRead: true)?[MigrationAttribute.sourceVersion]
                    #expect(version?.stringValue?.hasPrefix("B") == true, "the stream's version stays: \(String(describing: version))")
                }

                // `migrate` with the same selection in its plan: the backfill is its last phase.
                let migrateState = Self.folder("migrate")
                defer { try? FileManager.default.removeItem(atPath: migrateState) }
                let plan = URL(fileURLWithPath: migrateState + ".json")
                defer { try? FileManager.default.removeItem(at: plan) }
                try Data(#"""
                    {"source": "\#(source)", "table": "Backfill1", "state": "\#(migrateState)", "tableStream": false,
                     "entities": ["CHARGE"], "since": "\#(since)", "until": "\#(until)"}
                    """#.utf8).write(to: plan)
                let migrate = try await BillmigCLI.run(["migrate", "--plan", plan.path, "--json", "--quiet"], environment: env)
                #expect(migrate.status == 0, "\(migrate.stdout.suffix(1500)) \(migrate.stderr.suffix(1500))")
                let report = try JSONDecoder().decode(MigrateCommandTests.Report.self, from: Data(migrate.stdout.utf8))
                #expect(report.readyToSwitch && report.history.map(\.phase) == [.source, .table, .fullLoad])
                #expect(FileManager.default.fileExists(atPath: migrateState + "/backfill/CHARGE_\(since)..\(until)/snapshot.json"))
            }
        }
    }

    @Test func aStagedBackfillReadsOnlyItsTablesFilesSkipsOtherDatesAndKeepsAnAppliedChange() async throws {
        let data = SampleDataSet(.init(seed: 32, accounts: 3))
        let charges = Array(data.rows(of: .charge))
        let dateIndex = try #require(Mapping.billing.table("CHARGE")?.columnIndex("charge_creation_date"))
        // The month with the most charges, its first and last day.
        let months = Dictionary(grouping: charges) { String(($0[dateIndex].text ?? "").prefix(7)) }
        let (monthName, month) = try #require(months.max { $0.value.count < $1.value.count })
        let since = monthName + "-01"
        let lastDay = try #require(DateRangeDays.lastDay(ofMonth: monthName))
        #expect(month.count > 20 && month.count < charges.count)
        let folder = Self.folder("staged")
        defer { try? FileManager.default.removeItem(atPath: folder) }

        try await LocalAWS.withMotoServer(authenticated: false) { aws in
            let env = aws.environment
            let create = try await BillmigCLI.run(["table", "create", "--table", "Backfill2"], environment: env)
            #expect(create.status == 0, "\(create.stderr)")
            let generate = try await BillmigCLI.run(
                ["generate", "--accounts", "3", "--seed", "32", "--to", folder, "--quiet"], environment: env)
            #expect(generate.status == 0, "\(generate.stderr)")
            let backfill = ["load", "--from", folder, "--table", "Backfill2", "--entity", "CHARGE", "--since", since, "--until", lastDay, "--json", "--quiet"]

            let load = try await BillmigCLI.run(backfill, environment: env)
            #expect(load.status == 0, "\(load.stderr)")
            let summary = try JSONDecoder().decode(LoadSummary.self, from: Data(load.stdout.utf8))
            #expect(summary.entities.map(\.entity) == ["CHARGE"], "only CHARGE's files are read")
            #expect(summary.total.rowsRead == charges.count)
            #expect(summary.total.skippedOutOfRange == charges.count - month.count)
            #expect(summary.total.itemsWritten == month.count && summary.total.deadLettered == 0)

            try await AWSClient.withClient(aws.configuration) { client in
                Self.expectSameItems(try await Self.dataItems(client, table: "Backfill2"), try Self.chargeItems(month))
            }

            // A change file applied to one of the month's charges: a change is newer
            // than any staged full-load row, so the backfill run again keeps it.
            var changed = try #require(month.first)
            let amountIndex = try #require(Mapping.billing.table("CHARGE")?.columnIndex("amount"))
            changed[amountIndex] = .text("4321.0000")
            var encoder = DMSFileEncoder(columns: Self.chargeColumns, kind: .changes, options: DMSWriteOptions())
            encoder.append(changed, operation: .update)
            let changeFile = URL(fileURLWithPath: folder + "/billing/CHARGE/20991231-235959000.csv")
            try Data(try encoder.takeFile().readableBytesView).write(to: changeFile)
            let apply = try await BillmigCLI.run(["apply", "--from", folder, "--table", "Backfill2", "--once", "--quiet"], environment: env)
            #expect(apply.status == 0, "\(apply.stderr)\(apply.stdout)")

            let again = try await BillmigCLI.run(backfill + ["--restart"], environment: env)
            #expect(again.status == 0, "\(again.stderr)")
            let second = try JSONDecoder().decode(LoadSummary.self, from: Data(again.stdout.utf8))
            #expect(second.total.keptNewer == 1)
            #expect(second.total.itemsWritten == month.count - 1, "the full-load-aged items are re-loaded")

            var expected = try Self.chargeItems(month)
            expected.merge(try Self.chargeItems([changed])) { $1 }
            try await AWSClient.withClient(aws.configuration) { client in
                Self.expectSameItems(try await Self.dataItems(client, table: "Backfill2"), expected)
            }

            // The text summary names the backfill and its skipped rows.
            let text = try await BillmigCLI.run(Array(backfill.dropLast(2)) + ["--dry-run"], environment: env)
            #expect(text.status == 0, "\(text.stderr)")
            #expect(text.stdout.contains("backfill of CHARGE dated \(since)..\(lastDay)") && text.stdout.contains("skipped (out of range)"), "\(text.stdout)")
        }
    }
}

/// The last day of a `YYYY-MM` month, for the test's range.
enum DateRangeDays {
    static func lastDay(ofMonth month: String) -> String? {
        let parts = month.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 2 else { return nil }
        let days = [31, parts[0] % 4 == 0 && (parts[0] % 100 != 0 || parts[0] % 400 == 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return month + "-" + String(days[parts[1] - 1])
    }
}

/// The table, with `hook` run (once) just before the first conditional write of `key`:
/// the test's way to land a stream change between a backfill's read and its write.
final class BeforeFirstWrite: ItemWriteTarget {
    let key: ItemKey
    let base: any ItemWriteTarget
    let hook: @Sendable () async throws -> Void
    private let ran = Mutex(false)

    init(of key: ItemKey, base: any ItemWriteTarget, hook: @escaping @Sendable () async throws -> Void) {
        self.key = key
        self.base = base
        self.hook = hook
    }

    func batchPut(_ items: [Item]) async throws(WriteTargetError) -> [Item] { try await base.batchPut(items) }

    func put(_ item: Item) async throws(WriteTargetError) { try await base.put(item) }

    func putIfNewer(_ item: Item, version: String) async throws(WriteTargetError) -> VersionedWriteOutcome {
        if ItemKey(item: item) == key, ran.withLock({ ran in defer { ran = true }; return !ran }) {
            do {
                try await hook()
            } catch {
                Issue.record("the hook failed: \(error)")
            }
        }
        return try await base.putIfNewer(item, version: version)
    }

    func tombstoneIfNewer(key: ItemKey, version: String, ttl: Int64) async throws(WriteTargetError) -> VersionedWriteOutcome {
        try await base.tombstoneIfNewer(key: key, version: version, ttl: ttl)
    }
}
