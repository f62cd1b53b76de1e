import DynamoDBModel

/// Why one value cannot be converted; the mapper adds table, column and value.
struct ValueError: Error {
    var kind: MappingError.Kind = .invalidValue
    var reason: String
}

/// How one column's textual source value becomes an attribute value. Chosen
/// once per column when a mapping is compiled; the fast paths return the
/// source string itself when it is already in canonical form.
enum ValueConversion: Sendable {
    case integer(bits: Int, signed: Bool)
    case decimal(precision: Int, scale: Int)
    case string
    case date
    case dateTime(utcOffsetSeconds: Int)
    case binary

    init(_ type: ColumnType, utcOffsetSeconds: Int) {
        switch type {
        case .integer(let bits, let signed): self = .integer(bits: bits, signed: signed)
        case .decimal(let precision, let scale): self = .decimal(precision: precision, scale: scale)
        case .char, .varchar, .text: self = .string
        case .date: self = .date
        case .datetime, .timestamp: self = .dateTime(utcOffsetSeconds: utcOffsetSeconds)
        case .binary, .varbinary, .blob: self = .binary
        }
    }

    /// Whether the attribute is a number (`N`), text (`S`) or bytes (`B`).
    var isNumber: Bool {
        switch self {
        case .integer, .decimal: return true
        default: return false
        }
    }

    var isBinary: Bool {
        if case .binary = self { return true }
        return false
    }

    /// The attribute text (`S` or `N`) of a non-NULL value of a non-binary column.
    func text(of value: SourceValue) throws(ValueError) -> String {
        switch value {
        case .null:
            preconditionFailure("NULL is handled by the caller")
        case .bytes(let bytes):
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw ValueError(reason: "not valid UTF-8 text")
            }
            return try self.text(of: text)
        case .text(let text):
            return try self.text(of: text)
        }
    }

    /// The attribute bytes (`B`) of a non-NULL value of a binary column:
    /// bytes as they are, text as hexadecimal digits.
    func bytes(of value: SourceValue) throws(ValueError) -> [UInt8] {
        switch value {
        case .null:
            preconditionFailure("NULL is handled by the caller")
        case .bytes(let bytes):
            return bytes
        case .text(let text):
            guard let bytes = Self.hexBytes(text) else {
                throw ValueError(reason: "binary value given as text must be hexadecimal digits")
            }
            return bytes
        }
    }

    private func text(of text: String) throws(ValueError) -> String {
        switch self {
        case .string:
            return text
        case .integer(let bits, let signed):
            return try Self.integerText(text, bits: bits, signed: signed)
        case .decimal(let precision, let scale):
            return try Self.decimalText(text, precision: precision, scale: scale)
        case .date:
            var text = text
            let valid = text.withUTF8 { $0.count == 10 && CivilDateTime.parseDate($0) != nil }
            guard valid else { throw ValueError(reason: "not a valid date (YYYY-MM-DD)") }
            return text
        case .dateTime(let offset):
            var text = text
            guard let iso = text.withUTF8({ CivilDateTime.iso8601(sql: $0, utcOffsetSeconds: offset) }) else {
                throw ValueError(reason: "not a valid date-time (YYYY-MM-DD HH:MM:SS[.ffffff])")
            }
            guard let iso else { throw ValueError(reason: "outside years 0000-9999 in UTC") }
            return iso
        case .binary:
            preconditionFailure("binary columns convert with bytes(of:)")
        }
    }

    // MARK: Integers

    /// Largest magnitude allowed: positive side and negative side.
    private static func limits(bits: Int, signed: Bool) -> (positive: UInt64, negative: UInt64) {
        if signed {
            let positive = (UInt64(1) << UInt64(bits - 1)) - 1
            return (positive, positive + 1)
        }
        return (bits == 64 ? UInt64.max : (UInt64(1) << UInt64(bits)) - 1, 0)
    }

    static func integerText(_ text: String, bits: Int, signed: Bool) throws(ValueError) -> String {
        let limit = limits(bits: bits, signed: signed)
        // Fast path: already canonical (`0`, `-12`, `4500000001`) and at most 18 digits.
        let canonical = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            var index = 0
            var negative = false
            if bytes.first == UInt8(ascii: "-") {
                negative = true
                index = 1
            }
            let digitCount = bytes.count - index
            guard digitCount >= 1, digitCount <= 18 else { return false }
            if bytes[index] == UInt8(ascii: "0") && digitCount > 1 { return false }
            var magnitude: UInt64 = 0
            while index < bytes.count {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return false }
                magnitude = magnitude * 10 + UInt64(digit)
                index += 1
            }
            if negative { return magnitude != 0 && magnitude <= limit.negative }
            return magnitude <= limit.positive
        }
        if canonical == true { return text }

        guard let parsed = ParsedDecimal(text) else { throw ValueError(reason: "not a number") }
        guard parsed.isInteger else { throw ValueError(reason: "not an integer") }
        let maximum = parsed.negative ? limit.negative : limit.positive
        var magnitude: UInt64 = 0
        var fits = parsed.integerDigitCount <= 20
        if fits {
            for digit in parsed.digits + repeatElement(UInt8(ascii: "0"), count: parsed.exponent) {
                let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit - UInt8(ascii: "0")))
                if overflow1 || overflow2 {
                    fits = false
                    break
                }
                magnitude = sum
            }
        }
        guard fits, magnitude <= maximum else {
            throw ValueError(reason: "out of range")
        }
        return parsed.plainText(minimumScale: 0)
    }

    // MARK: Decimals

    static func decimalText(_ text: String, precision: Int, scale: Int) throws(ValueError) -> String {
        let maxIntegerDigits = precision - scale
        // Fast path: `-?(0|[1-9][0-9]*)(\.[0-9]{scale})?` with exactly `scale` decimals, fitting, not -0.
        let canonical = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard precision <= 38 else { return false }
            var index = 0
            let negative = bytes.first == UInt8(ascii: "-")
            if negative { index = 1 }
            let integerStart = index
            var allZero = true
            while index < bytes.count, bytes[index] &- UInt8(ascii: "0") < 10 {
                if bytes[index] != UInt8(ascii: "0") { allZero = false }
                index += 1
            }
            let integerDigits = index - integerStart
            guard integerDigits >= 1, integerDigits <= max(maxIntegerDigits, 1) else { return false }
            if integerDigits > 1 && bytes[integerStart] == UInt8(ascii: "0") { return false }
            if integerDigits == 1 && maxIntegerDigits == 0 && bytes[integerStart] != UInt8(ascii: "0") { return false }
            if scale == 0 {
                guard index == bytes.count else { return false }
            } else {
                guard index < bytes.count, bytes[index] == UInt8(ascii: "."), bytes.count - index - 1 == scale
                else { return false }
                index += 1
                while index < bytes.count {
                    let digit = bytes[index] &- UInt8(ascii: "0")
                    guard digit < 10 else { return false }
                    if digit != 0 { allZero = false }
                    index += 1
                }
            }
            return !(negative && allZero)
        }
        if canonical == true { return text }

        guard let parsed = ParsedDecimal(text) else { throw ValueError(reason: "not a number") }
        guard parsed.fractionDigitCount <= scale else {
            throw ValueError(reason: "has more than \(scale) decimal places")
        }
        guard parsed.integerDigitCount <= maxIntegerDigits else {
            throw ValueError(reason: "out of range")
        }
        guard parsed.significantDigitCount <= 38 else {
            throw ValueError(reason: "has more than 38 significant digits, DynamoDB's limit")
        }
        return parsed.plainText(minimumScale: scale)
    }

    // MARK: Binary

    /// Hex digits, optionally `0x`-prefixed, two per byte.
    static func hexBytes(_ text: String) -> [UInt8]? {
        var utf8 = Substring(text).utf8
        if utf8.starts(with: "0x".utf8) || utf8.starts(with: "0X".utf8) { utf8 = utf8.dropFirst(2) }
        guard utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        var high: UInt8?
        for byte in utf8 {
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            if let first = high {
                bytes.append(first << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes
    }
}
