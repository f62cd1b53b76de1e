/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, fast generator whose output depends
/// only on its seed, on every platform and Swift version, which is what makes the
/// sample data reproducible. Not for cryptography.
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    public private(set) var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// The SplitMix64 output function: a good 64-bit mixer.
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// An independent stream for (`seed`, `a`, `b`): e.g. one account's charges.
    public init(seed: UInt64, stream a: UInt64, _ b: UInt64) {
        self.init(seed: Self.mix(Self.mix(seed ^ 0x5851_F42D_4C95_7F2D) ^ Self.mix(a &+ 0x14057B7EF767814F) ^ (b &* 0xD6E8_FEB8_6659_FD93)))
    }

    // Our own range helpers, so that results never depend on the standard library's
    // algorithms (which may change between versions).

    /// A uniform integer in `range` (modulo bias is below 2^-40 for our small ranges).
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        let width = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(next() % width)
    }

    /// True with probability `percent`/100 (`percent` may have a fraction).
    public mutating func chance(_ percent: Double) -> Bool {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) * 100.0 < percent
    }

    /// One element, uniformly.
    public mutating func pick<T>(_ items: [T]) -> T {
        items[int(0...(items.count - 1))]
    }

    /// One element, by integer weights.
    public mutating func pick<T>(weighted items: [(T, Int)]) -> T {
        let total = items.reduce(0) { $0 + $1.1 }
        var roll = int(0...(total - 1))
        for (item, weight) in items {
            if roll < weight { return item }
            roll -= weight
        }
        return items[items.count - 1].0
    }
}
