/// Calendar and number formatting in MySQL's textual forms, without Foundation:
/// DATE `2024-01-15`, DATETIME(3) `2024-01-15 10:22:31.120`, DECIMAL with its scale.
enum SampleFormatting {
    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthIndex = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthIndex + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date of a day number (inverse of `days`).
    static func civil(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2:
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return leap ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
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
