import Foundation
import NetworkCore
import Testing

@Suite struct NetworkAssessmentTests {
    static func vpn(_ state: String = "available", tunnels: [String]) -> VPNConnectionStatus {
        VPNConnectionStatus(
            id: "vpn-1", state: state,
            tunnels: tunnels.enumerated().map { .init(outsideAddress: "198.51.100.\($0.offset + 1)", status: $0.element, statusMessage: $0.element == "DOWN" ? "IPSEC IS DOWN" : nil) })
    }

    @Test func aVPNIsJudgedByItsStateAndItsTunnels() {
        let both = NetworkAssessment(vpn: [Self.vpn(tunnels: ["UP", "UP"])], directConnect: [], routes: [])
        #expect(both.overall == .healthy)
        let one = NetworkAssessment(vpn: [Self.vpn(tunnels: ["UP", "DOWN"])], directConnect: [], routes: [])
        #expect(one.overall == .degraded)
        #expect(one.verdicts[0].reasons.contains { $0.contains("198.51.100.2 DOWN (IPSEC IS DOWN)") }, "\(one.verdicts)")
        #expect(NetworkAssessment(vpn: [Self.vpn(tunnels: ["DOWN", "DOWN"])], directConnect: [], routes: []).overall == .down)
        #expect(NetworkAssessment(vpn: [Self.vpn("deleted", tunnels: [])], directConnect: [], routes: []).overall == .down)
        // Without telemetry (an emulator, a fresh connection) the state alone decides.
        #expect(NetworkAssessment(vpn: [Self.vpn(tunnels: [])], directConnect: [], routes: []).overall == .healthy)
    }

    @Test func aDirectConnectConnectionIsJudgedByItsState() {
        func health(_ state: String) -> NetworkAssessment.Health {
            NetworkAssessment(vpn: [], directConnect: [.init(id: "dxcon-1", state: state, bandwidth: "10Gbps")], routes: []).overall
        }
        #expect(health("available") == .healthy)
        #expect(health("pending") == .degraded)
        #expect(health("down") == .down)
        #expect(health("deleted") == .down)
        #expect(DirectConnectStatus(id: "d", state: "available", bandwidth: "500Mbps").capacityBitsPerSecond == 5e8)
        #expect(DirectConnectStatus(id: "d", state: "available", bandwidth: "10Gbps").capacityBitsPerSecond == 1e10)
    }

    @Test func aDeclaredCapacityReadsAsDirectConnectSpellsItAndAsPeopleWriteIt() {
        #expect(LinkCapacity.bitsPerSecond(parsing: "1Gbps") == 1e9)
        #expect(LinkCapacity.bitsPerSecond(parsing: "10 Mbit/s") == 1e7)
        #expect(LinkCapacity.bitsPerSecond(parsing: "1.5Gbit/s") == 1.5e9)
        #expect(LinkCapacity.bitsPerSecond(parsing: "500kbps") == 5e5)
        for wrong in ["", "fast", "0Gbps", "-1Mbps", "10MB/s"] { #expect(LinkCapacity.bitsPerSecond(parsing: wrong) == nil, "\(wrong)") }
    }

    @Test func aRouteIsJudgedByLossAndConnectTime() {
        let clean = RouteProbeWindow(route: "primary", address: "10.0.0.5:3306", attempts: 4, connectMilliseconds: [2, 3, 2, 4])
        #expect(clean.loss == 0 && clean.connectPercentile(50) == 2 && clean.connectPercentile(99) == 4)
        #expect(NetworkAssessment(vpn: [], directConnect: [], routes: [clean]).overall == .healthy)

        let lossy = RouteProbeWindow(route: "primary", address: "10.0.0.5:3306", attempts: 4, connectMilliseconds: [2, 3, 2])
        #expect(lossy.loss == 0.25)
        let judged = NetworkAssessment(vpn: [], directConnect: [], routes: [lossy])
        #expect(judged.overall == .degraded && judged.verdicts[0].reasons[0].contains("loss 25%"), "\(judged.verdicts)")

        let slow = RouteProbeWindow(route: "backup", address: "10.1.0.5:3306", attempts: 2, connectMilliseconds: [20, 900])
        let slowVerdict = NetworkAssessment(vpn: [], directConnect: [], routes: [slow], thresholds: .init(maximumConnectMilliseconds: 500))
        #expect(slowVerdict.overall == .degraded && slowVerdict.verdicts[0].reasons[0].contains("p99 connect 900 ms"))

        let dead = RouteProbeWindow(route: "backup", address: "10.1.0.5:3306", attempts: 3, connectMilliseconds: [], lastError: "refused")
        #expect(dead.loss == 1 && dead.connectPercentile(50) == nil)
        let all = NetworkAssessment(vpn: [], directConnect: [], routes: [clean, dead])
        #expect(all.overall == .down)
        #expect(all.verdicts[1].reasons == ["no connect in 3 attempts: refused"])
    }
}
