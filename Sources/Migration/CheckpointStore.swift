import DMSStaging
import Foundation
import MigrationCore
import NIOCore

/// Per-file checkpoints of a full load, as JSON objects under one prefix of an
/// object store (S3 in production), so that any machine can resume the load.
public struct CheckpointStore: Sendable {
    let store: any ObjectStore
    /// Ends with `/`.
    let prefix: String

    public init(store: any ObjectStore, prefix: String) {
        self.store = store
        self.prefix = StagingLocation.folder(prefix)
    }

    func key(for file: String) -> String { prefix + file + ".json" }

    public func load(file: String) async throws -> FileCheckpoint? {
        try await store.readJSON(FileCheckpoint.self, key: key(for: file))
    }

    public func save(_ checkpoint: FileCheckpoint) async throws {
        try await store.writeJSON(checkpoint, key: key(for: checkpoint.file))
    }

    /// Every checkpoint saved under the prefix (for `status`).
    public func all() async throws -> [FileCheckpoint] {
        var result: [FileCheckpoint] = []
        for object in try await store.list(prefix: prefix) where object.key.hasSuffix(".json") {
            // One unreadable checkpoint does not hide the others.
            do {
                if let checkpoint = try await store.readJSON(FileCheckpoint.self, key: object.key) { result.append(checkpoint) }
            } catch is DecodingError {}
        }
        return result
    }
}
