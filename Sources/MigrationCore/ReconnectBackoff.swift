import Backoff

/// When a change stream whose connection dropped tries again, and when it gives
/// up: exponential backoff from `initialDelay` to `maxDelay`, for at most
/// `tolerance` of consecutive failures. Pure: fed failures and successes with
/// the time they happened.
public struct ReconnectBackoff: Sendable, Equatable {
    public struct Policy: Sendable, Equatable {
        public var initialDelay: Duration
        public var maxDelay: Duration
        /// How long the source may stay unreachable before the stream stops (resumable).
        public var tolerance: Duration

        public init(initialDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(10), tolerance: Duration = .seconds(300)) {
            self.initialDelay = initialDelay
            self.maxDelay = max(initialDelay, maxDelay)
            self.tolerance = tolerance
        }
    }

    public enum Decision: Sendable, Equatable {
        /// Wait this long, then reconnect.
        case retry(after: Duration)
        /// The source has been unreachable for longer than the tolerance.
        case giveUp
    }

    public let policy: Policy
    /// Failures since the last success.
    public private(set) var consecutiveFailures = 0
    /// Reconnections over the run.
    public private(set) var reconnects = 0
    private var firstFailureAt: Duration?

    public init(policy: Policy = Policy()) {
        self.policy = policy
    }

    /// A failure at `now` (time since any fixed origin): what to do next.
    public mutating func failed(at now: Duration) -> Decision {
        let start = firstFailureAt ?? now
        firstFailureAt = start
        consecutiveFailures += 1
        if now - start > policy.tolerance { return .giveUp }
        reconnects += 1
        return .retry(after: ExponentialBackoff(base: policy.initialDelay, cap: policy.maxDelay).ceiling(afterAttempt: consecutiveFailures))
    }

    /// The stream read something again: the next failure starts a new outage.
    public mutating func succeeded() {
        consecutiveFailures = 0
        firstFailureAt = nil
    }
}
