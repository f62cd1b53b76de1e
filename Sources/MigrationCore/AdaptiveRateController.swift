/// Decides the write rate from what DynamoDB answered: additive increase while
/// writes go through, multiplicative decrease when it pushes back (AIMD, as TCP).
///
/// It only decides; the measurements come from the applier, which observes each
/// BatchWriteItem's accepted and unprocessed items (collection kept apart from the
/// decision, as gh-ost's throttler does). Pure and clock-free: time is an input.
public struct AdaptiveRateController: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// A hard ceiling (`--max-wcu`), in write units per second; nil for none.
        public var ceiling: Double?
        /// The rate never drops below this, so a stalled table still makes progress.
        public var floor: Double
        /// Factor applied to the accepted rate after a window that saw throttling.
        public var decreaseFactor: Double
        /// The most one throttled window may cut the current rate to, so a window
        /// whose calls were stalled (and so accepted little) cannot collapse it.
        public var maximumCut: Double
        /// Relative growth per second while no throttling is seen.
        public var increasePerSecond: Double
        /// The share of a window's units that may come back throttled before the
        /// rate is cut: the cost of probing the capacity, kept small.
        public var toleratedThrottleShare: Double
        /// How long one measurement window lasts.
        public var window: Duration

        public init(
            ceiling: Double? = nil,
            floor: Double = 10,
            decreaseFactor: Double = 0.9,
            maximumCut: Double = 0.7,
            increasePerSecond: Double = 0.1,
            toleratedThrottleShare: Double = 0.05,
            window: Duration = .seconds(1)
        ) {
            self.ceiling = ceiling
            self.floor = floor
            self.decreaseFactor = decreaseFactor
            self.maximumCut = maximumCut
            self.toleratedThrottleShare = toleratedThrottleShare
            self.increasePerSecond = increasePerSecond
            self.window = window
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
    private var windowStart: ContinuousClock.Instant
    private var accepted: Double = 0
    private var throttled: Double = 0
    private var quietWindows = 0

    public init(configuration: Configuration, now: ContinuousClock.Instant) {
        self.configuration = configuration
        self.rate = configuration.ceiling
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
            // A little push-back means the rate sits just above capacity, where the
            // table is used in full: hold there. Cut only when much comes back.
            let share = self.throttled / (self.accepted + self.throttled)
            if rate != nil, share <= configuration.toleratedThrottleShare { return nil }
            var reduced = acceptedRate * configuration.decreaseFactor
            if let current = rate { reduced = max(reduced, current * configuration.maximumCut) }
            reduced = max(configuration.floor, reduced)
            rate = min(reduced, configuration.ceiling ?? reduced)
            return .setRate(rate!)
        }
        guard let current = rate else { return nil }
        quietWindows += 1
        // Growth is capped near what is really used, so a rate that the writers
        // cannot reach (concurrency-bound) does not run away and later take
        // many windows to come down.
        let grown = current * (1 + configuration.increasePerSecond * elapsed.seconds)
        let usefulCap = max(acceptedRate * 1.5, configuration.floor)
        var next = min(grown, max(current, usefulCap))
        if let ceiling = configuration.ceiling {
            next = min(next, ceiling)
        } else if quietWindows >= 30 {
            // Half a minute with no push-back and no user ceiling: stop limiting.
            rate = nil
            quietWindows = 0
            return .removeLimit
        }
        guard next != current else { return nil }
        rate = next
        return .setRate(next)
    }
}
