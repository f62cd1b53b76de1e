/// How a load balancer splits traffic between blue (MySQL-serving) and green
/// (DynamoDB-serving) services, as relative weights.
public struct TrafficWeights: Sendable, Hashable, Codable, CustomStringConvertible {
    public var blue: Int
    public var green: Int

    public init(blue: Int, green: Int) {
        self.blue = blue
        self.green = green
    }

    /// `percent` of the traffic to green, the rest to blue (weights out of 100).
    public init(greenPercent percent: Int) {
        let clamped = min(100, max(0, percent))
        self.init(blue: 100 - clamped, green: clamped)
    }

    public static let allBlue = TrafficWeights(blue: 100, green: 0)
    public static let allGreen = TrafficWeights(blue: 0, green: 100)

    /// Green's share in percent (0 when both weights are 0).
    public var greenPercent: Double {
        let total = blue + green
        return total == 0 ? 0 : Double(green) * 100 / Double(total)
    }

    public var description: String { "blue \(blue) / green \(green)" }
}

/// One look at the green service's health, from its metrics, the load balancer's
/// statistics, `/health/ready` and CloudWatch.
public struct HealthSample: Sendable, Hashable {
    /// Requests green answered since the last sample, and how many of them were 5xx or timed out.
    public var requests: Int
    public var errors: Int
    /// p99 latency over the sample's requests, milliseconds; nil when not measured.
    public var p99Milliseconds: Double?
    public var ready: Bool
    /// Names of watched alarms in ALARM.
    public var alarmsFiring: [String]

    public init(requests: Int, errors: Int, p99Milliseconds: Double?, ready: Bool, alarmsFiring: [String] = []) {
        self.requests = requests
        self.errors = errors
        self.p99Milliseconds = p99Milliseconds
        self.ready = ready
        self.alarmsFiring = alarmsFiring
    }

    public var errorRate: Double { requests == 0 ? 0 : Double(errors) / Double(requests) }
}

/// The health gate's bounds.
public struct HealthGatePolicy: Sendable, Hashable, Codable {
    /// Error share over which green is rolled back (0.01 = 1%).
    public var maxErrorRate: Double
    public var maxP99Milliseconds: Double
    /// Fewer requests than this in a sample prove nothing: hold, do not proceed.
    public var minimumRequests: Int

    public init(maxErrorRate: Double = 0.01, maxP99Milliseconds: Double = 500, minimumRequests: Int = 50) {
        self.maxErrorRate = maxErrorRate
        self.maxP99Milliseconds = maxP99Milliseconds
        self.minimumRequests = minimumRequests
    }
}

/// The health gate's decision on one sample.
public enum HealthDecision: Sendable, Hashable {
    case proceed
    /// Not enough evidence either way (too few requests, no latency figure).
    case hold(String)
    /// Green is unhealthy: all traffic back to blue.
    case rollBack(String)

    /// `expectsTraffic` false (green at weight 0) waives the evidence rules: green
    /// gets no requests to prove anything with, only readiness and alarms count.
    public static func decide(_ sample: HealthSample, policy: HealthGatePolicy, expectsTraffic: Bool = true) -> HealthDecision {
        if !sample.alarmsFiring.isEmpty {
            return .rollBack("in ALARM: \(sample.alarmsFiring.joined(separator: ", "))")
        }
        if !sample.ready {
            return .rollBack("green is not ready (/health/ready)")
        }
        if sample.requests > 0, sample.errorRate > policy.maxErrorRate {
            return .rollBack("error rate \(sample.errors)/\(sample.requests) is over \(policy.maxErrorRate * 100)%")
        }
        if let p99 = sample.p99Milliseconds, p99 > policy.maxP99Milliseconds {
            return .rollBack("p99 \(p99) ms is over \(policy.maxP99Milliseconds) ms")
        }
        guard expectsTraffic else { return .proceed }
        if sample.requests < policy.minimumRequests {
            return .hold("only \(sample.requests) request(s) in the sample (need \(policy.minimumRequests))")
        }
        if sample.p99Milliseconds == nil {
            return .hold("no p99 latency in the sample")
        }
        return .proceed
    }
}
