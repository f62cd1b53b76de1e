import BillingModel
import DMSStaging
import DynamoDBModel
import MigrationCore
import MigrationTestSupport
import MySQLSource
import Testing
@testable import Migration

/// The forward stream's versions across write switches: a change after a
/// rollback's start position carries MySQL's new epoch and wins over the service's
/// writes of the DynamoDB epoch; a change before it keeps epoch 0 and loses.
@Suite struct StreamVersionTests {
    /// The history a rollback recorded, as the cutover state would give it.
    struct RecordedEpochs: SwitchEpochSource {
        let history: SwitchEpochHistory
        func switchEpochs() async throws -> SwitchEpochHistory { history }
    }

    static func at(_ position: UInt64) -> BinlogCoordinates { BinlogCoordinates(file: "bin.000001", position: position) }

    static func subscriber(_ number: String, status: String) -> SourceRow {
        ChangeWorkload.row(number, ban: 100, status: status, plan: "PLAN1", sequence: 1)
    }

    static func update(_ number: String, to status: String, at coordinates: BinlogCoordinates, row: Int = 0) -> SourceChange {
        SourceChange(
            table: "SUBSCRIBER", operation: .update, row: subscriber(number, status: status), before: subscriber(number, status: "A"),
            position: coordinates.sourcePosition(rowIndex: row), origin: RowOrigin(source: "test", line: row))
    }

    /// Reads the scripted binlog to position 700 into `target`.
    static func stream(_ target: ScriptedWriteTarget, epochs: any SwitchEpochSource) async throws -> StreamSummary {
        let source = ScriptedBinlogSource([
            .init(
                batches: [
                    [.changes([update("7", to: "C", at: at(300)), update("8", to: "C", at: at(300), row: 1)])],
                    [.commit(resumeAt: at(400), gtid: nil)],
                    [.changes([update("7", to: "R", at: at(600))])], [.commit(resumeAt: at(700), gtid: nil)],
                ], dropsAtEnd: false)
        ])
        let configuration = BinlogStreamConfiguration(
            connection: StreamPartsTests.connection, start: .coordinates(file: "bin.000001", position: 4),
            stop: .stopAt(file: "bin.000001", position: 700))
        return try await BinlogChangeStream(
            configuration: configuration, target: target, state: StateLocation(store: InMemoryObjectStore(), prefix: "s"),
            events: source, epochs: epochs
        ).run()
    }

    @Test func afterARollbackMySQLChangesWinOverTheServicesWritesAndOlderOnesDoNot() async throws {
        let mapper = try ItemMapper(mapping: .billing)
        let serviceVersion = ItemVersion(epoch: SwitchEpoch(1), position: .applicationClock(1_800_000_000_000_000)).orderingKey
        let target = ScriptedWriteTarget()
        target.seed(try ["7", "8"].map { try mapper.item(table: "SUBSCRIBER", row: Self.subscriber($0, status: "S"), version: serviceVersion).item })

        var history = SwitchEpochHistory()
        history.switchToDynamoDB()
        history.switchToMySQL(resumingAt: Self.at(500).sourcePosition(rowIndex: 0))
        let summary = try await Self.stream(target, epochs: RecordedEpochs(history: history))
        #expect(summary.total.applied == 1 && summary.total.skippedStale == 2, "\(summary.total)")

        let epochTwo = ItemVersion(epoch: SwitchEpoch(2), position: .source(Self.at(600).sourcePosition(rowIndex: 0))).orderingKey
        // Writes to different items run in parallel lanes: compare them unordered.
        #expect(
            Set(target.versionedWrites.map(\.version))
                == [Self.at(300).sourcePosition(rowIndex: 0).orderingKey, Self.at(300).sourcePosition(rowIndex: 1).orderingKey, epochTwo])
        let updated = try mapper.item(table: "SUBSCRIBER", row: Self.subscriber("7", status: "R"), version: epochTwo)
        #expect(target.stored[updated.key] == updated.item)
        let untouched = try mapper.item(table: "SUBSCRIBER", row: Self.subscriber("8", status: "S"), version: serviceVersion)
        #expect(target.stored[untouched.key] == untouched.item)
    }

    @Test func withoutASwitchEveryVersionIsTheBinlogPositionAsBefore() async throws {
        let target = ScriptedWriteTarget()
        let summary = try await Self.stream(target, epochs: InitialEpochOnly())
        #expect(summary.total.applied == 3)
        #expect(
            Set(target.versionedWrites.map(\.version))
                == Set([Self.at(300).sourcePosition(rowIndex: 0), Self.at(300).sourcePosition(rowIndex: 1), Self.at(600).sourcePosition(rowIndex: 0)].map(\.orderingKey)))
    }
}

/// The stream's saves: dead letters stored before their transaction's checkpoint
/// are written again with it, never overwritten away by the next save.
@Suite struct StreamSaveTests {
    @Test func deadLettersSavedBeforeTheirCheckpointAreKeptForIt() {
        let configuration = BinlogStreamConfiguration(
            connection: StreamPartsTests.connection, start: .coordinates(file: "bin.000001", position: 4))
        let stream = BinlogChangeStream(
            configuration: configuration, target: ScriptedWriteTarget(), state: StateLocation(store: InMemoryObjectStore(), prefix: "s"))
        let state = BinlogStreamState(
            start: .init(position: .coordinates(StreamVersionTests.at(4)), origin: .snapshot, checkpoint: nil), heartbeat: false,
            clock: ContinuousClock())
        let tracker = BinlogChangeStream.Tracker()
        tracker.reject(
            mark: .change, entity: "SUBSCRIBER",
            context: ChangeContext(stage: .map, origin: RowOrigin(source: "test", line: 1), row: nil, raw: nil), reason: "bad value")
        state.absorb(tracker.takeSettled(), stream: stream)
        let (early, _, noCheckpoint) = state.takeForSave(source: "test")
        #expect(early.count == 1 && noCheckpoint == nil, "the letter is stored early, the position has not moved")

        tracker.mark(.commit(StreamVersionTests.at(400), gtid: nil, commitTime: 0, changes: 1, heartbeat: nil))
        state.absorb(tracker.takeSettled(), stream: stream)
        let (withCheckpoint, _, checkpoint) = state.takeForSave(source: "test")
        #expect(checkpoint != nil)
        #expect(withCheckpoint.count == 1, "the same interval's object is written again with its letter")
    }
}
