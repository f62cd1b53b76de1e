import MigrationCore
import Synchronization

/// Paces writes: a token bucket in write units, its rate set by the adaptive
/// controller from what DynamoDB accepts and throttles.
public final class WriteThrottle: Sendable {
    private struct State {
        var controller: AdaptiveRateController
        var bucket: TokenBucket?
        var throttledUnits: Double = 0
        var acceptedUnits: Double = 0
    }

    /// Writes may bunch up to this much of the rate. A table running at its
    /// capacity has no saved capacity to absorb a bunch: a second's worth sent at
    /// once comes back throttled even though the rate is under the capacity.
    static let burstSeconds = 0.1

    private let state: Mutex<State>
    private let clock = ContinuousClock()

    public init(configuration: AdaptiveRateController.Configuration) {
        let now = clock.now
        let controller = AdaptiveRateController(configuration: configuration, now: now)
        state = Mutex(State(
            controller: controller,
            bucket: controller.rate.map { TokenBucket(ratePerSecond: $0, burstSeconds: Self.burstSeconds, now: now) }
        ))
    }

    /// The current limit in write units per second, nil while unlimited.
    public var currentRate: Double? { state.withLock { $0.controller.rate } }

    /// Write units that came back throttled so far.
    public var throttledUnits: Double { state.withLock { $0.throttledUnits } }

    /// Write units the table took so far, from every writer sharing this throttle.
    public var acceptedUnits: Double { state.withLock { $0.acceptedUnits } }

    /// Waits until `units` may be spent.
    public func admit(units: Double) async throws {
        let wait = state.withLock { state in
            state.bucket?.reserve(units, now: clock.now) ?? .zero
        }
        if wait > .zero {
            try await Task.sleep(for: wait)
        }
    }

    /// Reports what one write call achieved.
    public func observe(accepted: Double, throttled: Double) {
        state.withLock { state in
            let now = clock.now
            state.throttledUnits += throttled
            state.acceptedUnits += accepted
            switch state.controller.record(accepted: accepted, throttled: throttled, now: now) {
            case .setRate(let rate)?:
                if state.bucket == nil {
                    state.bucket = TokenBucket(ratePerSecond: rate, burstSeconds: Self.burstSeconds, now: now)
                } else {
                    state.bucket!.setRate(rate, now: now)
                }
            case .removeLimit?:
                state.bucket = nil
            case nil:
                break
            }
        }
    }
}
