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
        self.prefix = prefix.isEmpty || prefix.hasSuffix("/") ? prefix : prefix + "/"
    }

    func key(for stream: String) -> String { prefix + stream + ".json" }

    public func load(stream: String) async throws -> ChangeCheckpoint? {
        guard try await store.head(key: key(for: stream)) != nil else { return nil }
        let buffer = try await store.get(key: key(for: stream))
        return try JSONDecoder().decode(ChangeCheckpoint.self, from: Data(buffer.readableBytesView))
    }

    public func save(_ checkpoint: ChangeCheckpoint) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try await store.put(key: key(for: checkpoint.stream), bytes: ByteBuffer(bytes: try encoder.encode(checkpoint)))
    }

    /// Every checkpoint saved under the prefix (for `status`).
    public func all() async throws -> [ChangeCheckpoint] {
        var result: [ChangeCheckpoint] = []
        for object in try await store.list(prefix: prefix) where object.key.hasSuffix(".json") {
            let buffer = try await store.get(key: object.key)
            if let checkpoint = try? JSONDecoder().decode(ChangeCheckpoint.self, from: Data(buffer.readableBytesView)) {
                result.append(checkpoint)
            }
        }
        return result
    }
}
