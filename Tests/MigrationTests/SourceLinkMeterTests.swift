import Migration
import MigrationCore
import Testing

@Suite struct SourceLinkMeterTests {
    @Test func theBytesAReaderReportsGiveTheRateAndTheShareEvenWithoutALimit() async throws {
        let limiter = SourceTransferLimiter(limit: TransferLimit())
        let link = SourceLinkMeter(counting: limiter, capacityBitsPerSecond: 1e6)
        #expect(link.use().bytesPerSecond == 0)
        await limiter.admit(bytes: 5_000)
        try await Task.sleep(for: .milliseconds(200))
        await limiter.admit(bytes: 5_000)
        let use = link.use()
        #expect(limiter.bytesRead == 10_000)
        // 10,000 bytes over a little more than 0.2 s: under 50 KB/s, well above 10 KB/s.
        #expect(use.bytesPerSecond > 10_000 && use.bytesPerSecond <= 50_000, "\(use.bytesPerSecond)")
        #expect(use.share == use.bytesPerSecond * 8 / 1e6)
    }
}
