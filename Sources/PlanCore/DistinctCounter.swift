/// Distinct values, counted exactly (a set of 64-bit hashes, `HashedKeySet`) up to
/// `exactLimit`, then estimated by HyperLogLog, which sees every value from the
/// start so the switch loses nothing. Memory: at most `exactLimit` hashes plus
/// the sketch's registers, whatever the input size.
///
/// "Exact" is exact up to 64-bit hash collisions: below 10^-7 for a million values.
public struct DistinctCounter: Sendable {
    public let exactLimit: Int
    private var exact: HashedKeySet? = HashedKeySet()
    private var sketch: HyperLogLog

    public init(exactLimit: Int = 200_000, precision: Int = 14) {
        self.exactLimit = exactLimit
        self.sketch = HyperLogLog(precision: precision)
    }

    public mutating func add(hash: UInt64) {
        sketch.add(hash: hash)
        if exact != nil {
            exact!.insert(hash)
            if exact!.count > exactLimit { exact = nil }
        }
    }

    public mutating func merge(_ other: DistinctCounter) {
        sketch.merge(other.sketch)
        if let theirs = other.exact, exact != nil {
            exact!.formUnion(theirs)
            if exact!.count > exactLimit { exact = nil }
        } else {
            exact = nil
        }
    }

    /// Whether `count` is exact (the limit was never passed).
    public var isExact: Bool { exact != nil }

    public var count: Int { exact?.count ?? Int(sketch.estimate.rounded()) }

    /// The relative standard error of `count`: 0 while exact.
    public var relativeStandardError: Double { isExact ? 0 : sketch.relativeStandardError }
}
