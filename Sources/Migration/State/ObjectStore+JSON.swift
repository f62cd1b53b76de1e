import DMSStaging
import Foundation
import NIOCore

extension ObjectStore {
    /// The JSON object at `key` decoded, or nil when there is none (checkpoints,
    /// snapshot positions: the small state files a run keeps).
    public func readJSON<Value: Decodable>(_ type: Value.Type, key: String) async throws -> Value? {
        guard try await head(key: key) != nil else { return nil }
        return try JSONDecoder().decode(Value.self, from: Data(try await get(key: key).readableBytesView))
    }

    /// Writes `value` as JSON at `key` (sorted keys and indented, for people who look).
    public func writeJSON(_ value: some Encodable, key: String) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try await put(key: key, bytes: ByteBuffer(bytes: try encoder.encode(value)))
    }
}
