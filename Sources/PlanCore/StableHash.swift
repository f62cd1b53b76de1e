/// A 64-bit hash that is the same in every process (Swift's `Hasher` is
/// seeded per process): FNV-1a over the UTF-8 bytes, then MurmurHash3's
/// finalizer so every output bit depends on every input bit, as
/// HyperLogLog's register choice and leading-zero count need.
public enum StableHash {
    public static func of(_ text: String) -> UInt64 {
        // Over the contiguous bytes: iterating `utf8` decodes a small string byte by byte.
        if let hash = text.utf8.withContiguousStorageIfAvailable(of) { return hash }
        var text = text
        return text.withUTF8(of)
    }

    public static func of(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return mix(hash)
    }

    /// A hash for values a plan only compares in memory (an item key in the
    /// collision check), never one whose value decides a reported figure:
    /// eight bytes a step where FNV-1a takes one. Each step is a bijection of
    /// the state, so two texts of one length that differ never share a hash.
    public static func ofWords(_ text: String) -> UInt64 {
        if let hash = text.utf8.withContiguousStorageIfAvailable(ofWords) { return hash }
        var text = text
        return text.withUTF8(ofWords)
    }

    public static func ofWords(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let raw = UnsafeRawBufferPointer(bytes)
        var hash = 0x9e37_79b9_7f4a_7c15 ^ UInt64(raw.count)
        var at = 0
        func step(_ word: UInt64) {
            hash = (hash ^ word) &* 0xff51_afd7_ed55_8ccd
            hash ^= hash >> 32
        }
        while at + 8 <= raw.count {
            step(raw.loadUnaligned(fromByteOffset: at, as: UInt64.self))
            at += 8
        }
        if at < raw.count {
            var tail: UInt64 = 0
            for offset in at..<raw.count { tail |= UInt64(raw[offset]) << UInt64(8 * (offset - at)) }
            step(tail)
        }
        return mix(hash)
    }

    /// MurmurHash3's `fmix64`.
    public static func mix(_ value: UInt64) -> UInt64 {
        var h = value
        h ^= h >> 33
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h &*= 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return h
    }

    /// The hash as a fraction in [0, 1), for sampling decisions.
    public static func unitInterval(_ hash: UInt64) -> Double {
        Double(hash >> 11) / Double(UInt64(1) << 53)
    }
}
