import MigrationCore
import Testing

@Suite struct TokenBucketTests {
    let start = ContinuousClock.now

    @Test func burstIsFreeThenCallersQueue() {
        var bucket = TokenBucket(ratePerSecond: 100, now: start)
        #expect(bucket.reserve(100, now: start) == .zero)
        // The next 50 tokens accrue in half a second; the 50 after that in a second.
        #expect(bucket.reserve(50, now: start) == .milliseconds(500))
        #expect(bucket.reserve(50, now: start) == .seconds(1))
    }

    @Test func refillsOverTimeUpToCapacity() {
        var bucket = TokenBucket(ratePerSecond: 10, capacity: 20, now: start)
        #expect(bucket.reserve(20, now: start) == .zero)
        // Ten seconds later the bucket is full again, not 100 tokens deep.
        #expect(bucket.reserve(20, now: start + .seconds(10)) == .zero)
        #expect(bucket.reserve(10, now: start + .seconds(10)) == .seconds(1))
    }

    @Test func rateChangeAppliesToWhatIsOwed() {
        var bucket = TokenBucket(ratePerSecond: 10, now: start)
        _ = bucket.reserve(10, now: start)
        bucket.setRate(100, now: start)
        #expect(bucket.reserve(50, now: start) == .milliseconds(500))
    }

    @Test func theBurstFollowsTheRate() {
        var bucket = TokenBucket(ratePerSecond: 100, burstSeconds: 0.1, now: start)
        #expect(bucket.capacity == 10)
        // A quiet second saves a tenth of a second's tokens, not a second's.
        _ = bucket.reserve(10, now: start)
        #expect(bucket.reserve(30, now: start + .seconds(1)) == .milliseconds(200))
        bucket.setRate(300, now: start + .seconds(1))
        #expect(bucket.capacity == 30)
    }
}
