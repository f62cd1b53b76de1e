/// The TCP connects to one route's address over a window: how many got
/// through and how long each took. A route is the source as seen through one
/// link (the primary address over Direct Connect, the backup over the VPN).
public struct RouteProbeWindow: Sendable, Hashable, Codable {
    public var route: String
    public var address: String
    public var attempts: Int
    /// Connect times of the attempts that got through, in milliseconds.
    public var connectMilliseconds: [Double]
    /// The last failure, for people.
    public var lastError: String?

    public init(route: String, address: String, attempts: Int, connectMilliseconds: [Double], lastError: String? = nil) {
        self.route = route
        self.address = address
        self.attempts = attempts
        self.connectMilliseconds = connectMilliseconds
        self.lastError = lastError
    }

    public var successes: Int { connectMilliseconds.count }

    /// Failed attempts as a share of all, 0 to 1 (1 when nothing was tried).
    public var loss: Double { attempts == 0 ? 1 : Double(attempts - successes) / Double(attempts) }

    /// The nearest-rank percentile of the connect times, nil when none got through.
    public func connectPercentile(_ percent: Double) -> Double? {
        guard !connectMilliseconds.isEmpty else { return nil }
        let sorted = connectMilliseconds.sorted()
        let rank = Int((percent / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
