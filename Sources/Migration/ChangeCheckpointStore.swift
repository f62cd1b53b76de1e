import DMSStaging
import Foundation
import MigrationCore
import NIOCore

/// The checkpoints of change application, one JSON object per stream (a source
/// table's change files, or the `CDC_TXN` files), under one prefix of an object
/// store (S3 in production), so that any machine can resume.
public struct ChangeCheckpointStore: Sendable {
    let store: any ObjectStore
    /// Ends with `/`.
    public let prefix: String

    public init(store: any ObjectStore, prefix: String) {
        self.store = store
        self.prefix = StagingLocation.folder(prefix)
    }

    func key(for stream: String) -> String { prefix + stream + ".json" }

    public func load(stream: String) async throws -> ChangeCheckpoint? {
        try await store.readJSON(ChangeCheckpoint.self, key: key(for: stream))
    }

    public func save(_ checkpoint: ChangeCheckpoint) async throws {
        try await store.writeJSON(checkpoint, key: key(for: checkpoint.stream))
    }

    /// Every checkpoint saved under the prefix (for `status`).
    public func all() async throws -> [ChangeCheckpoint] {
        var result: [ChangeCheckpoint] = []
        for object in try await store.list(prefix: prefix) where object.key.hasSuffix(".json") {
            // One unreadable checkpoint does not hide the others.
            do {
                if let checkpoint = try await store.readJSON(ChangeCheckpoint.self, key: object.key) { result.append(checkpoint) }
            } catch is DecodingError {}
        }
        return result
    }
}
