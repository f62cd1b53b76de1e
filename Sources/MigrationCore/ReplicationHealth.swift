/// How a change stream keeps up: lag from source commit to DynamoDB write, and
/// throughput. Saved with the stream's checkpoint so `status` can show it, and
/// printed in the summary and `--json`.
public struct ReplicationHealth: Sendable, Codable, Equatable {
    /// Where the lag figures come from.
    public enum LagSource: String, Sendable, Codable, Equatable {
        /// A heartbeat row written with `NOW(6)` on the source every few hundred
        /// milliseconds, timed when it arrives and every change before it is written.
        case heartbeat
        /// The commit events' timestamps, which have 1 s resolution: figures are
        /// rounded up to about a second.
        case eventTimestamps = "event-timestamps"
    }

    public var lagSource: LagSource
    /// The latest lag sample, in milliseconds.
    public var lagCurrentMilliseconds: Double?
    public var lagP50Milliseconds: Double?
    public var lagP99Milliseconds: Double?
    public var lagMaxMilliseconds: Double?
    public var lagSamples: Int
    /// Changes settled per second over the run.
    public var changesPerSecond: Double
    /// Changes settled per second over the last few seconds.
    public var recentChangesPerSecond: Double
    /// Where the stream is applied to (the checkpoint's coordinates), `file:position`.
    public var appliedPosition: String?
    /// The source commit time (ISO-8601) of the last applied transaction.
    public var lastCommitTime: String?
    /// ISO-8601 time these figures were taken.
    public var updatedAt: String

    public init(
        lagSource: LagSource, lag: LagHistogram, changesPerSecond: Double, recentChangesPerSecond: Double,
        appliedPosition: String?, lastCommitTime: String?, updatedAt: String
    ) {
        self.lagSource = lagSource
        lagCurrentMilliseconds = lag.latest
        lagP50Milliseconds = lag.percentile(0.5)
        lagP99Milliseconds = lag.percentile(0.99)
        lagMaxMilliseconds = lag.count > 0 ? lag.maximum : nil
        lagSamples = lag.count
        self.changesPerSecond = changesPerSecond
        self.recentChangesPerSecond = recentChangesPerSecond
        self.appliedPosition = appliedPosition
        self.lastCommitTime = lastCommitTime
        self.updatedAt = updatedAt
    }

    /// One line for people: `lag 120 ms (p50 80 ms, p99 400 ms, heartbeat) | 950 changes/s`.
    public var summaryLine: String {
        func ms(_ value: Double?) -> String {
            guard let value else { return "-" }
            return value >= 10_000 ? String(Int((value / 1000).rounded())) + " s" : String(Int(value.rounded())) + " ms"
        }
        let lag = lagSamples == 0
            ? "lag - (no samples yet)"
            : "lag \(ms(lagCurrentMilliseconds)) (p50 \(ms(lagP50Milliseconds)), p99 \(ms(lagP99Milliseconds)), \(lagSource.rawValue))"
        return lag + " | \(Int(recentChangesPerSecond.rounded())) changes/s now, \(Int(changesPerSecond.rounded())) on average"
    }
}
