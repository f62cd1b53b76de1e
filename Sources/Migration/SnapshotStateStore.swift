import DMSStaging
import Foundation
import MigrationCore
import NIOCore

/// The state a direct snapshot load keeps under its state location:
/// `{prefix}snapshot.json` (the position the change stream starts from) and
/// `{prefix}snapshot-checkpoints/{TABLE}.json` (per-table progress).
public struct SnapshotStateStore: Sendable {
    let store: any ObjectStore
    /// Ends with `/` (or is empty).
    public let prefix: String

    /// Where change streams keep their checkpoints under the same state
    /// location (`apply` writes `change-checkpoints/`, `stream` writes
    /// `changes/binlog.json`): any object there means changes were applied.
    public static let changeCheckpointPrefixes = ["change-checkpoints/", "changes/"]

    public init(store: any ObjectStore, prefix: String) {
        self.store = store
        self.prefix = StagingLocation.folder(prefix)
    }

    var positionKey: String { prefix + SnapshotPosition.stateKey }
    func checkpointKey(table: String) -> String { prefix + "snapshot-checkpoints/" + table + ".json" }

    public func position() async throws -> SnapshotPosition? {
        try await read(SnapshotPosition.self, key: positionKey)
    }

    public func save(_ position: SnapshotPosition) async throws {
        try await write(position, key: positionKey)
    }

    public func checkpoint(table: String) async throws -> SnapshotTableCheckpoint? {
        try await read(SnapshotTableCheckpoint.self, key: checkpointKey(table: table))
    }

    public func save(_ checkpoint: SnapshotTableCheckpoint) async throws {
        try await write(checkpoint, key: checkpointKey(table: checkpoint.table))
    }

    /// Every table checkpoint (for `status`).
    public func allCheckpoints() async throws -> [SnapshotTableCheckpoint] {
        var result: [SnapshotTableCheckpoint] = []
        for object in try await store.list(prefix: prefix + "snapshot-checkpoints/") where object.key.hasSuffix(".json") {
            if let checkpoint = try? await read(SnapshotTableCheckpoint.self, key: object.key) { result.append(checkpoint) }
        }
        return result
    }

    /// Removes the position and every table checkpoint (`--restart`).
    public func reset() async throws {
        for object in try await store.list(prefix: prefix + "snapshot-checkpoints/") {
            try await store.delete(key: object.key)
        }
        if try await store.head(key: positionKey) != nil { try await store.delete(key: positionKey) }
    }

    /// The keys of change-stream checkpoints under the same state location.
    public func changeCheckpointKeys() async throws -> [String] {
        var keys: [String] = []
        for name in Self.changeCheckpointPrefixes {
            keys += try await store.list(prefix: prefix + name).map(\.key)
        }
        return keys
    }

    private func read<T: Decodable>(_ type: T.Type, key: String) async throws -> T? {
        try await store.readJSON(type, key: key)
    }

    private func write(_ value: some Encodable, key: String) async throws {
        try await store.writeJSON(value, key: key)
    }
}
