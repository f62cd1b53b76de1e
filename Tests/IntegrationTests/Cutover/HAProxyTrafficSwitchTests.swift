import CutoverCore
import Foundation
import Testing
import TrafficSwitch

/// HAProxyTrafficSwitch against a real haproxy (Debian's, started by scripts/haproxy)
/// in front of a blue and a green server: the weights it sets are the traffic split
/// requests see, and a green that fails its health check sends all traffic back to blue.
@Suite("HAProxy traffic switch") struct HAProxyTrafficSwitchTests {
    @Test func weightsMoveTrafficAndAnUnhealthyGreenRollsBack() async throws {
        try await LocalHAProxy.withHAProxy { proxy in
            let traffic = HAProxyTrafficSwitch(socket: HAProxyAdminSocket(path: proxy.adminSocket))
            #expect(try await traffic.weights() == .allBlue)
            try await waitUntil("both servers pass haproxy's health check") {
                let status = try await traffic.status()
                return status.blue.isHealthy && status.green.isHealthy
            }
            for _ in 0..<6 { #expect(try await proxy.request() == "blue") }
            let before = try await traffic.status()

            // The ramp's first real step: both answer.
            try await traffic.setWeights(TrafficWeights(greenPercent: 50))
            #expect(try await traffic.weights() == TrafficWeights(blue: 50, green: 50))
            var seen: [String: Int] = [:]
            for _ in 0..<20 { seen[try await proxy.request(), default: 0] += 1 }
            #expect(seen["blue", default: 0] > 0 && seen["green", default: 0] > 0, "\(seen)")

            try await traffic.setWeights(.allGreen)
            #expect(try await traffic.weights() == .allGreen)
            for _ in 0..<10 { #expect(try await proxy.request() == "green") }
            // HAProxy's counters give the health gate green's requests and errors.
            let delta = try #require(try await traffic.status().greenDelta(since: before))
            #expect(delta.requests == seen["green", default: 0] + 10)
            #expect(delta.errors == 0)

            // Green dies: haproxy marks it DOWN, the ramp's gate rolls back, all traffic goes blue.
            var ramp = TrafficRamp(steps: [.init(greenPercent: 100, bake: .seconds(60))], policy: HealthGatePolicy(minimumRequests: 1), maxHold: .seconds(5))
            _ = ramp.start(now: .zero)
            proxy.stopBackend("green")
            try await waitUntil("haproxy marks green DOWN") { try await !traffic.status().green.isHealthy }
            let status = try await traffic.status()
            #expect(status.green.states.first?.hasPrefix("DOWN") == true, "\(status.green.states)")
            let action = ramp.observe(HealthSample(requests: 0, errors: 0, p99Milliseconds: nil, ready: status.green.isHealthy), now: .seconds(1))
            guard case .rollBack(let weights, let reason) = action else {
                Issue.record("an unhealthy green must roll back, got \(action)")
                return
            }
            #expect(reason.contains("not ready"))
            try await traffic.setWeights(weights)
            #expect(try await traffic.weights() == .allBlue)
            for _ in 0..<6 { #expect(try await proxy.request() == "blue") }

            // A wrong server name is refused with HAProxy's reason, and out-of-range weights never leave here.
            let wrong = HAProxyTrafficSwitch(socket: HAProxyAdminSocket(path: proxy.adminSocket), greenServer: "purple")
            await #expect(throws: TrafficSwitchError.self) { try await wrong.weights() }
            await #expect(throws: TrafficSwitchError.self) { try await traffic.setWeights(TrafficWeights(blue: 300, green: 0)) }
            let missing = HAProxyTrafficSwitch(socket: HAProxyAdminSocket(path: proxy.folder.appendingPathComponent("nothing.sock").path))
            let error = await #expect(throws: TrafficSwitchError.self) { try await missing.weights() }
            #expect(error?.description.contains("cannot be reached") == true)
        }
    }
}
