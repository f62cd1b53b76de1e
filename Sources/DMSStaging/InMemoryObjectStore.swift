import NIOConcurrencyHelpers
import NIOCore

/// An object store in memory, for tests. Reads are streamed in chunks of
/// `chunkSize` bytes, so a small chunk size exercises chunk-boundary handling.
public final class InMemoryObjectStore: ObjectStore {
    private let objects = NIOLockedValueBox<[String: ByteBuffer]>([:])
    /// Bytes per chunk handed to `withObject` bodies.
    public let chunkSize: Int

    public init(chunkSize: Int = 256 * 1024) {
        precondition(chunkSize > 0, "chunkSize must be positive")
        self.chunkSize = chunkSize
    }

    public func list(prefix: String) async throws -> [ObjectInfo] {
        let snapshot = objects.withLockedValue { $0 }
        return
            snapshot
            .filter { $0.key.hasPrefix(prefix) }
            .map { ObjectInfo(key: $0.key, size: Int64($0.value.readableBytes)) }
            .sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    }

    public func withObject<Result>(
        key: String,
        _ body: (ObjectByteStream) async throws -> Result
    ) async throws -> Result {
        guard let bytes = objects.withLockedValue({ $0[key] }) else {
            throw ObjectStoreError.notFound(key)
        }
        let chunkSize = self.chunkSize
        let stream = ObjectByteStream(makeNext: {
            var remaining = bytes
            return {
                guard remaining.readableBytes > 0 else { return nil }
                return remaining.readSlice(length: min(chunkSize, remaining.readableBytes))
            }
        })
        return try await body(stream)
    }

    public func put(key: String, bytes: ByteBuffer) async throws {
        objects.withLockedValue { $0[key] = bytes }
    }

    public func delete(key: String) async throws {
        _ = objects.withLockedValue { $0.removeValue(forKey: key) }
    }

    public func head(key: String) async throws -> ObjectInfo? {
        objects.withLockedValue { $0[key] }.map { ObjectInfo(key: key, size: Int64($0.readableBytes)) }
    }

    /// Every key, sorted: for test assertions.
    public var keys: [String] {
        objects.withLockedValue { Array($0.keys) }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}
