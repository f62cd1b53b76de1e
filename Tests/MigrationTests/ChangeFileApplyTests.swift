import MigrationTestSupport
import BillingModel
import DMSStaging
import DynamoDBModel
import Migration
import MigrationCore
import NIOCore
import Testing

@Suite struct ChangeFileApplyTests {
    static let mapper = try! ItemMapper(mapping: .billing)
    static let columns = Mapping.billing.table("SUBSCRIBER")!.columns.map(\.name)
    static let folder = "dms/billing/SUBSCRIBER/"

    static func configuration(
        polling: ChangeApplyConfiguration.Polling = .once, readOptions: DMSReadOptions = DMSReadOptions(),
        cdcPath: String? = nil
    ) -> ChangeApplyConfiguration {
        ChangeApplyConfiguration(
            sourcePrefix: "dms", sourceDescription: "memory://dms", readOptions: readOptions, cdcPath: cdcPath,
            polling: polling,
            applier: .init(lanes: 8, laneCapacity: 16, backoffBase: .milliseconds(1), backoffCap: .milliseconds(2)),
            checkpointInterval: .milliseconds(1))
    }

    /// Writes `changes` as one DMS change file per slice, named by consecutive timestamps.
    static func stage(
        _ slices: [[SourceChange]], in store: InMemoryObjectStore, options: DMSWriteOptions = DMSWriteOptions(),
        firstName: Int = 0
    ) async throws -> [String] {
        var keys: [String] = []
        for (index, slice) in slices.enumerated() {
            var encoder = DMSFileEncoder(columns: columns, kind: .changes, options: options)
            for change in slice {
                var sequence: String?
                if case .changeSequence(let value) = change.position { sequence = value }
                encoder.append(change.row, operation: change.operation, changeSequence: sequence)
            }
            let key = folder + "20240301-1000\(String(format: "%05d", firstName + index)).csv"
            try await store.put(key: key, bytes: try encoder.takeFile())
            keys.append(key)
        }
        return keys
    }

    /// The changes as a reader gets them back (their positions are file and line).
    static func readBack(_ keys: [String], from store: InMemoryObjectStore, options: DMSReadOptions = DMSReadOptions()) async throws -> [SourceChange] {
        var changes: [SourceChange] = []
        let layout = DMSTableLayout(table: "SUBSCRIBER", columns: columns)
        for key in keys {
            let file = try #require(DMSFile.classify(key: key, under: folder))
            let (records, _) = try DMSFileReader(options: options).records(in: try await store.get(key: key), file: file, table: layout)
            changes += records.compactMap(\.change)
        }
        return changes
    }

    /// A history without primary-key changes: DMS change files carry no before-image.
    static func workload(seed: UInt64, count: Int) -> [SourceChange] {
        ChangeWorkload(seed: seed, count: count, keys: 25).changes.filter {
            guard $0.operation == .update, let before = $0.before else { return true }
            return before[0] == $0.row[0] && before[1] == $0.row[1]
        }.map {
            var change = $0
            change.before = nil
            return change
        }
    }

    static func run(
        _ configuration: ChangeApplyConfiguration, source: InMemoryObjectStore, target: ScriptedWriteTarget,
        state: InMemoryObjectStore, stop: StopSignal = StopSignal()
    ) async throws -> ApplySummary {
        try await ChangeFileApply(
            configuration: configuration, source: source, target: target, state: StateLocation(store: state, prefix: "state"), stop: stop
        ).run()
    }

    /// Compares everything but tombstone expiry (the applier's clock runs).
    static func withoutTTL(_ table: [ItemKey: Item]) -> [ItemKey: Item] {
        table.mapValues {
            var item = $0
            item["TTL"] = nil
            return item
        }
    }

    @Test func appliesFilesInOrderCheckpointsAndSkipsThemNextTime() async throws {
        let changes = Self.workload(seed: 11, count: 300)
        let source = InMemoryObjectStore(chunkSize: 97)
        let keys = try await Self.stage(
            [Array(changes[..<100]), Array(changes[100..<200]), Array(changes[200...])], in: source)
        let state = InMemoryObjectStore()
        let target = ScriptedWriteTarget()

        let summary = try await Self.run(Self.configuration(), source: source, target: target, state: state)
        #expect(summary.status == .completed)
        #expect(summary.files == .init(found: 3, skipped: 0, applied: 3))
        #expect(summary.total.changesRead == changes.count)
        #expect(summary.total.applied + summary.total.skippedStale == changes.count)
        #expect(summary.entities.map(\.entity) == ["SUBSCRIBER"])
        #expect(ExitStatus(summary.status) == .success)

        let reference = try ChangeWorkload.reference(
            try await Self.readBack(keys, from: source), mapper: Self.mapper, ttl: 0)
        #expect(Self.withoutTTL(target.stored) == Self.withoutTTL(reference))

        let checkpoint = try #require(
            try await StateLocation(store: state, prefix: "state").read(StateFolder.changeCheckpoints.file("SUBSCRIBER")))
        #expect(checkpoint.lastFile?.key == keys[2])
        #expect(checkpoint.inProgress == nil)
        #expect(checkpoint.counts["SUBSCRIBER"]?.changesRead == changes.count)

        let writes = target.versionedWrites.count
        let again = try await Self.run(Self.configuration(), source: source, target: target, state: state)
        #expect(again.status == .completed)
        #expect(again.files == .init(found: 3, skipped: 3, applied: 0))
        #expect(again.total.changesRead == 0)
        #expect(target.versionedWrites.count == writes)
    }

    @Test func resumesInsideTheFileItsCheckpointPointsInto() async throws {
        let changes = Self.workload(seed: 12, count: 60)
        let source = InMemoryObjectStore()
        let keys = try await Self.stage([Array(changes[..<30]), Array(changes[30...])], in: source)
        let state = InMemoryObjectStore()
        let file = ChangeCheckpoint.FilePosition(order: "20240301-100000000", key: keys[0])
        try await StateLocation(store: state, prefix: "state").write(
            ChangeCheckpoint(stream: "SUBSCRIBER", inProgress: .init(file: file, recordsDone: 20)),
            to: StateFolder.changeCheckpoints.file("SUBSCRIBER"))

        let target = ScriptedWriteTarget()
        let summary = try await Self.run(Self.configuration(), source: source, target: target, state: state)
        #expect(summary.total.changesRead == changes.count - 20)
        #expect(summary.files.applied == 2)
        // Nothing of the first 20 records of the first file was written again.
        let firstFile = "F20240301-100000000#"
        let lines = target.versionedWrites.map(\.version).filter { $0.hasPrefix(firstFile) }.map {
            Int($0.dropFirst(firstFile.count))!
        }
        #expect(lines.count >= 10)
        #expect(lines.allSatisfy { $0 > 20 })
    }

    @Test func shuffledAcrossFilesAndAppliedTwiceEndsLikeInOrder() async throws {
        // With a change-sequence column, the sequence orders changes, not the files.
        let changes = Self.workload(seed: 13, count: 240)
        let sequenced = DMSWriteOptions(changeSequenceColumnName: "change_seq")
        let readOptions = DMSReadOptions(changeSequenceColumnName: "change_seq")
        let reference = try ChangeWorkload.reference(changes, mapper: Self.mapper, ttl: 0)

        var random = SeededGenerator(seed: 99)
        let shuffled = changes.shuffled(using: &random)
        let source = InMemoryObjectStore()
        _ = try await Self.stage(
            [Array(shuffled[..<80]), Array(shuffled[80..<160]), Array(shuffled[160...]), Array(changes.reversed())],
            in: source, options: sequenced)
        let target = ScriptedWriteTarget()
        let summary = try await Self.run(
            Self.configuration(readOptions: readOptions), source: source, target: target, state: InMemoryObjectStore())
        #expect(summary.status == .completed)
        #expect(summary.total.changesRead == 2 * changes.count)
        #expect(summary.total.skippedStale >= changes.count)
        #expect(Self.withoutTTL(target.stored) == Self.withoutTTL(reference))
    }

    @Test func deadLettersChangesThatCannotBeReadOrMapped() async throws {
        let good = Self.workload(seed: 14, count: 10)
        let source = InMemoryObjectStore()
        let keys = try await Self.stage([good], in: source)
        var bytes = try await source.get(key: keys[0])
        bytes.writeString("I,555#9,1,A,2024-03-01,C,PLAN1,,2024-01-01 00:00:00.000,2024-01-01 00:00:00.000\n")
        bytes.writeString("U,5550001,1,A\n")
        try await source.put(key: keys[0], bytes: bytes)
        let state = InMemoryObjectStore()

        let summary = try await Self.run(Self.configuration(), source: source, target: ScriptedWriteTarget(), state: state)
        #expect(summary.status == .completedWithDeadLetters)
        #expect(summary.total.deadLettered == 2)
        #expect(summary.total.changesRead == good.count + 2)
        #expect(summary.deadLetterLocation == "state/dead-letters/")
        #expect(ExitStatus(summary.status) == .deadLettered)

        let letters = try await DeadLetterStore(store: state, prefix: "state/dead-letters/").readAll()
        #expect(letters.count == 2)
        let map = try #require(letters.first { $0.stage == .map })
        #expect(map.line == good.count + 1)
        #expect(map.values?.first == "555#9")
        #expect(map.columns == Self.columns)
        let parse = try #require(letters.first { $0.stage == .parse })
        #expect(parse.line == good.count + 2)
        #expect(parse.raw?.hasPrefix("U,5550001") == true)
        // A DMS change is its own batch: the file and its record.
        #expect(map.batch == "\(keys[0])#\(good.count + 1)" && parse.batch == "\(keys[0])#\(good.count + 2)")

        // A rerun finds the file applied and the dead letters kept once.
        _ = try await Self.run(Self.configuration(), source: source, target: ScriptedWriteTarget(), state: state)
        #expect(try await DeadLetterStore(store: state, prefix: "state/dead-letters/").readAll().count == 2)
    }

    @Test func aRunStoppedByAnOutageResumesToTheSameTableWithEveryDeadLetterOnce() async throws {
        let changes = Self.workload(seed: 16, count: 400)
        let source = InMemoryObjectStore()
        let keys = try await Self.stage([Array(changes[..<200]), Array(changes[200...])], in: source)
        // Two unmappable rows, one early in each file.
        for key in keys {
            var bytes = try await source.get(key: key)
            let rows = bytes.readString(length: bytes.readableBytes)!.split(separator: "\n", omittingEmptySubsequences: false)
            var edited = Array(rows)
            edited.insert("I,555#1,1,A,2024-03-01,C,PLAN1,,2024-01-01 00:00:00.000,2024-01-01 00:00:00.000", at: 5)
            try await source.put(key: key, bytes: Array(edited.joined(separator: "\n").utf8))
        }
        let mappable = try await Self.readBack(keys, from: source).filter { (try? Self.mapper.map($0)) != nil }
        #expect(mappable.count == changes.count)
        let reference = try ChangeWorkload.reference(mappable, mapper: Self.mapper, ttl: 0)
        let state = InMemoryObjectStore()
        var configuration = Self.configuration()
        configuration.applier.outageTolerance = .milliseconds(20)
        configuration.applier.lanes = 4
        configuration.applier.laneCapacity = 2

        // The table goes away after 250 writes: the run stops, its checkpoint mid-way.
        let target = ScriptedWriteTarget(
            answers: Array(repeating: .acceptAll, count: 250)
                + Array(repeating: .fail(WriteTargetError(.transient, "connection refused")), count: 100_000))
        let failed = try await Self.run(configuration, source: source, target: target, state: state)
        #expect(failed.status == .failed)
        #expect(failed.error?.contains("unreachable") == true)
        #expect(ExitStatus(failed.status) == .failure)
        let checkpoint = try await StateLocation(store: state, prefix: "state").read(StateFolder.changeCheckpoints.file("SUBSCRIBER"))
        #expect(checkpoint?.inProgress != nil)
        #expect((checkpoint?.counts["SUBSCRIBER"]?.changesRead ?? 0) < changes.count + 2)

        target.script([])
        let resumed = try await Self.run(configuration, source: source, target: target, state: state)
        // A summary counts its own run: together the two runs read every change once.
        #expect(failed.total.changesRead + resumed.total.changesRead == changes.count + 2)
        #expect(failed.total.deadLettered + resumed.total.deadLettered == 2)
        #expect(resumed.status == (resumed.total.deadLettered > 0 ? .completedWithDeadLetters : .completed))
        #expect(Self.withoutTTL(target.stored) == Self.withoutTTL(reference))
        let total = try #require(
            try await StateLocation(store: state, prefix: "state").read(StateFolder.changeCheckpoints.file("SUBSCRIBER")))
        #expect(total.lastFile?.key == keys[1])
        // Over both runs every change is counted once: the checkpoint counts only what it covers.
        #expect(total.counts["SUBSCRIBER"]?.changesRead == changes.count + 2)
        #expect(total.counts["SUBSCRIBER"]?.deadLettered == 2)
        let letters = try await DeadLetterStore(store: state, prefix: "state/dead-letters/").readAll()
        #expect(letters.count == 2)
        #expect(Set(letters.map(\.source)) == Set(keys))
    }

    @Test func readsTransactionFilesOfACdcPath() async throws {
        let source = InMemoryObjectStore()
        let rows = [
            ("I", ChangeWorkload.row("5550001", ban: 1, status: "A", plan: "PLAN1", sequence: 1)),
            ("U", ChangeWorkload.row("5550001", ban: 1, status: "S", plan: "PLAN1", sequence: 2)),
            ("I", ChangeWorkload.row("5550002", ban: 1, status: "A", plan: "PLAN1", sequence: 3)),
            ("D", ChangeWorkload.row("5550002", ban: 1, status: "A", plan: "PLAN1", sequence: 4)),
        ]
        let lines = rows.map { op, row in
            DMSCSVEncoder.line([.text(op), .text("SUBSCRIBER"), .text("billing")] + row)
        }
        try await source.put(key: "dms/cdc/CDC_TXN-20240301-100000000.csv", bytes: Array((lines[0...1].joined(separator: "\n") + "\n").utf8))
        try await source.put(key: "dms/cdc/CDC_TXN-20240301-100000001.csv", bytes: Array((lines[2...3].joined(separator: "\n") + "\n").utf8))
        let state = InMemoryObjectStore()
        let target = ScriptedWriteTarget()
        let summary = try await Self.run(Self.configuration(cdcPath: "cdc"), source: source, target: target, state: state)
        #expect(summary.status == .completed)
        #expect(summary.files.applied == 2)
        #expect(summary.total.changesRead == 4)
        #expect(target.stored[ItemKey(pk: "BAN#1", sk: "SUB#5550001")]?["sub_status"] == .s("S"))
        #expect(target.stored[ItemKey(pk: "BAN#1", sk: "SUB#5550002")].map(TombstoneBuilder.isTombstone) == true)
        let checkpoint = try await StateLocation(store: state, prefix: "state").read(StateFolder.changeCheckpoints.file(ChangeFileApply.transactionStream))
        #expect(checkpoint?.lastFile?.key == "dms/cdc/CDC_TXN-20240301-100000001.csv")
    }

    @Test func pollingPicksUpNewFilesUntilStopped() async throws {
        let changes = Self.workload(seed: 15, count: 40)
        let source = InMemoryObjectStore()
        _ = try await Self.stage([Array(changes[..<20])], in: source)
        let target = ScriptedWriteTarget()
        let stop = StopSignal()
        let apply = ChangeFileApply(
            configuration: Self.configuration(polling: .every(.milliseconds(20))), source: source, target: target,
            state: StateLocation(store: InMemoryObjectStore(), prefix: "state"), stop: stop)

        let summary = try await withThrowingTaskGroup(of: ApplySummary?.self) { group in
            group.addTask { try await apply.run() }
            try await Self.waitUntil { apply.progress.snapshot().filesDone == 1 }
            _ = try await Self.stage([Array(changes[20...])], in: source, firstName: 1)
            try await Self.waitUntil { apply.progress.snapshot().filesDone == 2 }
            stop.stop()
            return try await group.next()!
        }
        let result = try #require(summary)
        #expect(result.status == .completed)
        #expect(result.stopped)
        #expect(result.passes >= 2)
        #expect(result.files == .init(found: 2, skipped: 0, applied: 2))
        #expect(result.total.changesRead == changes.count)
    }

    static func waitUntil(_ condition: () -> Bool) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        while !condition() {
            guard clock.now < deadline else {
                Issue.record("condition not met in time")
                return
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
