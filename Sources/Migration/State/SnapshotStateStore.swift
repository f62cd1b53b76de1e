import DMSStaging
import Foundation
import MigrationCore

/// The state a direct snapshot load keeps under its state location:
/// `{prefix}snapshot.json` (the position the change stream starts from) and
/// `{prefix}snapshot-checkpoints/{TABLE}.json` (per-table progress).
public struct SnapshotStateStore: Sendable {
    public let state: StateLocation

    public init(_ state: StateLocation) {
        self.state = state
    }

    public init(store: any ObjectStore, prefix: String) {
        self.init(StateLocation(store: store, prefix: prefix))
    }

    public func position() async throws -> SnapshotPosition? {
        try await state.read(.snapshotPosition)
    }

    public func save(_ position: SnapshotPosition) async throws {
        try await state.write(position, to: .snapshotPosition)
    }

    public func checkpoint(table: String) async throws -> SnapshotTableCheckpoint? {
        try await state.read(StateFolder.snapshotCheckpoints.file(table))
    }

    /// Every table checkpoint (for `status`).
    public func allCheckpoints() async throws -> [SnapshotTableCheckpoint] {
        try await state.readAll(.snapshotCheckpoints)
    }

    /// Removes the position and every table checkpoint (`--restart`).
    public func reset() async throws {
        try await state.removeAll(.snapshotCheckpoints)
        try await state.remove(.snapshotPosition)
    }

    /// The keys of change-stream checkpoints under the same state location.
    public func changeCheckpointKeys() async throws -> [String] {
        var keys: [String] = []
        for folder in ChangeStateFolders.all { keys += try await state.keys(in: folder) }
        return keys
    }
}
