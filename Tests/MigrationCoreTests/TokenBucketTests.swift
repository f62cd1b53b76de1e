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
}
