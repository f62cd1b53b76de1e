import MigrationCore
import Testing

@Suite struct AdaptiveRateControllerTests {
    let start = ContinuousClock.now

    @Test func unlimitedUntilThrottledThenBelowTheAcceptedRate() {
        var controller = AdaptiveRateController(configuration: .init(), now: start)
        #expect(controller.rate == nil)
        #expect(controller.record(accepted: 500, throttled: 0, now: start + .milliseconds(500)) == nil)
        // 1,000 accepted over one second with push-back: settle just under 1,000/s.
        let decision = controller.record(accepted: 500, throttled: 40, now: start + .seconds(1))
        #expect(decision == .setRate(900))
    }

    @Test func growsAdditivelyWhileQuietAndStaysUnderTheCeiling() {
        var controller = AdaptiveRateController(configuration: .init(ceiling: 1_000), now: start)
        #expect(controller.rate == 1_000)
        _ = controller.record(accepted: 800, throttled: 200, now: start + .seconds(1))
        #expect(controller.rate == 720)
        _ = controller.record(accepted: 720, throttled: 0, now: start + .seconds(2))
        #expect(abs(controller.rate! - 792) < 1e-9)
        var now = start + .seconds(2)
        for _ in 0..<20 {
            now += .seconds(1)
            _ = controller.record(accepted: controller.rate!, throttled: 0, now: now)
        }
        #expect(controller.rate == 1_000)
    }

    @Test func holdsWhileOnlyALittleComesBack() {
        var controller = AdaptiveRateController(configuration: .init(ceiling: 1_000), now: start)
        #expect(controller.record(accepted: 980, throttled: 20, now: start + .seconds(1)) == nil)
        #expect(controller.rate == 1_000)
    }

    @Test func aStalledWindowCannotCollapseTheRate() {
        var controller = AdaptiveRateController(configuration: .init(ceiling: 1_000), now: start)
        // Calls were stuck in backoff: little was accepted, yet the limit drops by 30% at most.
        #expect(controller.record(accepted: 100, throttled: 50, now: start + .seconds(1)) == .setRate(700))
    }

    @Test func neverBelowTheFloor() {
        var controller = AdaptiveRateController(configuration: .init(floor: 25), now: start)
        _ = controller.record(accepted: 0, throttled: 100, now: start + .seconds(1))
        #expect(controller.rate == 25)
    }

    @Test func growthIsBoundedByWhatIsUsed() {
        var controller = AdaptiveRateController(configuration: .init(), now: start)
        _ = controller.record(accepted: 1_000, throttled: 1, now: start + .seconds(1))
        // Writers only use 100/s now (concurrency-bound): the limit must not climb far above it.
        var now = start + .seconds(1)
        for _ in 0..<10 {
            now += .seconds(1)
            _ = controller.record(accepted: 100, throttled: 0, now: now)
        }
        #expect(controller.rate == 900)
    }

    @Test func liftsTheLimitAfterLongQuietWithoutCeiling() {
        var controller = AdaptiveRateController(configuration: .init(), now: start)
        _ = controller.record(accepted: 1_000, throttled: 1, now: start + .seconds(1))
        var now = start + .seconds(1)
        var decisions: [AdaptiveRateController.Decision] = []
        for _ in 0..<30 {
            now += .seconds(1)
            if let decision = controller.record(accepted: 2_000, throttled: 0, now: now) {
                decisions.append(decision)
            }
        }
        #expect(decisions.last == .removeLimit)
        #expect(controller.rate == nil)
    }

    /// Against a fixed capacity the sawtooth must average at least 90% of it: the
    /// done-when bar for a provisioned table.
    @Test func averagesCloseToAFixedCapacity() {
        let capacity = 1_000.0
        var controller = AdaptiveRateController(configuration: .init(), now: start)
        var now = start
        var acceptedTotal = 0.0
        let seconds = 120
        for _ in 0..<seconds {
            now += .seconds(1)
            let offered = controller.rate ?? 5_000
            let accepted = min(offered, capacity)
            acceptedTotal += accepted
            _ = controller.record(accepted: accepted, throttled: max(0, offered - capacity), now: now)
        }
        #expect(acceptedTotal / Double(seconds) >= 0.9 * capacity)
    }
}
