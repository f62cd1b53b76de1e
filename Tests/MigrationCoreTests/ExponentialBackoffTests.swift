import Backoff
import Testing

@Suite struct ExponentialBackoffTests {
    @Test func theCeilingGrowsByTheMultiplierAndStopsAtTheCap() {
        let backoff = ExponentialBackoff(base: .milliseconds(100), cap: .seconds(1))
        #expect(backoff.ceiling(afterAttempt: 1) == .milliseconds(100))
        #expect(backoff.ceiling(afterAttempt: 2) == .milliseconds(200))
        #expect(backoff.ceiling(afterAttempt: 4) == .milliseconds(800))
        #expect(backoff.ceiling(afterAttempt: 5) == .seconds(1))
        #expect(backoff.ceiling(afterAttempt: 10_000) == .seconds(1), "no overflow however many attempts")
        #expect(backoff.ceiling(afterAttempt: 0) == .milliseconds(100), "attempt 0 counts as the first")
        #expect(ExponentialBackoff(base: .milliseconds(100), cap: .seconds(10), multiplier: 3).ceiling(afterAttempt: 3) == .milliseconds(900))
    }

    @Test func fullJitterIsARandomShareOfTheCeiling() {
        let backoff = ExponentialBackoff(base: .milliseconds(100), cap: .seconds(20))
        #expect(backoff.jittered(afterAttempt: 1, random: 0.5) == .milliseconds(50))
        #expect(backoff.jittered(afterAttempt: 3, random: 1) == .milliseconds(400))
        #expect(backoff.jittered(afterAttempt: 4, random: 0) == .zero)
        #expect(backoff.jittered(afterAttempt: 2, random: 7) == .milliseconds(200), "the share is clamped to 0...1")
        for _ in 0..<100 {
            let delay = backoff.jittered(afterAttempt: 3)
            #expect(delay >= .zero && delay <= .milliseconds(400))
        }
    }
}
