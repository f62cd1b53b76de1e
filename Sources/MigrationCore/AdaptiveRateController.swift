/// Decides the write rate from what DynamoDB answered, converging on the table's
/// capacity instead of sawing below it (as BBR does for bandwidth).
///
/// - A window that sees much push-back measures the capacity: what the table
///   accepted while offered more is what it can take. The rate is set just under
///   that measure, never cut deeper than `maximumCut` in one window (a window whose
///   calls were stalled in backoff accepted little and must not collapse the rate).
///   The estimate is the best such measure of the last `estimateMemory`.
/// - A window with a little push-back leaves the rate alone: it sits at the
///   capacity, where the table is used in full, and probing costs that little.
///   So does a window that offered well under the rate (writers in backoff).
/// - A quiet window grows the rate: quickly back up to the estimate (a rate
///   known to be accepted), then gently above it, to find capacity that was added.
///
/// It only decides; the measurements come from the applier, which observes each
/// BatchWriteItem's accepted and unprocessed units (collection kept apart from the
/// decision, as gh-ost's throttler does). Pure and clock-free: time is an input.
public struct AdaptiveRateController: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// A hard ceiling (`--max-wcu`), in write units per second; nil for none.
        public var ceiling: Double?
        /// The capacity the table declares (provisioned write units), when it has
        /// one: the first rate and estimate. Without it the first window is
        /// unlimited and finds the capacity by bursting into it, and most of a
        /// load's throttled writes are that burst.
        public var knownCapacity: Double?
        /// The rate never drops below this, so a stalled table still makes progress.
        public var floor: Double
        /// Factor applied to the measured capacity (the accepted rate of a window
        /// with push-back): the rate is set just under it.
        public var decreaseFactor: Double
        /// The most one throttled window may cut the current rate to, so a window
        /// whose calls were stalled (and so accepted little) cannot collapse it.
        public var maximumCut: Double
        /// Relative growth per second while no throttling is seen, below the
        /// estimated capacity (or before there is one).
        public var increasePerSecond: Double
        /// Relative growth per second at or above the estimated capacity: a
        /// gentle probe for capacity that was added.
        public var probePerSecond: Double
        /// The share of a window's units that may come back throttled before the
        /// rate is cut: the cost of running at the capacity, kept small.
        public var toleratedThrottleShare: Double
        /// How long one measurement window lasts.
        public var window: Duration
        /// How long a push-back window's measure of the capacity counts towards
        /// the estimate.
        public var estimateMemory: Duration

        public init(
            ceiling: Double? = nil,
            knownCapacity: Double? = nil,
            floor: Double = 10,
            decreaseFactor: Double = 0.97,
            maximumCut: Double = 0.7,
            increasePerSecond: Double = 0.1,
            probePerSecond: Double = 0.02,
            toleratedThrottleShare: Double = 0.05,
            window: Duration = .seconds(1),
            estimateMemory: Duration = .seconds(5)
        ) {
            self.ceiling = ceiling
            self.knownCapacity = knownCapacity
            self.floor = floor
            self.decreaseFactor = decreaseFactor
            self.maximumCut = maximumCut
            self.increasePerSecond = increasePerSecond
            self.probePerSecond = probePerSecond
            self.toleratedThrottleShare = toleratedThrottleShare
            self.window = window
            self.estimateMemory = estimateMemory
        }
    }

    /// A change of rate the caller must apply to its limiter.
    public enum Decision: Sendable, Equatable {
        case setRate(Double)
        /// Back to unlimited: no ceiling was configured and no throttling seen for long.
        case removeLimit
    }

    public let configuration: Configuration
    /// The current limit in units per second; nil while unlimited.
    public private(set) var rate: Double?
    /// The capacity as measured lately: the most units per second accepted in a
    /// window with push-back within `estimateMemory`; nil before any push-back.
    public private(set) var estimatedCapacity: Double?
    private var measurements: [(at: ContinuousClock.Instant, rate: Double)] = []
    private var windowStart: ContinuousClock.Instant
    private var accepted: Double = 0
    private var throttled: Double = 0
    private var quietWindows = 0

    public init(configuration: Configuration, now: ContinuousClock.Instant) {
        self.configuration = configuration
        switch (configuration.ceiling, configuration.knownCapacity) {
        case (let ceiling?, let known?): self.rate = min(ceiling, known)
        case (let ceiling, let known): self.rate = ceiling ?? known
        }
        self.estimatedCapacity = configuration.knownCapacity
        self.windowStart = now
    }

    /// Records one write call's outcome in units (items or WCU) and, when a window
    /// has closed, returns the new rate to apply.
    public mutating func record(accepted: Double, throttled: Double, now: ContinuousClock.Instant) -> Decision? {
        self.accepted += accepted
        self.throttled += throttled
        let elapsed = now - windowStart
        guard elapsed >= configuration.window else { return nil }
        defer {
            windowStart = now
            self.accepted = 0
            self.throttled = 0
        }
        let acceptedRate = self.accepted / elapsed.seconds
        if self.throttled > 0 {
            quietWindows = 0
            let share = self.throttled / (self.accepted + self.throttled)
            if let current = rate {
                if share <= configuration.toleratedThrottleShare { return nil }
                // Writers that offered well under the rate were waiting in backoff:
                // the push-back came from bunched retries, not from a rate above the
                // capacity, and the window measures nothing. Over the capacity the
                // throttled retries themselves keep the offered rate up.
                let offeredRate = (self.accepted + self.throttled) / elapsed.seconds
                if offeredRate < current * Self.stalledOffer { return nil }
            }
            remember(acceptedRate, now: now)
            var reduced = acceptedRate * configuration.decreaseFactor
            if let current = rate {
                // Push-back never raises the rate (a window may accept more than the
                // capacity when the table had saved some), and never collapses it.
                reduced = max(min(reduced, current), current * configuration.maximumCut)
            }
            reduced = max(configuration.floor, reduced)
            rate = min(reduced, configuration.ceiling ?? reduced)
            return .setRate(rate!)
        }
        guard let current = rate else { return nil }
        quietWindows += 1
        let next = grown(current, acceptedRate: acceptedRate, seconds: elapsed.seconds)
        if configuration.ceiling == nil, configuration.knownCapacity == nil, quietWindows >= 30 {
            // Half a minute with no push-back and no capacity known: stop limiting.
            rate = nil
            estimatedCapacity = nil
            measurements = []
            quietWindows = 0
            return .removeLimit
        }
        guard next != current else { return nil }
        rate = next
        return .setRate(next)
    }

    /// Keeps a push-back window's accepted rate for `estimateMemory`; the
    /// estimate is the best of those kept. A window that was partly stalled
    /// (calls waiting in backoff offered little) measures too low, and must not
    /// pull the estimate, and so the fast recovery, down; a capacity that really
    /// fell is the estimate once the higher measurements are forgotten, and
    /// meanwhile every window with push-back cuts the rate to its own measure.
    private mutating func remember(_ acceptedRate: Double, now: ContinuousClock.Instant) {
        let memory = configuration.estimateMemory
        measurements.removeAll { now - $0.at > memory }
        measurements.append((now, acceptedRate))
        estimatedCapacity = measurements.map(\.rate).max()
    }

    /// A window that offered less than this share of the rate was stalled.
    static let stalledOffer = 0.8

    /// The rate after a quiet window: fast growth up to the estimated capacity,
    /// a gentle probe beyond it; never far above what the writers really use.
    private func grown(_ current: Double, acceptedRate: Double, seconds: Double) -> Double {
        var next: Double
        if let estimate = estimatedCapacity, current < estimate {
            next = min(current * (1 + configuration.increasePerSecond * seconds), estimate)
        } else if estimatedCapacity != nil {
            next = current * (1 + configuration.probePerSecond * seconds)
        } else {
            next = current * (1 + configuration.increasePerSecond * seconds)
        }
        // Growth is capped near what is really used, so a rate that the writers
        // cannot reach (concurrency-bound) does not run away and later take
        // many windows to come down.
        let usefulCap = max(acceptedRate * 1.5, configuration.floor)
        next = min(next, max(current, usefulCap))
        if let ceiling = configuration.ceiling { next = min(next, ceiling) }
        return next
    }
}
