import MigrationCore
import Synchronization

/// The bytes a command reads from the source per second, over the last ten
/// seconds, and their share of the link's declared capacity: read from the
/// limiter's count whenever a figure is wanted (Prometheus every second, the run
/// activity every few), so it needs no task of its own.
public final class SourceLinkMeter: Sendable {
    let limiter: SourceTransferLimiter
    public let capacityBitsPerSecond: Double?
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant
    private let meter = Mutex((meter: ThroughputMeter(window: .seconds(10)), counted: 0))

    public init(counting limiter: SourceTransferLimiter, capacityBitsPerSecond: Double?) {
        self.limiter = limiter
        self.capacityBitsPerSecond = capacityBitsPerSecond
        origin = clock.now
    }

    /// The use now.
    public func use() -> LinkUse {
        let total = limiter.bytesRead
        let now = clock.now - origin
        let rate = meter.withLock { state in
            state.meter.add(total - state.counted, at: now)
            state.counted = total
            return state.meter.recentRate(at: now)
        }
        return LinkUse(bytesPerSecond: rate, capacityBitsPerSecond: capacityBitsPerSecond)
    }
}
