/// A token bucket that lends: a caller reserves tokens and is told how long to
/// wait before using them. Reservations may drive the balance negative, so
/// concurrent callers queue in arrival order instead of racing for refills.
///
/// Pure: time is passed in, so the bucket is tested without sleeping.
public struct TokenBucket: Sendable {
    /// Tokens added per second.
    public private(set) var ratePerSecond: Double
    /// The most tokens the bucket holds (the burst).
    public private(set) var capacity: Double
    private var balance: Double
    private var lastRefill: ContinuousClock.Instant

    public init(ratePerSecond: Double, capacity: Double? = nil, now: ContinuousClock.Instant) {
        precondition(ratePerSecond > 0, "a token bucket needs a positive rate")
        self.ratePerSecond = ratePerSecond
        self.capacity = capacity ?? ratePerSecond
        self.balance = self.capacity
        self.lastRefill = now
    }

    /// Reserves `tokens` and returns how long the caller must wait before spending them.
    public mutating func reserve(_ tokens: Double, now: ContinuousClock.Instant) -> Duration {
        refill(now: now)
        balance -= tokens
        guard balance < 0 else { return .zero }
        return .seconds(-balance / ratePerSecond)
    }

    /// Changes the rate, keeping what has accrued so far; the burst follows the rate
    /// (one second's worth) unless it was set larger.
    public mutating func setRate(_ newRate: Double, now: ContinuousClock.Instant) {
        precondition(newRate > 0, "a token bucket needs a positive rate")
        refill(now: now)
        ratePerSecond = newRate
        capacity = max(newRate, 1)
        balance = min(balance, capacity)
    }

    private mutating func refill(now: ContinuousClock.Instant) {
        let elapsed = now - lastRefill
        guard elapsed > .zero else { return }
        balance = min(capacity, balance + elapsed.seconds * ratePerSecond)
        lastRefill = now
    }
}

extension Duration {
    /// The duration in seconds as a floating-point value (for rates, never for money).
    public var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}
