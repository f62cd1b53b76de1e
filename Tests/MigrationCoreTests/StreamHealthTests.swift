import MigrationCore
import Testing

@Suite struct LagHistogramTests {
    @Test func percentilesFollowNearestRank() {
        var lag = LagHistogram()
        #expect(lag.percentile(0.5) == nil)
        for value in 1...100 { lag.record(milliseconds: Double(value)) }
        #expect(lag.count == 100)
        #expect(lag.percentile(0.5) == 50)
        #expect(lag.percentile(0.99) == 99)
        #expect(lag.percentile(1) == 100)
        #expect(lag.latest == 100)
        #expect(lag.maximum == 100)
    }

    @Test func longLagsAreKeptCoarselyAndNegativeOnesCountAsZero() {
        var lag = LagHistogram()
        lag.record(milliseconds: -5)
        lag.record(milliseconds: 12_345)
        lag.record(milliseconds: 9_000_000)
        #expect(lag.percentile(0.3) == 0)
        let middle = try! #require(lag.percentile(0.6))
        #expect(middle >= 12_300 && middle <= 12_345)
        // Clamped buckets never report more than the largest sample seen.
        #expect(lag.percentile(1) == 600_000)
        #expect(lag.maximum == 9_000_000)
    }
}

@Suite struct ReconnectBackoffTests {
    @Test func delaysDoubleUpToTheCapAndResetAfterASuccess() {
        var backoff = ReconnectBackoff(policy: .init(initialDelay: .milliseconds(100), maxDelay: .milliseconds(350), tolerance: .seconds(60)))
        #expect(backoff.failed(at: .seconds(1)) == .retry(after: .milliseconds(100)))
        #expect(backoff.failed(at: .seconds(2)) == .retry(after: .milliseconds(200)))
        #expect(backoff.failed(at: .seconds(3)) == .retry(after: .milliseconds(350)))
        #expect(backoff.failed(at: .seconds(4)) == .retry(after: .milliseconds(350)))
        backoff.succeeded()
        #expect(backoff.consecutiveFailures == 0)
        #expect(backoff.failed(at: .seconds(100)) == .retry(after: .milliseconds(100)))
        #expect(backoff.reconnects == 5)
    }

    @Test func givesUpWhenAnOutageOutlastsTheTolerance() {
        var backoff = ReconnectBackoff(policy: .init(tolerance: .seconds(10)))
        #expect(backoff.failed(at: .seconds(0)) != .giveUp)
        #expect(backoff.failed(at: .seconds(9)) != .giveUp)
        #expect(backoff.failed(at: .seconds(11)) == .giveUp)
        backoff.succeeded()
        #expect(backoff.failed(at: .seconds(30)) != .giveUp, "a new outage starts a new clock")
    }
}

@Suite struct BinlogStopRuleTests {
    @Test func neverStopsWithoutAMode() {
        var rule = BinlogStopRule(mode: .never)
        rule.sourceEnd(file: "b.000001", position: 10)
        rule.idle(file: "b.000001", position: 10)
        #expect(!rule.readingDone(read: ("b.000009", 999)))
    }

    @Test func untilCaughtUpStopsAtTheEndKnownFirst() {
        var rule = BinlogStopRule(mode: .untilCaughtUp)
        #expect(!rule.readingDone(read: ("b.000001", 500)), "no end known yet")
        rule.sourceEnd(file: "b.000002", position: 100)
        rule.idle(file: "b.000003", position: 4)
        #expect(!rule.readingDone(read: ("b.000001", 500)))
        #expect(!rule.readingDone(read: ("b.000002", 99)))
        #expect(rule.readingDone(read: ("b.000002", 100)))
        #expect(rule.readingDone(read: ("b.000010", 4)), "file numbers order, not text")
        #expect(!rule.readingDone(read: nil))
    }

    @Test func anIdleServerGivesTheEndWhenItWasNotKnown() {
        var rule = BinlogStopRule(mode: .untilCaughtUp)
        rule.idle(file: "b.000004", position: 800)
        #expect(rule.readingDone(read: ("b.000004", 800)))
        #expect(!rule.readingDone(read: ("b.000004", 799)))
    }

    @Test func stopAtComparesByFileNumberThenPosition() {
        let rule = BinlogStopRule(mode: .stopAt(file: "mariadb-bin.000010", position: 300))
        #expect(!rule.readingDone(read: ("mariadb-bin.000009", 9_999)))
        #expect(rule.readingDone(read: ("mariadb-bin.000010", 300)))
        #expect(rule.readingDone(read: ("mariadb-bin.000011", 4)))
    }
}

@Suite struct ThroughputMeterTests {
    @Test func averageAndRecentRates() {
        var meter = ThroughputMeter(window: .seconds(2))
        #expect(meter.average(at: .seconds(1)) == 0)
        meter.add(0, at: .seconds(0))
        meter.add(100, at: .seconds(1))
        meter.add(100, at: .seconds(2))
        meter.add(1000, at: .seconds(10))
        #expect(meter.count == 1200)
        #expect(meter.average(at: .seconds(10)) == 120)
        // The window keeps the last two samples at least: 1000 changes over 8 s.
        #expect(meter.recentRate(at: .seconds(10)) == 125)
        meter.add(1000, at: .seconds(11))
        #expect(meter.recentRate(at: .seconds(11)) == 1000)
    }
}

@Suite struct ReplicationHealthTests {
    @Test func summaryLineShowsLagPercentilesAndRates() {
        var lag = LagHistogram()
        for value in [80.0, 90, 120, 400] { lag.record(milliseconds: value) }
        let health = ReplicationHealth(
            lagSource: .heartbeat, lag: lag, changesPerSecond: 950.4, recentChangesPerSecond: 1001.6,
            appliedPosition: "b.000001:900", lastCommitTime: nil, updatedAt: "")
        #expect(health.lagP50Milliseconds == 90)
        #expect(health.lagP99Milliseconds == 400)
        #expect(health.summaryLine == "lag 400 ms (p50 90 ms, p99 400 ms, heartbeat) | 1002 changes/s now, 950 on average")
        let empty = ReplicationHealth(
            lagSource: .eventTimestamps, lag: LagHistogram(), changesPerSecond: 0, recentChangesPerSecond: 0,
            appliedPosition: nil, lastCommitTime: nil, updatedAt: "")
        #expect(empty.summaryLine.hasPrefix("lag - (no samples yet)"))
    }
}
