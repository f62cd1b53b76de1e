/// A circuit breaker around one store, as a pure state machine (time is passed
/// in): `closed` counts consecutive failures; at the threshold it `open`s and
/// refuses calls for `openDuration`; then `halfOpen` lets `halfOpenProbes`
/// calls through: a success closes it, a failure opens it again.
public struct CircuitBreaker: Sendable, Hashable {
    public struct Configuration: Sendable, Hashable {
        public var failureThreshold: Int
        public var openDuration: Duration
        public var halfOpenProbes: Int

        public init(failureThreshold: Int = 5, openDuration: Duration = .seconds(5), halfOpenProbes: Int = 1) {
            self.failureThreshold = failureThreshold
            self.openDuration = openDuration
            self.halfOpenProbes = halfOpenProbes
        }
    }

    public enum State: Sendable, Hashable {
        case closed(consecutiveFailures: Int)
        case open(until: ContinuousClock.Instant)
        case halfOpen(probesInFlight: Int)

        /// 0 closed, 1 half-open, 2 open: the metric's value.
        public var gaugeValue: Int {
            switch self {
            case .closed: 0
            case .halfOpen: 1
            case .open: 2
            }
        }
    }

    /// What the caller may do.
    public enum Admission: Sendable, Hashable {
        case allowed
        /// Refused; try again after this long (`Retry-After`).
        case refused(retryAfter: Duration)
    }

    public let configuration: Configuration
    public private(set) var state: State = .closed(consecutiveFailures: 0)

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Asks to make a call at `now`; an allowed call must be followed by `record`.
    public mutating func admit(now: ContinuousClock.Instant) -> Admission {
        switch state {
        case .closed:
            return .allowed
        case .open(let until):
            guard now >= until else { return .refused(retryAfter: until - now) }
            state = .halfOpen(probesInFlight: 1)
            return .allowed
        case .halfOpen(let probes):
            guard probes < configuration.halfOpenProbes else { return .refused(retryAfter: .seconds(1)) }
            state = .halfOpen(probesInFlight: probes + 1)
            return .allowed
        }
    }

    /// Records an admitted call's outcome.
    public mutating func record(success: Bool, now: ContinuousClock.Instant) {
        switch (state, success) {
        case (.closed, true), (.halfOpen, true):
            state = .closed(consecutiveFailures: 0)
        case (.closed(let failures), false):
            state =
                failures + 1 >= configuration.failureThreshold
                ? .open(until: now + configuration.openDuration) : .closed(consecutiveFailures: failures + 1)
        case (.halfOpen, false):
            state = .open(until: now + configuration.openDuration)
        case (.open, _):
            // A call admitted before the breaker opened: its outcome changes nothing.
            break
        }
    }

    /// Whether a call would be refused now (without taking a half-open probe).
    public func isRefusing(now: ContinuousClock.Instant) -> Bool {
        switch state {
        case .closed: false
        case .open(let until): now < until
        case .halfOpen(let probes): probes >= configuration.halfOpenProbes
        }
    }
}
