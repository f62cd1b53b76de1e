import BillingModel
import CivilCalendar

/// An exact decimal as its plain text (`24000.00`, `-12.5000`), never a binary
/// float. JSON carries it as a string so no client parser rounds it.
public struct BillingDecimal: Sendable, Hashable, Codable, CustomStringConvertible {
    public let text: String

    /// Accepts any number `DecimalText` reads; fitting a column's scale happens
    /// when a model is validated against its table.
    public init?(_ text: String) {
        guard let normalized = DecimalText.normalized(text) else { return nil }
        self.text = text.isEmpty ? normalized : text
    }

    public var description: String { text }

    /// Equal values are equal however they are written (`24000` and `24000.00`).
    public static func == (lhs: Self, rhs: Self) -> Bool { DecimalText.equal(lhs.text, rhs.text) }
    public func hash(into hasher: inout Hasher) { hasher.combine(DecimalText.normalized(text)) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text: String
        if let string = try? container.decode(String.self) {
            text = string
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "a decimal is a JSON string such as \"12.50\", never a JSON number")
        }
        guard let value = BillingDecimal(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "`\(text)` is not a decimal number")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

/// A calendar date, `YYYY-MM-DD`.
public struct BillingDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let text: String

    public init?(_ text: String) {
        guard DateTimeText.isValidDate(text) else { return nil }
        self.text = text
    }

    public var description: String { text }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.text < rhs.text }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = BillingDate(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "`\(text)` is not a date YYYY-MM-DD")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

/// An instant with millisecond precision, UTC. JSON and items carry the
/// ISO-8601 form (`2024-01-15T10:22:31.120Z`); MySQL rows the SQL form.
public struct BillingTimestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let epochMilliseconds: Int64

    public init(epochMilliseconds: Int64) { self.epochMilliseconds = epochMilliseconds }

    public init?(iso8601 text: String) {
        guard let millis = DateTimeText.epochMilliseconds(fromISO8601: text) else { return nil }
        self.epochMilliseconds = millis
    }

    public init?(sql text: String) {
        guard let iso = DateTimeText.iso8601(fromSQL: text) else { return nil }
        self.init(iso8601: iso)
    }

    public var iso8601: String { DateTimeText.iso8601(epochMilliseconds: epochMilliseconds) }

    /// The bytes of `iso8601`, built on the stack: a page writes two timestamps
    /// a record, and a String of 24 bytes is a heap allocation each.
    public func withISO8601Bytes<T>(_ body: (UnsafeRawBufferPointer) -> T) -> T {
        var days = epochMilliseconds / 86_400_000
        var millisecondOfDay = epochMilliseconds % 86_400_000
        if millisecondOfDay < 0 {
            millisecondOfDay += 86_400_000
            days -= 1
        }
        let date = CivilCalendar.date(days: Int(days))
        guard (0...9999).contains(date.year) else {
            var text = iso8601
            return text.withUTF8 { body(UnsafeRawBufferPointer($0)) }
        }
        var storage: (UInt64, UInt64, UInt64) = (0, 0, 0)
        return withUnsafeMutableBytes(of: &storage) { bytes in
            func put(_ value: Int, at start: Int, digits: Int, then separator: UInt8) {
                var value = value
                for index in stride(from: start + digits - 1, through: start, by: -1) {
                    bytes[index] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
                bytes[start + digits] = separator
            }
            let millisecond = Int(millisecondOfDay)
            put(date.year, at: 0, digits: 4, then: UInt8(ascii: "-"))
            put(date.month, at: 5, digits: 2, then: UInt8(ascii: "-"))
            put(date.day, at: 8, digits: 2, then: UInt8(ascii: "T"))
            put(millisecond / 3_600_000, at: 11, digits: 2, then: UInt8(ascii: ":"))
            put(millisecond / 60_000 % 60, at: 14, digits: 2, then: UInt8(ascii: ":"))
            put(millisecond / 1000 % 60, at: 17, digits: 2, then: UInt8(ascii: "."))
            put(millisecond % 1000, at: 20, digits: 3, then: UInt8(ascii: "Z"))
            return body(UnsafeRawBufferPointer(bytes))
        }
    }
    public var sql: String { DateTimeText.sql(fromISO8601: iso8601, fractionDigits: 3) ?? iso8601 }
    public var description: String { iso8601 }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.epochMilliseconds < rhs.epochMilliseconds }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = BillingTimestamp(iso8601: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "`\(text)` is not an ISO-8601 UTC time such as 2024-01-15T10:22:31.120Z")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(iso8601)
    }
}
