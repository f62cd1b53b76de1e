/// Splits the account number line into ranges of about equal numbers of
/// accounts, so that both sides can be cut the same way: the source by
/// `ban > lower AND ban <= upper`, the target by the account number in `PK`.
///
/// Range `i` holds the accounts in `(boundaries[i-1], boundaries[i]]`; the first
/// range is open below, the last open above, so every account number, even one
/// the source does not have, falls in exactly one range.
public struct AccountPartitions: Sendable, Hashable {
    /// Upper bounds (inclusive) of all ranges but the last, ascending.
    public let boundaries: [UInt64]

    public init(boundaries: [UInt64]) {
        self.boundaries = Array(Set(boundaries)).sorted()
    }

    /// Ranges of `perRange` accounts from the sorted account numbers.
    public init(sortedAccounts: [UInt64], perRange: Int) {
        let step = max(1, perRange)
        var bounds: [UInt64] = []
        var index = step - 1
        while index < sortedAccounts.count - 1 {
            bounds.append(sortedAccounts[index])
            index += step
        }
        self.init(boundaries: bounds)
    }

    public var count: Int { boundaries.count + 1 }

    /// The range an account number falls in.
    public func range(of account: UInt64) -> Int {
        // First boundary >= account.
        var low = 0
        var high = boundaries.count
        while low < high {
            let middle = (low + high) / 2
            if boundaries[middle] < account { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The bounds of range `index`: exclusive lower, inclusive upper; nil when open.
    public func bounds(of index: Int) -> (lowerExclusive: UInt64?, upperInclusive: UInt64?) {
        (index == 0 ? nil : boundaries[index - 1], index < boundaries.count ? boundaries[index] : nil)
    }

    /// The account number in a partition key of the form `{prefix}{digits}`
    /// (`BAN#00042` -> 42); nil for any other key.
    public static func account(inPartitionKey pk: String, prefix: String = "BAN#") -> UInt64? {
        guard pk.hasPrefix(prefix) else { return nil }
        let digits = pk.dropFirst(prefix.count)
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }) else { return nil }
        return UInt64(digits)
    }
}

/// Picks a stable pseudo-random share of accounts: the same seed picks the same
/// accounts, so a sampled run can be repeated.
public struct AccountSampler: Sendable, Hashable {
    public var share: Double
    public var seed: UInt64

    public init(share: Double, seed: UInt64) {
        self.share = min(1, max(0, share))
        self.seed = seed
    }

    public func includes(_ account: UInt64) -> Bool {
        guard share < 1 else { return true }
        // SplitMix64's finaliser spreads neighbouring numbers evenly.
        var value = account &+ seed &* 0x9E37_79B9_7F4A_7C15
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        value ^= value >> 31
        return Double(value >> 11) / Double(1 << 53) < share
    }
}
