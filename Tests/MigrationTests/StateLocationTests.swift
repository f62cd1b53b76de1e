import DMSStaging
import Foundation
@testable import Migration
import MigrationCore
import NIOCore
import Synchronization
import Testing

/// The state layer: one location type, typed keys, and the checkpointer's order.
@Suite struct StateLocationTests {
    /// An in-memory store that remembers the order of its writes.
    final class RecordingStore: ObjectStore {
        let base = InMemoryObjectStore()
        let puts = Mutex<[String]>([])

        func list(prefix: String) async throws -> [ObjectInfo] { try await base.list(prefix: prefix) }
        func withObject<Result>(key: String, _ body: (ObjectByteStream) async throws -> Result) async throws -> Result {
            try await base.withObject(key: key, body)
        }
        func put(key: String, bytes: ByteBuffer) async throws {
            puts.withLock { $0.append(key) }
            try await base.put(key: key, bytes: bytes)
        }
        func delete(key: String) async throws { try await base.delete(key: key) }
        func head(key: String) async throws -> ObjectInfo? { try await base.head(key: key) }
    }

    static func letter(_ line: Int) -> DeadLetterRecord {
        DeadLetterRecord(stage: .map, table: "BILL", source: "f", line: line, reason: "bad", at: "now")
    }

    @Test func thePrefixIsAFolderWhateverItWasGiven() {
        let store = InMemoryObjectStore()
        #expect(StateLocation(store: store, prefix: "run").prefix == "run/")
        #expect(StateLocation(store: store, prefix: "run/").prefix == "run/")
        #expect(StateLocation(store: store, prefix: "").prefix == "")
        #expect(StateLocation(store: store, prefix: "run").appending("stage/").key("binlog.json") == "run/stage/binlog.json")
        #expect(StateLocation(store: store, prefix: "run").deadLetters.prefix == "run/dead-letters/")
    }

    @Test func typedFilesRoundTripAtTheirDocumentedKeys() async throws {
        let state = StateLocation(store: InMemoryObjectStore(), prefix: "s")
        #expect(try await state.read(.binlogCheckpoint) == nil)
        let checkpoint = BinlogCheckpoint(file: "bin.000002", position: 77, source: "mysql://x")
        try await state.write(checkpoint, to: .binlogCheckpoint)
        #expect(try await state.read(.binlogCheckpoint) == checkpoint)
        #expect(try await state.store.exists(key: "s/changes/binlog.json"))
        let position = SnapshotPosition(binlogFile: "bin.000001", binlogPosition: 4, gtid: nil, source: "x", takenAt: "t")
        try await state.write(position, to: .snapshotPosition)
        #expect(try await state.store.exists(key: "s/snapshot.json"))
        try await state.remove(.snapshotPosition)
        #expect(try await state.read(.snapshotPosition) == nil)
    }

    @Test func readAllSkipsAnUnreadableObjectAndKeepsTheRest() async throws {
        let state = StateLocation(store: InMemoryObjectStore(), prefix: "s")
        try await state.write(ChangeCheckpoint(stream: "BILL"), to: StateFolder.changeCheckpoints.file("BILL"))
        try await state.store.put(key: "s/change-checkpoints/CHARGE.json", bytes: Array(#"{"not":"a checkpoint"}"#.utf8))
        #expect(try await state.readAll(.changeCheckpoints).map(\.stream) == ["BILL"])
        #expect(try await SnapshotStateStore(state).changeCheckpointKeys().count == 2)
    }

    @Test func theCheckpointerStoresTheDeadLettersBeforeTheWatermark() async throws {
        let store = RecordingStore()
        let checkpointer = Checkpointer(state: StateLocation(store: store, prefix: "s"))
        let checkpoint = BinlogCheckpoint(file: "bin.000002", position: 900, source: "x")
        try await checkpointer.save(
            checkpoint, to: .binlogCheckpoint,
            after: DeadLetterInterval([Self.letter(1), Self.letter(2)], folder: "binlog/bin.000002", fromRecord: 400))
        #expect(store.puts.withLock { $0 } == ["s/dead-letters/binlog/bin.000002/000000000400.jsonl", "s/changes/binlog.json"])
        #expect(try await checkpointer.deadLetters.readAll().count == 2)

        // No dead letters: only the watermark; no watermark yet: only the dead letters.
        try await checkpointer.save(checkpoint, to: .binlogCheckpoint, after: DeadLetterInterval([], folder: "f", fromRecord: 0))
        try await checkpointer.save(
            nil, to: StateFile<BinlogCheckpoint>.binlogCheckpoint, after: DeadLetterInterval([Self.letter(3)], folder: "f", fromRecord: 7))
        #expect(store.puts.withLock { Array($0.dropFirst(2)) } == ["s/changes/binlog.json", "s/dead-letters/f/000000000007.jsonl"])
    }
}
