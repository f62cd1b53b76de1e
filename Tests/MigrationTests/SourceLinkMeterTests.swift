import Migration
import MigrationCore
import Testing

@Suite struct SourceLinkMeterTests {
    @Test func theBytesAReaderReportsGiveTheRateAndTheShareEvenWithoutALimit() async throws {
        let limiter = SourceTransferLimiter(limit: TransferLimit())
        let link = SourceLinkMeter(counting: limiter, capacityBitsPerSecond: 1e6)
        let start = ContinuousClock.now
        #expect(link.use().bytesPerSecond == 0)
        await limiter.admit(bytes: 5_000)
        try await Task.sleep(for: .milliseconds(200))
        await limiter.admit(bytes: 5_000)
        let use = link.use()
        let elapsed = ContinuousClock.now - start
        #expect(limiter.bytesRead == 10_000)
        // 10,000 bytes over at least 0.2 s (more when the machine is busy, measured
        // here around both readings): at most 50 KB/s, at least 10,000 bytes over that time.
        #expect(use.bytesPerSecond >= 10_000 / elapsed.seconds && use.bytesPerSecond <= 50_000, "\(use.bytesPerSecond) over \(elapsed)")
        #expect(use.share == use.bytesPerSecond * 8 / 1e6)
    }
}
