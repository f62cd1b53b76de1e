import CivilCalendar
import Foundation

/// The two date forms SigV4 uses: `20150830T123600Z` (the `X-Amz-Date` header)
/// and `20150830` (the credential scope), always UTC.
///
/// Computed with integer calendar arithmetic rather than `DateFormatter`, which is
/// slow and locale-sensitive.
public struct AMZDate: Sendable, Hashable {
    /// `yyyyMMdd'T'HHmmss'Z'`
    public let timestamp: String
    /// `yyyyMMdd`
    public let dateStamp: String
    /// Whole seconds since 1970, the precision the header carries.
    public let secondsSince1970: Int64

    public init(_ date: Date) {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        self.init(secondsSince1970: seconds)
    }

    public init(secondsSince1970 seconds: Int64) {
        secondsSince1970 = seconds
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = CivilCalendar.date(days: Int(days))
        let hour = secondOfDay / 3600, minute = secondOfDay / 60 % 60, second = secondOfDay % 60
        let stamp = Self.pad(Int64(year), 4) + Self.pad(Int64(month), 2) + Self.pad(Int64(day), 2)
        dateStamp = stamp
        timestamp = stamp + "T" + Self.pad(hour, 2) + Self.pad(minute, 2) + Self.pad(second, 2) + "Z"
    }

    /// Parses `yyyyMMdd'T'HHmmss'Z'`; nil for anything else.
    public init?(timestamp text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int64(digit)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
              let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        let days = Int64(CivilCalendar.days(year: Int(year), month: Int(month), day: Int(day)))
        self.init(secondsSince1970: days * 86_400 + hour * 3600 + minute * 60 + second)
        guard timestamp == text else { return nil } // rejects 31 February and the like
    }

    public var date: Date { Date(timeIntervalSince1970: TimeInterval(secondsSince1970)) }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
