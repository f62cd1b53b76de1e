import MigrationCore
import Synchronization

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

    func touched(_ partitionKeys: [String]) {
        let now = now
        window.withLock { window in
            for key in partitionKeys { window.touched(key, at: now) }
        }
    }

    /// Whether something is unreachable now: the window, once it has closed.
    public func observe(unreachable: Bool) -> OutageWindow<String>.Closed? {
        let now = now
        return window.withLock { $0.observe(unreachable: unreachable, at: now) }
    }

    /// An outage is open, or its recovery is still watched.
    public var isOpen: Bool { window.withLock { $0.isOpen } }
}
