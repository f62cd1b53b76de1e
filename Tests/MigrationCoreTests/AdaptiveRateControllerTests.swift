import MigrationCore
import Testing

@Suite struct AdaptiveRateControllerTests {
    let start = ContinuousClock.now

    @Test func unlimitedUntilThrottledThenJustUnderTheAcceptedRate() {
        var controller = AdaptiveRateController(configuration: .init(), now: start)
        #expect(controller.rate == nil)
        #expect(controller.record(accepted: 500, throttled: 0, now: start + .milliseconds(500)) == nil)
        // 1,000 accepted over one second with push-back: that is the capacity; settle just under it.
        let decision = controller.record(accepted: 500, throttled: 40, now: start + .seconds(1))
        #expect(decision == .setRate(970))
        #expect(controller.estimatedCapacity == 1_000)
    }

    @Test func aKnownCapacityIsTheFirstRateAndEstimateAndIsNeverDropped() {
        var controller = AdaptiveRateController(configuration: .init(knownCapacity: 800), now: start)
        #expect(controller.rate == 800)
        #expect(controller.estimatedCapacity == 800)
        // Quiet at the capacity: a gentle probe above it, not the 10%/s of an unknown table.
        _ = controller.record(accepted: 800, throttled: 0, now: start + .seconds(1))
        #expect(abs(controller.rate! - 816) < 1e-9)
        // However long it stays quiet, the limit stays: the table said what it takes.
        var now = start + .seconds(1)
        for _ in 0..<40 {
            now += .seconds(1)
            #expect(controller.record(accepted: controller.rate!, throttled: 0, now: now) != .removeLimit)
        }
        #expect(controller.rate != nil)
        // A user ceiling under the capacity wins from the start.
        #expect(AdaptiveRateController(configuration: .init(ceiling: 300, knownCapacity: 800), now: start).rate == 300)
    }

    @Test func recoversFastToTheEstimateThenProbesGentlyUnderTheCeiling() {
        var controller = AdaptiveRateController(configuration: .init(ceiling: 1_000), now: start)
        #expect(controller.rate == 1_000)
        _ = controller.record(accepted: 800, throttled: 200, now: start + .seconds(1))
        #expect(controller.estimatedCapacity == 800)
        #expect(controller.rate == 776)
        // Quiet: back to the rate known to be accepted at once (10%/s would overshoot it).
        _ = controller.record(accepted: 776, throttled: 0, now: start + .seconds(2))
        #expect(controller.rate == 800)
        // Above the estimate: 2% per second.
        _ = controller.record(accepted: 800, throttled: 0, now: start + .seconds(3))
        #expect(abs(controller.rate! - 816) < 1e-9)
        var now = start + .seconds(3)
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

    @Test func pushBackNeverRaisesTheRate() {
        var controller = AdaptiveRateController(configuration: .init(ceiling: 500), now: start)
        // The table had saved capacity and accepted more than the rate for a moment.
        #expect(controller.record(accepted: 600, throttled: 100, now: start + .seconds(1)) == .setRate(500))
    }

    @Test func aStalledWindowHoldsTheRate() {
        var controller = AdaptiveRateController(configuration: .init(ceiling: 1_000), now: start)
        // Calls were waiting in backoff: 150 offered against a rate of 1,000. The
        // push-back came from bunched retries and measures no capacity.
        #expect(controller.record(accepted: 100, throttled: 50, now: start + .seconds(1)) == nil)
        #expect(controller.rate == 1_000)
        #expect(controller.estimatedCapacity == nil)
    }

    @Test func oneWindowCutsByThirtyPercentAtMost() {
        var controller = AdaptiveRateController(configuration: .init(ceiling: 1_000), now: start)
        #expect(controller.record(accepted: 300, throttled: 700, now: start + .seconds(1)) == .setRate(700))
        #expect(controller.estimatedCapacity == 300)
    }

    @Test func theEstimateIsTheBestRecentMeasure() {
        var controller = AdaptiveRateController(configuration: .init(ceiling: 1_000), now: start)
        _ = controller.record(accepted: 900, throttled: 100, now: start + .seconds(1))
        #expect(controller.estimatedCapacity == 900)
        #expect(controller.rate == 873)
        // A part-stalled window measures less: the rate is cut towards its measure
        // (by 30% at most), the estimate keeps the better one, and the rate climbs
        // back at the fast pace.
        _ = controller.record(accepted: 500, throttled: 300, now: start + .seconds(2))
        #expect(abs(controller.rate! - 611.1) < 1e-9)
        #expect(controller.estimatedCapacity == 900)
        _ = controller.record(accepted: 611, throttled: 0, now: start + .seconds(3))
        #expect(abs(controller.rate! - 672.21) < 1e-9)
        for second in 4...6 {
            _ = controller.record(accepted: controller.rate!, throttled: 0, now: start + .seconds(second))
        }
        #expect(controller.rate! > 800)
        // Five seconds on, the 900 is forgotten.
        _ = controller.record(accepted: 700, throttled: 300, now: start + .seconds(7))
        #expect(controller.estimatedCapacity == 700)
    }

    @Test func neverBelowTheFloor() {
        var controller = AdaptiveRateController(configuration: .init(floor: 25), now: start)
        _ = controller.record(accepted: 0, throttled: 100, now: start + .seconds(1))
        #expect(controller.rate == 25)
    }

    @Test func growthIsBoundedByWhatIsUsed() {
        var controller = AdaptiveRateController(configuration: .init(), now: start)
        _ = controller.record(accepted: 1_000, throttled: 60, now: start + .seconds(1))
        #expect(controller.rate == 970)
        // Writers only use 100/s now (concurrency-bound): the limit must not climb above it.
        var now = start + .seconds(1)
        for _ in 0..<10 {
            now += .seconds(1)
            _ = controller.record(accepted: 100, throttled: 0, now: now)
        }
        #expect(controller.rate == 970)
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
        #expect(controller.estimatedCapacity == nil)
    }

    /// Offers the controller's rate to a table of `capacity` per second for
    /// `seconds` one-second windows; returns the units accepted each second.
    func drive(
        _ controller: inout AdaptiveRateController, from now: inout ContinuousClock.Instant, seconds: Int,
        capacity: Double
    ) -> [Double] {
        var accepted: [Double] = []
        for _ in 0..<seconds {
            now += .seconds(1)
            let offered = controller.rate ?? 5 * capacity
            accepted.append(min(offered, capacity))
            _ = controller.record(accepted: min(offered, capacity), throttled: max(0, offered - capacity), now: now)
        }
        return accepted
    }

    /// Against a fixed capacity the rate converges on it instead of sawing below:
    /// the done-when bar for a provisioned table is 90%.
    @Test func convergesOnAFixedCapacity() {
        var controller = AdaptiveRateController(configuration: .init(), now: start)
        var now = start
        let accepted = drive(&controller, from: &now, seconds: 120, capacity: 1_000)
        let steady = accepted.dropFirst(3)
        #expect(steady.allSatisfy { $0 >= 970 }, "\(accepted)")
        #expect(steady.reduce(0, +) / Double(steady.count) >= 990)
        // It sits at the capacity with a small tolerated push-back, not far above it.
        #expect(controller.rate! >= 1_000 && controller.rate! <= 1_000 / 0.95)
    }

    /// When the capacity falls the rate follows within a few windows, and when it
    /// rises again the probe finds it.
    @Test func followsACapacityThatFallsAndRises() {
        var controller = AdaptiveRateController(configuration: .init(), now: start)
        var now = start
        _ = drive(&controller, from: &now, seconds: 20, capacity: 1_000)
        let afterFall = drive(&controller, from: &now, seconds: 30, capacity: 500)
        #expect(controller.rate! <= 500 / 0.95)
        let steady = afterFall.dropFirst(3)
        #expect(steady.reduce(0, +) / Double(steady.count) >= 0.97 * 500, "\(afterFall)")
        _ = drive(&controller, from: &now, seconds: 40, capacity: 1_000)
        #expect(controller.rate! >= 0.9 * 1_000)
    }
}
