/// How long to wait after a failed attempt: `base × multiplier^(attempt-1)`, at most
/// `cap`, and with full jitter a uniformly random share of that. The one backoff
/// of the tool: the AWS retry policy, `BatchWriteItem` resubmission, both
/// appliers, MySQL connection retries and binlog reconnects all use it.
///
/// Pure: the random number is an argument, so every use is tested with chosen values.
public struct ExponentialBackoff: Sendable, Hashable {
    public var base: Duration
    public var cap: Duration
    public var multiplier: Double

    public init(base: Duration, cap: Duration, multiplier: Double = 2) {
        self.base = base
        self.cap = cap
        self.multiplier = multiplier
    }

    /// The longest wait after failed attempt `attempt` (1 for the first): no jitter.
    public func ceiling(afterAttempt attempt: Int) -> Duration {
        let exponent = Double(min(max(attempt - 1, 0), 62))
        let seconds = min(Self.seconds(cap), Self.seconds(base) * Self.power(multiplier, exponent))
        return .nanoseconds(Int64((seconds * 1e9).rounded()))
    }

    /// Full jitter (as the AWS SDKs): `random × ceiling`, `random` in `0...1`.
    public func jittered(afterAttempt attempt: Int, random: Double) -> Duration {
        let share = min(max(random, 0), 1)
        return .nanoseconds(Int64((Self.seconds(ceiling(afterAttempt: attempt)) * share * 1e9).rounded()))
    }

    /// Full jitter with the system's random numbers.
    public func jittered(afterAttempt attempt: Int) -> Duration {
        jittered(afterAttempt: attempt, random: Double.random(in: 0...1))
    }

    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }

    /// `value^exponent` for a whole exponent, without Foundation.
    static func power(_ value: Double, _ exponent: Double) -> Double {
        var result = 1.0
        var count = Int(exponent)
        while count > 0 {
            result *= value
            count -= 1
            if result > 1e18 { break }
        }
        return result
    }
}
