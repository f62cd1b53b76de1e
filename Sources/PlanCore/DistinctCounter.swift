/// Distinct values, counted exactly (a set of 64-bit hashes, `HashedKeySet`) up to
/// `exactLimit`, then estimated by HyperLogLog. The sketch is made when the
/// set passes the limit, from every hash in it: a register keeps the maximum
/// of what it saw, so the order values arrive in does not matter and the
/// sketch equals one fed from the start (nothing is lost at the switch, and
/// no value costs a sketch update while the count is exact). Memory: at most
/// `exactLimit` hashes, or the sketch's registers, whatever the input size.
///
/// "Exact" is exact up to 64-bit hash collisions: below 10^-7 for a million values.
public struct DistinctCounter: Sendable {
    public let exactLimit: Int
    public let precision: Int
    /// The hashes while at most `exactLimit`; nil once past it.
    private var exact: HashedKeySet? = HashedKeySet()
    /// Once past the limit (`exact` nil).
    private var sketch: HyperLogLog?

    public init(exactLimit: Int = 200_000, precision: Int = 14) {
        self.exactLimit = exactLimit
        self.precision = precision
    }

    public mutating func add(hash: UInt64) {
        if exact != nil {
            exact!.insert(hash)
            if exact!.count > exactLimit { sketch = wholeSketch; exact = nil }
        } else {
            sketch!.add(hash: hash)
        }
    }

    public mutating func merge(_ other: DistinctCounter) {
        if exact != nil, let theirs = other.exact {
            exact!.formUnion(theirs)
            if exact!.count > exactLimit { sketch = wholeSketch; exact = nil }
            return
        }
        var merged = wholeSketch
        merged.merge(other.wholeSketch)
        sketch = merged
        exact = nil
    }

    /// The sketch of every value seen: the one kept, or one made from the exact hashes.
    private var wholeSketch: HyperLogLog {
        if let sketch { return sketch }
        var made = HyperLogLog(precision: precision)
        for hash in exact?.values ?? [] { made.add(hash: hash) }
        return made
    }

    /// Whether `count` is exact (the limit was never passed).
    public var isExact: Bool { exact != nil }

    public var count: Int { exact?.count ?? Int(wholeSketch.estimate.rounded()) }

    /// The relative standard error of `count`: 0 while exact.
    public var relativeStandardError: Double { isExact ? 0 : wholeSketch.relativeStandardError }
}
