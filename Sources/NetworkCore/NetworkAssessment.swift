/// The verdict on every link and route: healthy, degraded (works, but a
/// tunnel is down, or probes lose packets or are slow) or down (nothing gets
/// through), each with its reasons. Pure, so the thresholds are tested.
public struct NetworkAssessment: Sendable, Hashable, Codable {
    public enum Health: String, Sendable, Hashable, Codable, Comparable {
        case healthy, degraded, down

        public static func < (lhs: Health, rhs: Health) -> Bool { lhs.rank < rhs.rank }
        private var rank: Int { [.healthy: 0, .degraded: 1, .down: 2][self]! }
    }

    public struct Verdict: Sendable, Hashable, Codable {
        /// `vpn`, `direct-connect` or `route`.
        public var kind: String
        public var name: String
        public var health: Health
        public var reasons: [String]
    }

    public struct Thresholds: Sendable, Hashable, Codable {
        /// A route losing more than this share of its probes is degraded.
        public var maximumLoss: Double
        /// A route whose p99 connect time is above this is degraded.
        public var maximumConnectMilliseconds: Double

        public init(maximumLoss: Double = 0.05, maximumConnectMilliseconds: Double = 500) {
            self.maximumLoss = maximumLoss
            self.maximumConnectMilliseconds = maximumConnectMilliseconds
        }
    }

    public var verdicts: [Verdict]

    /// The worst verdict (healthy when there is nothing to judge).
    public var overall: Health { verdicts.map(\.health).max() ?? .healthy }

    public init(
        vpn: [VPNConnectionStatus], directConnect: [DirectConnectStatus], routes: [RouteProbeWindow],
        thresholds: Thresholds = Thresholds()
    ) {
        verdicts = vpn.map(Self.judge) + directConnect.map(Self.judge) + routes.map { Self.judge($0, thresholds) }
    }

    static func judge(_ vpn: VPNConnectionStatus) -> Verdict {
        guard vpn.state == "available" else {
            return Verdict(kind: "vpn", name: vpn.id, health: .down, reasons: ["connection \(vpn.state)"])
        }
        let up = vpn.tunnels.filter(\.isUp).count
        if vpn.tunnels.isEmpty {
            return Verdict(kind: "vpn", name: vpn.id, health: .healthy, reasons: ["available (no tunnel telemetry reported)"])
        }
        if up == 0 {
            return Verdict(kind: "vpn", name: vpn.id, health: .down, reasons: ["every tunnel DOWN"])
        }
        if up < vpn.tunnels.count {
            let down = vpn.tunnels.filter { !$0.isUp }.map { "\($0.outsideAddress) DOWN" + ($0.statusMessage.map { " (\($0))" } ?? "") }
            return Verdict(kind: "vpn", name: vpn.id, health: .degraded, reasons: ["\(up) of \(vpn.tunnels.count) tunnels up"] + down)
        }
        return Verdict(kind: "vpn", name: vpn.id, health: .healthy, reasons: ["\(up) of \(vpn.tunnels.count) tunnels up"])
    }

    static func judge(_ connection: DirectConnectStatus) -> Verdict {
        let name = connection.name.map { "\(connection.id) (\($0))" } ?? connection.id
        switch connection.state {
        case "available":
            return Verdict(kind: "direct-connect", name: name, health: .healthy, reasons: ["available" + (connection.bandwidth.map { ", \($0)" } ?? "")])
        case "ordering", "requested", "pending":
            return Verdict(kind: "direct-connect", name: name, health: .degraded, reasons: ["not yet in service (\(connection.state))"])
        default:
            return Verdict(kind: "direct-connect", name: name, health: .down, reasons: ["connection \(connection.state)"])
        }
    }

    static func judge(_ route: RouteProbeWindow, _ thresholds: Thresholds) -> Verdict {
        let name = "\(route.route) \(route.address)"
        guard route.successes > 0 else {
            return Verdict(
                kind: "route", name: name, health: .down,
                reasons: ["no connect in \(route.attempts) attempts" + (route.lastError.map { ": \($0)" } ?? "")])
        }
        var reasons: [String] = []
        if route.loss > thresholds.maximumLoss {
            reasons.append("loss \(Self.percent(route.loss)) over \(route.attempts) probes (limit \(Self.percent(thresholds.maximumLoss)))")
        }
        if let p99 = route.connectPercentile(99), p99 > thresholds.maximumConnectMilliseconds {
            reasons.append("p99 connect \(Int(p99.rounded())) ms (limit \(Int(thresholds.maximumConnectMilliseconds)) ms)")
        }
        return Verdict(kind: "route", name: name, health: reasons.isEmpty ? .healthy : .degraded, reasons: reasons)
    }

    public static func percent(_ share: Double) -> String {
        let value = (share * 1000).rounded() / 10
        return value == value.rounded() ? "\(Int(value))%" : "\(value)%"
    }
}
