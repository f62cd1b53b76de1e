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
        self.prefix = prefix.isEmpty || prefix.hasSuffix("/") ? prefix : prefix + "/"
    }

    func key(for file: String) -> String { prefix + file + ".json" }

    public func load(file: String) async throws -> FileCheckpoint? {
        guard try await store.head(key: key(for: file)) != nil else { return nil }
        let buffer = try await store.get(key: key(for: file))
        return try JSONDecoder().decode(FileCheckpoint.self, from: Data(buffer.readableBytesView))
    }

    public func save(_ checkpoint: FileCheckpoint) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try await store.put(key: key(for: checkpoint.file), bytes: ByteBuffer(bytes: try encoder.encode(checkpoint)))
    }

    /// Every checkpoint saved under the prefix (for `status`).
    public func all() async throws -> [FileCheckpoint] {
        var result: [FileCheckpoint] = []
        for object in try await store.list(prefix: prefix) where object.key.hasSuffix(".json") {
            let buffer = try await store.get(key: object.key)
            if let checkpoint = try? JSONDecoder().decode(FileCheckpoint.self, from: Data(buffer.readableBytesView)) {
                result.append(checkpoint)
            }
        }
        return result
    }
}
