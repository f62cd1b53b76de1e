import DMSStaging
import NIOCore

/// An object store that adds the bytes read through it to a load's progress,
/// so the ETA follows the bytes of the staged files.
struct CountingObjectStore: ObjectStore {
    let base: any ObjectStore
    let progress: LoadProgress

    func list(prefix: String) async throws -> [ObjectInfo] {
        try await base.list(prefix: prefix)
    }

    func withObject<Result>(key: String, _ body: (ObjectByteStream) async throws -> Result) async throws -> Result {
        try await base.withObject(key: key) { stream in
            let progress = self.progress
            return try await body(ObjectByteStream(makeNext: {
                var iterator = stream.makeAsyncIterator()
                return {
                    let chunk = try await iterator.next()
                    if let chunk { progress.addBytes(Int64(chunk.readableBytes)) }
                    return chunk
                }
            }))
        }
    }

    func put(key: String, bytes: ByteBuffer) async throws {
        try await base.put(key: key, bytes: bytes)
    }

    func delete(key: String) async throws {
        try await base.delete(key: key)
    }

    func head(key: String) async throws -> ObjectInfo? {
        try await base.head(key: key)
    }
}
