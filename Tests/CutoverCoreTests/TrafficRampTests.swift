import CutoverCore
import Testing

@Suite struct TrafficRampTests {
    let policy = HealthGatePolicy(maxErrorRate: 0.01, maxP99Milliseconds: 300, minimumRequests: 100)
    static let good = HealthSample(requests: 1_000, errors: 2, p99Milliseconds: 80, ready: true)
    static let idle = HealthSample(requests: 0, errors: 0, p99Milliseconds: nil, ready: true)

    @Test func theHealthGateDecides() {
        #expect(HealthDecision.decide(Self.good, policy: policy) == .proceed)
        var sample = Self.good
        sample.errors = 11
        #expect(HealthDecision.decide(sample, policy: policy) == .rollBack("error rate 11/1000 is over 1.0%"))
        sample = Self.good
        sample.p99Milliseconds = 301
        if case .rollBack(let reason) = HealthDecision.decide(sample, policy: policy) { #expect(reason.contains("p99")) } else { Issue.record("p99 over the bound must roll back") }
        sample = Self.good
        sample.ready = false
        #expect(HealthDecision.decide(sample, policy: policy) == .rollBack("green is not ready (/health/ready)"))
        sample = Self.good
        sample.alarmsFiring = ["billing-5xx"]
        #expect(HealthDecision.decide(sample, policy: policy) == .rollBack("in ALARM: billing-5xx"))
        // Too little evidence holds; at weight 0 only readiness and alarms count.
        sample = HealthSample(requests: 99, errors: 0, p99Milliseconds: 10, ready: true)
        if case .hold = HealthDecision.decide(sample, policy: policy) {} else { Issue.record("99 requests must hold") }
        #expect(HealthDecision.decide(Self.idle, policy: policy, expectsTraffic: false) == .proceed)
    }

    @Test func aHealthyRampBakesEachStepThenFinishes() {
        var ramp = TrafficRamp.standard(bake: .seconds(30), policy: policy)
        #expect(ramp.start(now: .zero) == .setWeights(.allBlue))
        // Weight 0: no traffic to judge, readiness alone; the bake must still pass.
        #expect(ramp.observe(Self.idle, now: .seconds(10)) == .wait)
        #expect(ramp.observe(Self.idle, now: .seconds(30)) == .setWeights(TrafficWeights(blue: 90, green: 10)))
        #expect(ramp.observe(Self.good, now: .seconds(45)) == .wait)
        #expect(ramp.observe(Self.good, now: .seconds(60)) == .setWeights(TrafficWeights(blue: 50, green: 50)))
        #expect(ramp.observe(Self.good, now: .seconds(90)) == .setWeights(.allGreen))
        #expect(ramp.observe(Self.good, now: .seconds(119)) == .wait)
        #expect(ramp.observe(Self.good, now: .seconds(120)) == .finished)
        #expect(ramp.state == .completed)
        #expect(ramp.observe(Self.good, now: .seconds(121)) == .wait)
    }

    @Test func aFailingGateReturnsAllTrafficToBlueAtOnce() {
        var ramp = TrafficRamp.standard(bake: .seconds(30), policy: policy)
        _ = ramp.start(now: .zero)
        _ = ramp.observe(Self.idle, now: .seconds(30))
        var failing = Self.good
        failing.errors = 200
        let action = ramp.observe(failing, now: .seconds(35))
        #expect(action == .rollBack(.allBlue, reason: "at 10% green: error rate 200/1000 is over 1.0%"))
        #expect(ramp.state == .rolledBack(reason: "at 10% green: error rate 200/1000 is over 1.0%"))
        // Terminal: later samples change nothing.
        #expect(ramp.observe(Self.good, now: .seconds(90)) == .wait)
    }

    @Test func holdingRestartsTheBakeAndRollsBackWhenItLasts() {
        var ramp = TrafficRamp(
            steps: [.init(greenPercent: 10, bake: .seconds(20)), .init(greenPercent: 100, bake: .seconds(20))], policy: policy,
            maxHold: .seconds(15))
        #expect(ramp.start(now: .zero) == .setWeights(TrafficWeights(blue: 90, green: 10)))
        let thin = HealthSample(requests: 10, errors: 0, p99Milliseconds: 20, ready: true)
        #expect(ramp.observe(thin, now: .seconds(19)) == .wait)
        // Healthy again at 25 s: the bake counts from the end of the hold, not from 0.
        #expect(ramp.observe(Self.good, now: .seconds(25)) == .wait)
        #expect(ramp.observe(Self.good, now: .seconds(38)) == .wait)
        #expect(ramp.observe(Self.good, now: .seconds(40)) == .setWeights(.allGreen))
        #expect(ramp.observe(thin, now: .seconds(41)) == .wait)
        #expect(ramp.observe(thin, now: .seconds(56)) == .wait)
        if case .rollBack(let weights, let reason) = ramp.observe(thin, now: .seconds(57)) {
            #expect(weights == .allBlue)
            #expect(reason.contains("held longer than"))
        } else {
            Issue.record("a hold past maxHold must roll back")
        }
    }

    @Test func anAbortRollsBack() {
        var ramp = TrafficRamp.standard(bake: .seconds(5))
        _ = ramp.start(now: .zero)
        #expect(ramp.abort(reason: "operator") == .rollBack(.allBlue, reason: "operator"))
        #expect(TrafficWeights(greenPercent: 150) == .allGreen)
        #expect(TrafficWeights(blue: 0, green: 0).greenPercent == 0)
        #expect(TrafficWeights(blue: 1, green: 3).greenPercent == 75)
    }
}
