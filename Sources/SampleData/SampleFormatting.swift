import CivilCalendar

/// Calendar and number formatting in MySQL's textual forms, without Foundation:
/// DATE `2024-01-15`, DATETIME(3) `2024-01-15 10:22:31.120`, DECIMAL with its scale.
enum SampleFormatting {
    static func days(year: Int, month: Int, day: Int) -> Int {
        CivilCalendar.days(year: year, month: month, day: day)
    }

    static func civil(_ days: Int) -> (year: Int, month: Int, day: Int) {
        CivilCalendar.date(days: days)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        CivilCalendar.daysInMonth(year: year, month: month)
    }

    /// (year, month) `offset` months after (year, month).
    static func addMonths(year: Int, month: Int, _ offset: Int) -> (year: Int, month: Int) {
        let total = year * 12 + (month - 1) + offset
        return (total / 12, total % 12 + 1)
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Writes `value` as `width` decimal digits (value must fit) at `offset`.
    private static func put(_ value: Int, width: Int, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        var rest = value
        for position in stride(from: offset + width - 1, through: offset, by: -1) {
            buffer[position] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
    }

    /// `2024-01-15` (years 0-9999)
    static func date(_ days: Int) -> String {
        let (year, month, day) = civil(days)
        return String(unsafeUninitializedCapacity: 10) { buffer in
            put(year, width: 4, into: buffer, at: 0)
            buffer[4] = UInt8(ascii: "-")
            put(month, width: 2, into: buffer, at: 5)
            buffer[7] = UInt8(ascii: "-")
            put(day, width: 2, into: buffer, at: 8)
            return 10
        }
    }

    /// `2024-01-15 10:22:31.120` from a day and milliseconds into it.
    static func dateTime(_ days: Int, millisecond: Int) -> String {
        let (year, month, day) = civil(days)
        let ms = millisecond % 1000
        let seconds = millisecond / 1000
        return String(unsafeUninitializedCapacity: 23) { buffer in
            put(year, width: 4, into: buffer, at: 0)
            buffer[4] = UInt8(ascii: "-")
            put(month, width: 2, into: buffer, at: 5)
            buffer[7] = UInt8(ascii: "-")
            put(day, width: 2, into: buffer, at: 8)
            buffer[10] = UInt8(ascii: " ")
            put(seconds / 3600, width: 2, into: buffer, at: 11)
            buffer[13] = UInt8(ascii: ":")
            put(seconds / 60 % 60, width: 2, into: buffer, at: 14)
            buffer[16] = UInt8(ascii: ":")
            put(seconds % 60, width: 2, into: buffer, at: 17)
            buffer[19] = UInt8(ascii: ".")
            put(ms, width: 3, into: buffer, at: 20)
            return 23
        }
    }

    /// A DECIMAL with `scale` digits from an integer count of 10^-scale units:
    /// (-123400, 4) -> `-12.3400`.
    static func decimal(_ units: Int64, scale: Int) -> String {
        var divisor: Int64 = 1
        for _ in 0..<scale { divisor *= 10 }
        let magnitude = units.magnitude
        let whole = magnitude / UInt64(divisor)
        let fraction = magnitude % UInt64(divisor)
        var text = units < 0 ? "-" : ""
        text += String(whole)
        if scale > 0 {
            let digits = String(fraction)
            text += "." + String(repeating: "0", count: scale - digits.count) + digits
        }
        return text
    }

    /// `value / divisor` rounded half away from zero.
    static func roundedDivision(_ value: Int64, _ divisor: Int64) -> Int64 {
        let half = divisor / 2
        return value >= 0 ? (value + half) / divisor : -((-value + half) / divisor)
    }
}
