import Backoff

/// When and how long to wait before sending a failed request again: the AWS SDKs'
/// "standard" retry mode, as a pure value. `AWSClient` runs the loop; this type only
/// decides, so it is tested with chosen random numbers.
///
/// - Attempts: `maxAttempts` in all, the first included (`AWS_MAX_ATTEMPTS`, default 3).
/// - Which errors: throttling and transient ones (`AWSError.Kind`); never client,
///   authentication or other server errors.
/// - Delay: full jitter, `random × min(maxBackoff, base × 2^(attempt-1))`, with a larger
///   base for throttling than for transient errors.
/// - Retry quota: a token bucket shared by one client, so that an outage does not
///   multiply traffic (see `RetryQuota`).
public struct RetryPolicy: Sendable, Hashable {
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var throttlingBaseDelay: Duration
    public var maxBackoff: Duration
    /// nil turns the quota off.
    public var quota: RetryQuota.Settings?

    public init(
        maxAttempts: Int = 3,
        baseDelay: Duration = .milliseconds(100),
        throttlingBaseDelay: Duration = .milliseconds(500),
        maxBackoff: Duration = .seconds(20),
        quota: RetryQuota.Settings? = RetryQuota.Settings()
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.throttlingBaseDelay = throttlingBaseDelay
        self.maxBackoff = maxBackoff
        self.quota = quota
    }

    public static let standard = RetryPolicy()
    /// One attempt, no retries.
    public static let none = RetryPolicy(maxAttempts: 1, quota: nil)

    /// Full-jitter backoff after the given failed attempt (1 for the first).
    /// - Parameter random: a number in `0..<1`.
    public func backoff(afterAttempt attempt: Int, kind: AWSError.Kind, random: Double) -> Duration {
        let base = kind == .throttling ? throttlingBaseDelay : baseDelay
        return ExponentialBackoff(base: base, cap: maxBackoff).jittered(afterAttempt: attempt, random: random)
    }

    /// Decides what to do after `attempt` (1-based) failed with `error`, taking the
    /// retry's cost from `quota` when it says to retry.
    public func decide(error: AWSError, attempt: Int, quota: inout RetryQuota, random: Double) -> RetryDecision {
        guard error.isRetryable else { return .giveUp(.notRetryable) }
        guard attempt < maxAttempts else { return .giveUp(.attemptsExhausted) }
        var cost = 0
        if let settings = self.quota {
            guard let paid = quota.acquire(for: error, settings: settings) else { return .giveUp(.quotaExhausted) }
            cost = paid
        }
        return .retry(after: backoff(afterAttempt: attempt, kind: error.kind, random: random), quotaCost: cost)
    }

    /// Records a success: gives back the cost of the retry that succeeded, or rewards a
    /// first-attempt success.
    public func recordSuccess(quota: inout RetryQuota, lastRetryCost: Int?) {
        guard let settings = self.quota else { return }
        quota.release(lastRetryCost ?? settings.successReward, settings: settings)
    }
}

public enum RetryDecision: Sendable, Hashable {
    case retry(after: Duration, quotaCost: Int)
    case giveUp(RetryGiveUpReason)
}

public enum RetryGiveUpReason: String, Sendable, Hashable {
    case notRetryable, attemptsExhausted, quotaExhausted
}

/// The SDKs' retry token bucket: each retry costs tokens (more after a timeout),
/// each success earns some back. An empty bucket means no more retries until
/// requests succeed again.
public struct RetryQuota: Sendable, Hashable {
    public struct Settings: Sendable, Hashable {
        public var capacity: Int
        public var retryCost: Int
        public var timeoutRetryCost: Int
        /// Added by a success that needed no retry.
        public var successReward: Int

        public init(capacity: Int = 500, retryCost: Int = 5, timeoutRetryCost: Int = 10, successReward: Int = 1) {
            self.capacity = capacity
            self.retryCost = retryCost
            self.timeoutRetryCost = timeoutRetryCost
            self.successReward = successReward
        }
    }

    public private(set) var available: Int

    public init(settings: RetryQuota.Settings = .init()) {
        available = settings.capacity
    }

    public init(available: Int) {
        self.available = available
    }

    /// Takes the cost of retrying after `error`; nil when the bucket cannot pay it.
    public mutating func acquire(for error: AWSError, settings: Settings) -> Int? {
        let cost = error.isTimeout ? settings.timeoutRetryCost : settings.retryCost
        guard available >= cost else { return nil }
        available -= cost
        return cost
    }

    public mutating func release(_ amount: Int, settings: Settings) {
        available = min(settings.capacity, available + amount)
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
