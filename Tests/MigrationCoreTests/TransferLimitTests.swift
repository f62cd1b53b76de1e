import Foundation
import MigrationCore
import Testing

@Suite struct TransferLimitTests {
    @Test func ratesParseInDecimalBinaryAndBitUnits() {
        #expect(TransferLimit.bytesPerSecond(parsing: "2MB/s") == 2_000_000)
        #expect(TransferLimit.bytesPerSecond(parsing: "500KB") == 500_000)
        #expect(TransferLimit.bytesPerSecond(parsing: "1.5 MiB/s") == 1_572_864)
        #expect(TransferLimit.bytesPerSecond(parsing: "10Mbit/s") == 1_250_000)
        #expect(TransferLimit.bytesPerSecond(parsing: "0") == 0)
        #expect(TransferLimit.bytesPerSecond(parsing: "fast") == nil)
        #expect(TransferLimit.bytesPerSecond(parsing: "2 parsecs") == nil)
        #expect(TransferLimit.bytesPerSecond(parsing: "-1MB") == nil)
    }

    @Test func windowsParseDaysTimesAndRates() throws {
        let business = try #require(TransferLimit.window(parsing: "Mon-Fri 08:00-18:00 0"))
        #expect(business.weekdays == [1, 2, 3, 4, 5] && business.startMinute == 480 && business.endMinute == 1080)
        #expect(business.bytesPerSecond == 0)
        let weekend = try #require(TransferLimit.window(parsing: "Sat,Sun 00:00-24:00 50MB/s"))
        #expect(weekend.weekdays == [6, 7] && weekend.endMinute == 1440 && weekend.bytesPerSecond == 50_000_000)
        #expect(TransferLimit.window(parsing: "Fri-Mon 08:00-18:00 0") == nil, "a range runs forward")
        #expect(TransferLimit.window(parsing: "Mon 18:00-08:00 0") == nil, "over midnight is two windows")
        #expect(TransferLimit.window(parsing: "Mon 08:00-18:00") == nil)
        #expect(TransferLimit.window(parsing: "Someday 08:00-18:00 0") == nil)
    }

    @Test func theFirstMatchingWindowDecidesAndTheCapAppliesOutside() throws {
        let limit = TransferLimit(
            maxBytesPerSecond: 1_000_000,
            windows: [
                try #require(TransferLimit.window(parsing: "Mon-Fri 08:00-18:00 0")),
                try #require(TransferLimit.window(parsing: "Mon-Sun 00:00-24:00 5MB/s")),
            ])
        #expect(limit.bytesPerSecond(weekday: 3, minute: 9 * 60) == 0, "Wednesday 09:00: business hours, paused")
        #expect(limit.bytesPerSecond(weekday: 3, minute: 18 * 60) == 5_000_000, "18:00 is after the window")
        #expect(limit.bytesPerSecond(weekday: 7, minute: 9 * 60) == 5_000_000)
        #expect(TransferLimit(maxBytesPerSecond: 1_000_000).bytesPerSecond(weekday: 1, minute: 0) == 1_000_000)
        #expect(TransferLimit().bytesPerSecond(weekday: 1, minute: 0) == nil)
        #expect(TransferLimit().isUnlimited)
    }

    @Test func aDateIsJudgedInTheCalendarsTimeZone() throws {
        let limit = TransferLimit(windows: [try #require(TransferLimit.window(parsing: "Mon-Fri 08:00-18:00 0"))])
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "Europe/Berlin"))
        // Wednesday 2026-12-02 07:30 UTC is 08:30 in Berlin.
        let date = try #require(ISO8601DateFormatter().date(from: "2026-12-02T07:30:00Z"))
        #expect(limit.bytesPerSecond(at: date, calendar: calendar) == 0)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        #expect(limit.bytesPerSecond(at: date, calendar: calendar) == nil)
    }
}
