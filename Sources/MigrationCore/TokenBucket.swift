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
    /// Seconds of tokens the bucket holds when its rate changes.
    public let burstSeconds: Double
    private var balance: Double
    private var lastRefill: ContinuousClock.Instant

    public init(ratePerSecond: Double, capacity: Double? = nil, now: ContinuousClock.Instant) {
        self.init(ratePerSecond: ratePerSecond, burstSeconds: capacity.map { $0 / ratePerSecond } ?? 1, now: now)
    }

    /// A bucket that holds `burstSeconds` of its rate, whatever the rate becomes.
    public init(ratePerSecond: Double, burstSeconds: Double, now: ContinuousClock.Instant) {
        precondition(ratePerSecond > 0, "a token bucket needs a positive rate")
        precondition(burstSeconds > 0, "a token bucket needs a positive burst")
        self.ratePerSecond = ratePerSecond
        self.burstSeconds = burstSeconds
        self.capacity = max(ratePerSecond * burstSeconds, 1)
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

    /// Changes the rate, keeping what has accrued so far; the burst follows the
    /// rate (`burstSeconds` of it).
    public mutating func setRate(_ newRate: Double, now: ContinuousClock.Instant) {
        precondition(newRate > 0, "a token bucket needs a positive rate")
        refill(now: now)
        ratePerSecond = newRate
        capacity = max(newRate * burstSeconds, 1)
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
