/// A token bucket of write capacity units, refilled continuously.
struct WriteCapacityBucket {
    let unitsPerSecond: Double
    let burst: Double
    private(set) var available: Double
    private var lastRefill: UInt64

    init(_ configuration: WriteCapacityConfiguration, nowNanoseconds: UInt64) {
        unitsPerSecond = configuration.unitsPerSecond
        burst = configuration.burst
        available = configuration.burst
        lastRefill = nowNanoseconds
    }

    mutating func refill(nowNanoseconds: UInt64) {
        guard nowNanoseconds > lastRefill else { return }
        let elapsed = Double(nowNanoseconds - lastRefill) / 1e9
        available = min(burst, available + elapsed * unitsPerSecond)
        lastRefill = nowNanoseconds
    }

    /// Takes `units` if they are there. A write dearer than the whole burst is let through
    /// when the bucket is full (leaving it in debt), or it could never be written at all.
    mutating func take(_ units: Int) -> Bool {
        let cost = Double(units)
        if available >= cost || (available >= burst && cost > burst) {
            available -= cost
            return true
        }
        return false
    }
}
