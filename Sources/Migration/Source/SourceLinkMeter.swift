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

/// The items (partition keys) a command changed around its outages, as an
/// `OutageWindow` keeps them, shared by the reader that records them and the
/// watcher that asks, every second, whether a window has closed.
public final class ChangedKeysAroundOutages: Sendable {
    private let window: Mutex<OutageWindow<String>>
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant

    public init(_ window: OutageWindow<String>) {
        self.window = Mutex(window)
        origin = clock.now
    }

    private var now: Double { (clock.now - origin).seconds }

    func touched(_ partitionKey: String) {
        let now = now
        window.withLock { $0.touched(partitionKey, at: now) }
    }

    /// Whether something is unreachable now: the window, once it has closed.
    public func observe(unreachable: Bool) -> OutageWindow<String>.Closed? {
        let now = now
        return window.withLock { $0.observe(unreachable: unreachable, at: now) }
    }

    /// An outage is open, or its recovery is still watched.
    public var isOpen: Bool { window.withLock { $0.isOpen } }
}
