/// Replication lag samples of a run, in milliseconds, kept as a histogram so
/// that hours of samples take constant memory: exact to the millisecond below
/// 10 s, to 100 ms below 10 min, clamped above. Pure.
public struct LagHistogram: Sendable, Equatable {
    private static let fineLimit = 10_000
    private static let coarseStep = 100
    private static let coarseLimit = 600_000
    private static let bucketCount = fineLimit + (coarseLimit - fineLimit) / coarseStep + 1

    private var buckets: [Int]
    public private(set) var count = 0
    /// The last sample recorded.
    public private(set) var latest: Double?
    public private(set) var maximum: Double = 0

    public init() {
        buckets = Array(repeating: 0, count: Self.bucketCount)
    }

    private static func bucket(for milliseconds: Double) -> Int {
        let value = Int(max(0, milliseconds).rounded())
        if value < fineLimit { return value }
        return min(bucketCount - 1, fineLimit + (min(value, coarseLimit) - fineLimit) / coarseStep)
    }

    private static func value(ofBucket index: Int) -> Double {
        index < fineLimit ? Double(index) : Double(fineLimit + (index - fineLimit) * coarseStep)
    }

    /// Records one sample. Negative samples (clock skew between source and here) count as 0.
    public mutating func record(milliseconds: Double) {
        let sample = max(0, milliseconds)
        buckets[Self.bucket(for: sample)] += 1
        count += 1
        latest = sample
        maximum = max(maximum, sample)
    }

    /// The smallest recorded value at or above which lie `(1 - fraction)` of the samples
    /// (nearest rank); nil without samples.
    public func percentile(_ fraction: Double) -> Double? {
        guard count > 0 else { return nil }
        let rank = max(1, Int((min(max(fraction, 0), 1) * Double(count)).rounded(.up)))
        var seen = 0
        for (index, number) in buckets.enumerated() where number > 0 {
            seen += number
            if seen >= rank { return min(Self.value(ofBucket: index), maximum) }
        }
        return maximum
    }
}
