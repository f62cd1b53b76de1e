import BillingModel
import DMSStaging
import DynamoDBModel
import CompressNIO
import Migration
import MigrationCore
import NIOCore
import Testing

@Suite struct FullLoadTests {
    static let accounts = """
        1001,I,01,O,2024-01-01,MONTHLY,A,1500.00,USD,2020-05-01,2020-05-01 10:00:00.123,2024-01-01 00:00:00.000
        1002,B,02,S,2024-02-01,C05,,,EUR,2021-06-15,2021-06-15 08:30:00.000,2024-02-01 12:00:00.500
        1003,I,01,O,2024-01-01,MONTHLY
        1004,G,03,C,2023-12-31,C10,B,250000.99,USD,2019-01-01,2019-01-01 00:00:00.000,2023-12-31 23:59:59.999

        """
    static let charges = """
        1001,1,A1,5551234567,VOICE,2024-01-03,12.5000,1.2500,1,"Call to ""Paris"", FR",2024-01-03 10:00:00.000,2024-01-03 10:00:00.000
        1001,2,A#2,5551234567,DATA,2024-01-04,-3.0000,0.0000,,credit,2024-01-04 10:00:00.000,2024-01-04 10:00:00.000
        1001,3,A3,,RECUR,2024-01-05,30.0000,3.0000,1,"monthly
        fee",2024-01-05 10:00:00.000,2024-01-05 10:00:00.000

        """

    static func stagedStore() async throws -> InMemoryObjectStore {
        let store = InMemoryObjectStore(chunkSize: 64)
        try await store.put(key: "dms/billing/BILLING_ACCOUNT/LOAD00000001.csv", bytes: Array(accounts.utf8))
        try await store.put(key: "dms/billing/CHARGE/LOAD00000001.csv", bytes: Array(charges.utf8))
        return store
    }

    static func configuration(restart: Bool = false) -> FullLoadConfiguration {
        FullLoadConfiguration(
            sourcePrefix: "dms", sourceDescription: "memory://dms", restart: restart,
            applier: .init(backoffBase: .milliseconds(1), backoffCap: .milliseconds(2)))
    }

    @Test func loadsEveryGoodRowAndDeadLettersTheRestWithReasons() async throws {
        let source = try await Self.stagedStore()
        let state = InMemoryObjectStore()
        let target = ScriptedWriteTarget()
        let load = FullLoad(configuration: Self.configuration(), source: source, target: target, state: StateLocation(store: state, prefix: "state"))
        let summary = try await load.run()

        #expect(summary.status == .completedWithDeadLetters)
        #expect(summary.total.rowsRead == 7)
        #expect(summary.total.itemsWritten == 5)
        #expect(summary.total.deadLettered == 2)
        #expect(summary.entities.map(\.entity) == ["BILLING_ACCOUNT", "CHARGE"])
        #expect(summary.files == .init(found: 2, skipped: 0, completed: 2))
        #expect(ExitStatus(summary.status) == .deadLettered)

        // The stored items are exactly what the mapper makes of those rows.
        let mapper = try ItemMapper(mapping: .billing)
        let expected = try mapper.item(
            table: "BILLING_ACCOUNT",
            row: Self.accounts.split(separator: "\n")[1].split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.isEmpty ? SourceValue.null : .text(String($0)) },
            version: "0")
        #expect(target.stored[expected.key] == expected.item)
        let accountCharge = target.stored[ItemKey(pk: "BAN#1001", sk: "CHARGE#00000000000000000003#A3")]
        #expect(accountCharge?["description"] == .s("monthly\nfee"))
        #expect(accountCharge?["GSI1PK"] == nil)

        // One tracking item per file, completed with its counts.
        let tracking = target.stored.filter { $0.key.pk == "MIGRATION#STATUS" }
        #expect(tracking.count == 2)
        #expect(tracking.values.allSatisfy { $0["Status"] == .s("COMPLETED") })

        let letters = try await DeadLetterStore(store: state, prefix: "state/dead-letters/").readAll()
        #expect(letters.count == 2)
        let parse = try #require(letters.first { $0.stage == .parse })
        #expect(parse.table == "BILLING_ACCOUNT")
        #expect(parse.line == 3)
        #expect(parse.raw?.hasPrefix("1003,I,01") == true)
        let map = try #require(letters.first { $0.stage == .map })
        #expect(map.line == 2)
        #expect(map.reason.contains("#"))
        #expect(map.values?[2] == "A#2")
    }

    /// Dead letters carry the run id of the task that wrote them and their
    /// batch (`{file}#{first record}`), the ids their log lines carry.
    @Test func deadLettersCarryTheRunAndTheirBatch() async throws {
        let source = try await Self.stagedStore()
        let state = InMemoryObjectStore()
        let load = FullLoad(configuration: Self.configuration(), source: source, target: ScriptedWriteTarget(), state: StateLocation(store: state, prefix: "s"))
        _ = try await LogContext.with([LogKey.runID: "run-1"]) { try await load.run() }
        let letters = try await DeadLetterStore(store: state, prefix: "s/dead-letters/").readAll()
        #expect(letters.count == 2)
        #expect(letters.allSatisfy { $0.runID == "run-1" })
        // Each file is one batch of fewer than 25 records.
        #expect(Set(letters.compactMap(\.batch)) == ["dms/billing/BILLING_ACCOUNT/LOAD00000001.csv#1", "dms/billing/CHARGE/LOAD00000001.csv#1"])
    }

    @Test func aSecondRunSkipsFinishedFilesAndRestartLoadsThemAgain() async throws {
        let source = try await Self.stagedStore()
        let state = InMemoryObjectStore()
        let first = ScriptedWriteTarget()
        _ = try await FullLoad(configuration: Self.configuration(), source: source, target: first, state: StateLocation(store: state, prefix: "s")).run()

        let second = ScriptedWriteTarget()
        let again = try await FullLoad(configuration: Self.configuration(), source: source, target: second, state: StateLocation(store: state, prefix: "s")).run()
        #expect(again.files == .init(found: 2, skipped: 2, completed: 0))
        #expect(second.calls == 0)
        // The summary still reports the whole load, from the checkpoints.
        #expect(again.total.itemsWritten == 5)
        #expect(again.total.deadLettered == 2)

        let third = ScriptedWriteTarget()
        let restarted = try await FullLoad(
            configuration: Self.configuration(restart: true), source: source, target: third, state: StateLocation(store: state, prefix: "s")
        ).run()
        #expect(restarted.files.completed == 2)
        #expect(third.stored.filter { $0.key.pk != "MIGRATION#STATUS" } == first.stored.filter { $0.key.pk != "MIGRATION#STATUS" })
        // Dead letters are rewritten, not duplicated.
        #expect(try await DeadLetterStore(store: state, prefix: "s/dead-letters/").readAll().count == 2)
    }

    /// A truncated `.csv.gz` among good files: the good files load, the damaged
    /// one loads up to the damage and is dead-lettered as a file (exit 3); a rerun
    /// reads it again without a second file record; once replaced, it loads whole.
    @Test func aDamagedFileIsADeadLetterNotAStop() async throws {
        // Enough rows for several deflate blocks, so the truncated stream still yields some.
        let count = 20_000
        let rows = (1...count).map {
            "1002,\($0),A\($0),,RECUR,2024-01-05,30.0000,3.0000,1,fee \($0),2024-01-05 10:00:00.000,2024-01-05 10:00:00.000\n"
        }.joined()
        var text = ByteBuffer(string: rows)
        let whole = try text.compress(with: .gzip())
        let truncated = whole.getSlice(at: whole.readerIndex, length: whole.readableBytes / 2)!
        let source = try await Self.stagedStore()
        let damagedKey = "dms/billing/CHARGE/LOAD00000002.csv.gz"
        try await source.put(key: damagedKey, bytes: truncated)
        let state = InMemoryObjectStore()
        let location = StateLocation(store: state, prefix: "s")
        func fileLetters() async throws -> [DeadLetterRecord] {
            try await DeadLetterStore(store: state, prefix: "s/dead-letters/").readAll().filter { $0.stage == .file }
        }
        func charges(_ target: ScriptedWriteTarget) -> Int {
            target.stored.keys.filter { $0.sk.hasPrefix("CHARGE#") && $0.pk == "BAN#1002" }.count
        }

        let target = ScriptedWriteTarget()
        let first = try await FullLoad(configuration: Self.configuration(), source: source, target: target, state: location).run()
        #expect(first.status == .completedWithDeadLetters && ExitStatus(first.status) == .deadLettered)
        #expect(first.files.damaged == [damagedKey])
        #expect(first.files.completed == 2, "both good files load")
        #expect(first.error == nil)
        let letters = try await fileLetters()
        #expect(letters.count == 1)
        let letter = try #require(letters.first)
        #expect(letter.source == damagedKey && letter.table == "CHARGE" && letter.reason.contains("replace the file"))
        let readBeforeDamage = try #require(letter.line)
        #expect(readBeforeDamage > 0 && readBeforeDamage < count)
        // Every record read before the damage is loaded.
        #expect(charges(target) == readBeforeDamage)
        let tracking = target.stored.filter { $0.key.pk == "MIGRATION#STATUS" }.values
        #expect(tracking.contains { $0["Status"] == .s("FAILED") && $0["ErrorDetails"]?.stringValue?.contains("could not be read") == true })

        // The same damaged file again: read again, still one file record.
        let again = try await FullLoad(configuration: Self.configuration(), source: source, target: ScriptedWriteTarget(), state: location).run()
        #expect(again.files.damaged == [damagedKey])
        #expect(try await fileLetters().count == 1)

        // Replaced by the whole file: it loads, and its file record is gone.
        try await source.put(key: damagedKey, bytes: whole)
        let replaced = ScriptedWriteTarget()
        let fixed = try await FullLoad(configuration: Self.configuration(), source: source, target: replaced, state: location).run()
        #expect(fixed.files.damaged.isEmpty)
        #expect(fixed.files.completed == 1 && fixed.files.skipped == 2)
        #expect(charges(replaced) == count)
        #expect(try await fileLetters().isEmpty)
    }

    @Test func resumesAFileFromItsCheckpointWithoutRewritingDoneRows() async throws {
        let source = try await Self.stagedStore()
        let state = InMemoryObjectStore()
        // A previous run got through the first two records of the charge file.
        let size = try #require(try await source.head(key: "dms/billing/CHARGE/LOAD00000001.csv")).size
        try await StateLocation(store: state, prefix: "s").write(
            FileCheckpoint(
                file: "dms/billing/CHARGE/LOAD00000001.csv", table: "CHARGE", size: size, etag: nil,
                state: .inProgress, recordsDone: 2, counts: .init(rowsRead: 2, itemsWritten: 1, deadLettered: 1),
                updatedAt: "earlier"),
            to: StateFolder.fileCheckpoints.file("dms/billing/CHARGE/LOAD00000001.csv"))
        let target = ScriptedWriteTarget()
        let summary = try await FullLoad(configuration: Self.configuration(), source: source, target: target, state: StateLocation(store: state, prefix: "s")).run()

        let charge = try #require(summary.entities.first { $0.entity == "CHARGE" })
        #expect(charge.rowsRead == 3)
        #expect(charge.itemsWritten == 2)
        #expect(charge.deadLettered == 1)
        let chargeItems = target.stored.keys.filter { $0.sk.hasPrefix("CHARGE#") }
        #expect(chargeItems == [ItemKey(pk: "BAN#1001", sk: "CHARGE#00000000000000000003#A3")])
    }

    @Test func aDryRunWritesNothingAndKeepsNoState() async throws {
        let source = try await Self.stagedStore()
        let state = InMemoryObjectStore()
        let target = ScriptedWriteTarget()
        var configuration = Self.configuration()
        configuration.dryRun = true
        let summary = try await FullLoad(configuration: configuration, source: source, target: target, state: StateLocation(store: state, prefix: "s")).run()
        #expect(summary.dryRun)
        #expect(summary.total.rowsRead == 7)
        #expect(summary.total.deadLettered == 2)
        // Items that would be written: checked, counted, never built.
        #expect(summary.total.itemsWritten == 5)
        #expect(target.calls == 0)
        #expect(state.keys.isEmpty)
    }
}
