import CivilCalendar
import Testing

@Suite struct CivilCalendarTests {
    @Test(arguments: [
        (1970, 1, 1, 0), (2000, 3, 1, 11_017), (2024, 2, 29, 19_782), (1969, 12, 31, -1),
        (1600, 3, 1, -135_080), (9999, 12, 31, 2_932_896),
    ])
    func knownDays(year: Int, month: Int, day: Int, days: Int) {
        #expect(CivilCalendar.days(year: year, month: month, day: day) == days)
        let date = CivilCalendar.date(days: days)
        #expect(date.year == year && date.month == month && date.day == day)
    }

    @Test func everyDayOfFourCenturiesRoundTrips() {
        var expected = CivilCalendar.days(year: 1800, month: 1, day: 1)
        for year in 1800..<2200 {
            for month in 1...12 {
                for day in 1...CivilCalendar.daysInMonth(year: year, month: month) {
                    #expect(CivilCalendar.days(year: year, month: month, day: day) == expected)
                    expected += 1
                }
            }
        }
        #expect(CivilCalendar.date(days: expected - 1) == (2199, 12, 31))
    }

    @Test func leapYears() {
        #expect(CivilCalendar.isLeapYear(2000))
        #expect(!CivilCalendar.isLeapYear(1900))
        #expect(CivilCalendar.isLeapYear(2024))
        #expect(CivilCalendar.daysInMonth(year: 2023, month: 2) == 28)
    }
}
