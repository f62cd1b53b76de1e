/// Item sizes, kept exactly: a count per distinct size. Sizes up to
/// `exactUpTo` (DynamoDB's 400 KB limit) keep their byte value, so at most
/// 409,601 counters whatever the number of items; larger (oversized) sizes are
/// rounded up to the next KiB for the quantiles (their exact maximum is kept).
/// The counts are in a `HashedCounts` (every item adds to one; a `Dictionary`
/// would run SipHash over its size).
public struct SizeDistribution: Sendable {
    public let exactUpTo: Int
    private var counts = HashedCounts()
    public private(set) var count = 0
    public private(set) var totalBytes = 0
    public private(set) var max = 0

    public init(exactUpTo: Int) {
        self.exactUpTo = exactUpTo
    }

    public mutating func add(_ size: Int) {
        count += 1
        totalBytes += size
        if size > max { max = size }
        let bucket = size <= exactUpTo ? size : (size + 1023) / 1024 * 1024
        counts.add(UInt64(bucket), 1)
    }

    public mutating func merge(_ other: SizeDistribution) {
        count += other.count
        totalBytes += other.totalBytes
        max = Swift.max(max, other.max)
        for entry in other.counts.entries { counts.add(entry.key, entry.count) }
    }

    /// The nearest-rank quantile: the smallest size `s` with at least
    /// `ceil(q·count)` items at or below `s`. Exact for items up to `exactUpTo`.
    public func quantile(_ q: Double) -> Int {
        guard count > 0 else { return 0 }
        let rank = Swift.max(1, Int((q * Double(count)).rounded(.up)))
        var seen = 0
        for (size, n) in counts.entries.sorted(by: { $0.key < $1.key }) {
            seen += n
            if seen >= rank { return Swift.min(Int(size), max) }
        }
        return max
    }

    public var mean: Double { count == 0 ? 0 : Double(totalBytes) / Double(count) }
}
