import CivilCalendar

/// Dates and times as text, without Foundation formatters (the mapper's hot
/// path) and without a time-zone database: the source zone is a fixed UTC offset.
///
/// Source form (MySQL): `YYYY-MM-DD` and `YYYY-MM-DD HH:MM:SS[.f{1,6}]`.
/// Item form: `YYYY-MM-DD` and ISO-8601 UTC `YYYY-MM-DDTHH:MM:SS.mmmZ`, or
/// `YYYY-MM-DDTHH:MM:SS.mmmuuuZ` when the microseconds are not zero, so no
/// non-zero digit is ever lost and millisecond values keep the contract's form.
public enum DateTimeText {
    /// The ISO-8601 item form of a source DATETIME/TIMESTAMP read in a zone
    /// `utcOffsetSeconds` east of UTC; nil when the text is not a valid date-time.
    public static func iso8601(fromSQL text: String, utcOffsetSeconds: Int = 0) -> String? {
        var text = text
        return text.withUTF8 { bytes in
            CivilDateTime(sql: bytes).map { $0.shifted(bySeconds: -utcOffsetSeconds).iso8601() }
        }
    }

    /// The source form of an ISO-8601 item value, in a zone `utcOffsetSeconds`
    /// east of UTC, with `fractionDigits` (0...6) fraction digits, or 3 or 6
    /// when the value has non-zero digits beyond them.
    public static func sql(fromISO8601 text: String, utcOffsetSeconds: Int = 0, fractionDigits: Int = 3) -> String? {
        var text = text
        return text.withUTF8 { bytes in
            CivilDateTime(iso8601: bytes).map {
                $0.shifted(bySeconds: utcOffsetSeconds).sql(fractionDigits: fractionDigits)
            }
        }
    }

    /// Whether the text is a valid `YYYY-MM-DD` date.
    public static func isValidDate(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { $0.count == 10 && CivilDateTime.parseDate($0) != nil }
    }

    /// Milliseconds since 1970-01-01T00:00:00Z in the item form (`...T10:22:31.120Z`).
    public static func iso8601(epochMilliseconds: Int64) -> String {
        CivilDateTime(epochMicroseconds: epochMilliseconds * 1000).iso8601()
    }

    /// Milliseconds since the epoch of an ISO-8601 UTC text in the item form
    /// (sub-millisecond digits are dropped); nil when it is not one.
    public static func epochMilliseconds(fromISO8601 text: String) -> Int64? {
        var text = text
        return text.withUTF8 { bytes in
            CivilDateTime(iso8601: bytes).map { $0.epochMicroseconds / 1000 - ($0.epochMicroseconds % 1000 < 0 ? 1 : 0) }
        }
    }
}

/// A proleptic Gregorian date and time of day with microseconds, in no zone.
struct CivilDateTime: Hashable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int = 0
    var minute: Int = 0
    var second: Int = 0
    var microsecond: Int = 0

    /// `YYYY-MM-DD`, with a valid month and day (years 0000-9999).
    static func parseDate(_ bytes: UnsafeBufferPointer<UInt8>) -> CivilDateTime? {
        guard bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let year = number(bytes, 0, 4), let month = number(bytes, 5, 2), let day = number(bytes, 8, 2),
            (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month)
        else { return nil }
        return CivilDateTime(year: year, month: month, day: day)
    }

    /// `YYYY-MM-DD HH:MM:SS[.f{1,6}]`; a `T` may stand for the space.
    init?(sql bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count >= 19, var value = Self.parseDate(bytes),
            bytes[10] == UInt8(ascii: " ") || bytes[10] == UInt8(ascii: "T"),
            value.parseTime(bytes, from: 11, fractionEnd: bytes.count)
        else { return nil }
        self = value
    }

    /// `YYYY-MM-DDTHH:MM:SS[.f{1,6}]Z`.
    init?(iso8601 bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count >= 20, bytes[bytes.count - 1] == UInt8(ascii: "Z"), var value = Self.parseDate(bytes),
            bytes[10] == UInt8(ascii: "T"), value.parseTime(bytes, from: 11, fractionEnd: bytes.count - 1)
        else { return nil }
        self = value
    }

    /// `HH:MM:SS[.f{1,6}]` from `start` up to `end`.
    private mutating func parseTime(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, fractionEnd end: Int) -> Bool {
        guard end >= start + 8, bytes[start + 2] == UInt8(ascii: ":"), bytes[start + 5] == UInt8(ascii: ":"),
            let hour = Self.number(bytes, start, 2), let minute = Self.number(bytes, start + 3, 2),
            let second = Self.number(bytes, start + 6, 2), hour < 24, minute < 60, second < 60
        else { return false }
        self.hour = hour
        self.minute = minute
        self.second = second
        var index = start + 8
        guard index < end else { return true }
        let fractionCount = end - index - 1
        guard bytes[index] == UInt8(ascii: "."), (1...6).contains(fractionCount) else { return false }
        index += 1
        var micro = 0
        for offset in 0..<6 {
            micro *= 10
            if offset < fractionCount {
                let byte = bytes[index + offset]
                guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return false }
                micro += Int(byte - UInt8(ascii: "0"))
            }
        }
        self.microsecond = micro
        return true
    }

    private static func number(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> Int? {
        var value = 0
        for index in start..<(start + count) {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        CivilCalendar.daysInMonth(year: year, month: month)
    }

    var epochMicroseconds: Int64 {
        let days = Int64(CivilCalendar.days(year: year, month: month, day: day))
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return seconds * 1_000_000 + Int64(microsecond)
    }

    init(epochMicroseconds: Int64) {
        var seconds = epochMicroseconds / 1_000_000
        var micro = epochMicroseconds % 1_000_000
        if micro < 0 {
            micro += 1_000_000
            seconds -= 1
        }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let civil = CivilCalendar.date(days: Int(days))
        self.init(
            year: civil.year, month: civil.month, day: civil.day, hour: Int(secondOfDay / 3600),
            minute: Int(secondOfDay % 3600 / 60), second: Int(secondOfDay % 60), microsecond: Int(micro))
    }

    init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, microsecond: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.microsecond = microsecond
    }

    func shifted(bySeconds seconds: Int) -> CivilDateTime {
        seconds == 0 ? self : CivilDateTime(epochMicroseconds: epochMicroseconds + Int64(seconds) * 1_000_000)
    }

    /// The item form of a source DATETIME read in a zone `utcOffsetSeconds` east
    /// of UTC: nil when the text is not a valid date-time, `.some(nil)` when
    /// the UTC time falls outside years 0000-9999.
    static func iso8601(sql bytes: UnsafeBufferPointer<UInt8>, utcOffsetSeconds: Int) -> String?? {
        guard let civil = CivilDateTime(sql: bytes) else { return nil }
        guard utcOffsetSeconds == 0 else {
            let utc = civil.shifted(bySeconds: -utcOffsetSeconds)
            guard (0...9999).contains(utc.year) else { return .some(nil) }
            return utc.iso8601()
        }
        // Already UTC and validated: copy the digits rather than formatting numbers.
        let fractionDigits = civil.microsecond % 1000 == 0 ? 3 : 6
        let available = bytes.count > 20 ? bytes.count - 20 : 0
        return String(unsafeUninitializedCapacity: 21 + fractionDigits) { buffer in
            for index in 0..<19 { buffer[index] = bytes[index] }
            buffer[10] = UInt8(ascii: "T")
            buffer[19] = UInt8(ascii: ".")
            for index in 0..<fractionDigits {
                buffer[20 + index] = index < available ? bytes[20 + index] : UInt8(ascii: "0")
            }
            buffer[20 + fractionDigits] = UInt8(ascii: "Z")
            return 21 + fractionDigits
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`, or `.mmmuuuZ` when the microseconds are not zero.
    func iso8601() -> String {
        let fraction = microsecond % 1000 == 0 ? 3 : 6
        return render(separator: UInt8(ascii: "T"), fractionDigits: fraction, zulu: true)
    }

    /// `YYYY-MM-DD HH:MM:SS[.f]` with `fractionDigits`, or 3 or 6 when fewer would drop a non-zero digit.
    func sql(fractionDigits: Int) -> String {
        var digits = min(max(fractionDigits, 0), 6)
        var divisor = 1
        for _ in digits..<6 { divisor *= 10 }
        if microsecond % divisor != 0 { digits = microsecond % 1000 == 0 ? 3 : 6 }
        return render(separator: UInt8(ascii: " "), fractionDigits: digits, zulu: false)
    }

    private func render(separator: UInt8, fractionDigits: Int, zulu: Bool) -> String {
        guard (0...9999).contains(year) else {
            // Only reachable through a time-zone shift at the ends of the calendar.
            return "\(year)-\(month)-\(day)"
        }
        let length = 19 + (fractionDigits > 0 ? 1 + fractionDigits : 0) + (zulu ? 1 : 0)
        return String(unsafeUninitializedCapacity: length) { buffer in
            func put(_ value: Int, _ start: Int, _ count: Int) {
                var value = value
                for index in stride(from: start + count - 1, through: start, by: -1) {
                    buffer[index] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
            }
            put(year, 0, 4)
            buffer[4] = UInt8(ascii: "-")
            put(month, 5, 2)
            buffer[7] = UInt8(ascii: "-")
            put(day, 8, 2)
            buffer[10] = separator
            put(hour, 11, 2)
            buffer[13] = UInt8(ascii: ":")
            put(minute, 14, 2)
            buffer[16] = UInt8(ascii: ":")
            put(second, 17, 2)
            var index = 19
            if fractionDigits > 0 {
                buffer[19] = UInt8(ascii: ".")
                var divisor = 1
                for _ in fractionDigits..<6 { divisor *= 10 }
                put(microsecond / divisor, 20, fractionDigits)
                index = 20 + fractionDigits
            }
            if zulu {
                buffer[index] = UInt8(ascii: "Z")
                index += 1
            }
            return index
        }
    }
}
