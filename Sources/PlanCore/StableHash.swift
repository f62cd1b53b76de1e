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
