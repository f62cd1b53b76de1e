import DynamoDBModel

/// Assigns item keys to a fixed number of ordered lanes: one key always lands in
/// the same lane (so its writes keep their order), different keys spread evenly.
/// FNV-1a over the key's bytes: stable across runs and processes, unlike `Hasher`.
public struct KeyLanes: Sendable, Hashable {
    public let count: Int

    public init(count: Int) {
        precondition(count > 0, "at least one lane")
        self.count = count
    }

    public func lane(for key: ItemKey) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        for byte in key.pk.utf8 { mix(byte) }
        mix(0)  // keeps ("ab", "c") apart from ("a", "bc")
        for byte in key.sk.utf8 { mix(byte) }
        return Int(hash % UInt64(count))
    }
}
