/// Changes per second: over the whole run and over a recent window. Pure: fed
/// counts with the time (since any fixed origin) they were seen.
public struct ThroughputMeter: Sendable, Equatable {
    public let window: Duration
    private var start: Duration?
    private var total = 0
    /// (time, running total) samples inside the window, oldest first.
    private var recent: [(at: Duration, total: Int)] = []

    public init(window: Duration = .seconds(5)) {
        self.window = window
    }

    public static func == (lhs: ThroughputMeter, rhs: ThroughputMeter) -> Bool {
        lhs.total == rhs.total && lhs.start == rhs.start
    }

    public var count: Int { total }

    /// `count` changes settled at `now`.
    public mutating func add(_ count: Int, at now: Duration) {
        if start == nil {
            start = now
            recent.append((now, 0))
        }
        total += count
        recent.append((now, total))
        while recent.count > 2, let first = recent.first, now - first.at > window { recent.removeFirst() }
    }

    /// Over the whole run up to `now`.
    public func average(at now: Duration) -> Double {
        guard let start, now > start else { return 0 }
        return Double(total) / seconds(now - start)
    }

    /// Over the last `window` (or what there is of it) up to `now`.
    public func recentRate(at now: Duration) -> Double {
        guard let first = recent.first, now > first.at else { return 0 }
        return Double(total - first.total) / seconds(now - first.at)
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
