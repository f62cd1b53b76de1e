/// The few figures the cutover reads from a billing service's `/metrics`
/// (Prometheus text): shadow compares and mismatches, and its requests by
/// status with their latency histogram. Pure: the caller fetches the text.
public struct ServiceMetricsSnapshot: Sendable, Hashable {
    public var shadowCompares: Double = 0
    public var shadowMismatches: Double = 0
    /// Application requests answered (health checks and `/metrics` left out).
    public var requests: Double = 0
    /// Of those, answered 5xx.
    public var serverErrors: Double = 0
    /// Cumulative request counts at or under each latency bound (seconds), summed over routes.
    public var latencyBuckets: [Double: Double] = [:]

    public init() {}

    /// Parses the text; lines it does not need are skipped.
    public init(prometheusText text: String) {
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            guard let sample = Self.sample(line) else { continue }
            switch sample.name {
            case "billing_shadow_compares_total": shadowCompares += sample.value
            case "billing_shadow_mismatches_total": shadowMismatches += sample.value
            case "hb_requests" where Self.isApplication(sample.labels):
                requests += sample.value
                if sample.labels["http_response_status_code"]?.hasPrefix("5") == true { serverErrors += sample.value }
            case "http_server_request_duration_bucket" where Self.isApplication(sample.labels):
                guard let bound = sample.labels["le"].flatMap(Self.bound) else { continue }
                latencyBuckets[bound, default: 0] += sample.value
            default:
                continue
            }
        }
    }

    /// Several instances as one.
    public static func + (lhs: Self, rhs: Self) -> Self {
        var sum = lhs
        sum.shadowCompares += rhs.shadowCompares
        sum.shadowMismatches += rhs.shadowMismatches
        sum.requests += rhs.requests
        sum.serverErrors += rhs.serverErrors
        sum.latencyBuckets.merge(rhs.latencyBuckets, uniquingKeysWith: +)
        return sum
    }

    /// Requests, 5xx and p99 (the upper bound of the bucket holding the 99th
    /// percentile, milliseconds) between an earlier snapshot and this one. A
    /// counter that went down means the instance restarted: count from zero.
    public func since(_ earlier: Self) -> (requests: Int, errors: Int, p99Milliseconds: Double?) {
        func delta(_ now: Double, _ before: Double) -> Double { now >= before ? now - before : now }
        let requests = Int(delta(self.requests, earlier.requests))
        let errors = Int(delta(serverErrors, earlier.serverErrors))
        let restarted = self.requests < earlier.requests
        var buckets: [(bound: Double, count: Double)] = latencyBuckets.map { bound, count in
            (bound, restarted ? count : delta(count, earlier.latencyBuckets[bound] ?? 0))
        }
        buckets.sort { $0.bound < $1.bound }
        guard let total = buckets.last?.count, total > 0 else { return (requests, errors, nil) }
        let wanted = total * 0.99
        let bound = buckets.first { $0.count >= wanted }?.bound ?? buckets[buckets.count - 1].bound
        return (requests, errors, bound.isFinite ? bound * 1000 : nil)
    }

    static func isApplication(_ labels: [String: String]) -> Bool {
        guard let route = labels["http_route"] else { return true }
        return !route.hasPrefix("/health") && !route.hasPrefix("/metrics")
    }

    static func bound(_ text: String) -> Double? {
        text == "+Inf" ? .infinity : Double(text)
    }

    /// `name{a="x",b="y"} value` (labels optional).
    static func sample(_ line: Substring) -> (name: String, labels: [String: String], value: Double)? {
        guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { return nil }
        let series = line[..<space]
        guard let open = series.firstIndex(of: "{") else { return (String(series), [:], value) }
        var labels: [String: String] = [:]
        var rest = series[series.index(after: open)...].dropLast()  // without `}`
        while let equals = rest.firstIndex(of: "=") {
            let key = rest[..<equals].trimmingCharacters(in: [",", " "])
            rest = rest[rest.index(after: equals)...]
            guard rest.first == "\"" else { return nil }
            rest = rest.dropFirst()
            var text = ""
            var escaped = false
            var end = rest.endIndex
            for index in rest.indices {
                let character = rest[index]
                if escaped { text.append(character); escaped = false; continue }
                if character == "\\" { escaped = true; continue }
                if character == "\"" { end = index; break }
                text.append(character)
            }
            labels[key] = text
            rest = end < rest.endIndex ? rest[rest.index(after: end)...] : rest[rest.endIndex...]
        }
        return (String(series[..<open]), labels, value)
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(in set: Set<Character>) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
