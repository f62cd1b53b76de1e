/// Exact decimal numbers as text, never through a binary float.
///
/// Reads plain and scientific notation (`-12.3400`, `+5.0656000000000000e+05`,
/// `2.4E4`); writes plain notation. DynamoDB keeps numbers as decimal text but
/// may drop trailing zeros, so numbers are compared as values: `equal("24000.00",
/// "2.4E4")` is true.
public enum DecimalText {
    /// Whether both texts are numbers with the same value. False when either is not a number.
    public static func equal(_ lhs: String, _ rhs: String) -> Bool {
        guard let left = ParsedDecimal(lhs), let right = ParsedDecimal(rhs) else { return false }
        return left == right
    }

    /// The shortest plain-notation text of a number's value (`+5.0656e+05` ->
    /// `506560`, `-0012.3400` -> `-12.34`, `-0` -> `0`); nil when the text is not a number.
    public static func normalized(_ text: String) -> String? {
        ParsedDecimal(text)?.plainText(minimumScale: 0)
    }

    /// Whether the text is a number in any notation this type reads.
    public static func isNumber(_ text: String) -> Bool {
        ParsedDecimal(text) != nil
    }
}

/// A decimal number as sign, significant digits and a power of ten:
/// value = (negative ? -1 : 1) * digits * 10^exponent. `digits` has no leading
/// or trailing zeros; zero is empty digits, exponent 0, not negative.
struct ParsedDecimal: Hashable {
    var negative: Bool
    /// ASCII digits.
    var digits: [UInt8]
    var exponent: Int

    /// Exponents beyond this are rejected rather than expanded into huge strings.
    static let exponentLimit = 1000

    init?(_ text: String) {
        var text = text
        guard let parsed = text.withUTF8({ ParsedDecimal(utf8: $0) }) else { return nil }
        self = parsed
    }

    init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        var index = 0
        let count = bytes.count
        var negative = false
        if index < count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var digits: [UInt8] = []
        digits.reserveCapacity(count)
        var sawDigit = false
        var sawPoint = false
        var fractionDigits = 0
        while index < count {
            let byte = bytes[index]
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                sawDigit = true
                // Leading zeros carry no value.
                if !(digits.isEmpty && byte == UInt8(ascii: "0")) { digits.append(byte) }
                if sawPoint { fractionDigits += 1 }
            } else if byte == UInt8(ascii: "."), !sawPoint {
                sawPoint = true
            } else {
                break
            }
            index += 1
        }
        guard sawDigit else { return nil }
        var exponent = 0
        if index < count {
            guard bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") else { return nil }
            index += 1
            var exponentNegative = false
            if index < count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            var sawExponentDigit = false
            while index < count {
                let byte = bytes[index]
                guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
                sawExponentDigit = true
                exponent = exponent * 10 + Int(byte - UInt8(ascii: "0"))
                guard exponent <= Self.exponentLimit * 2 else { return nil }
                index += 1
            }
            guard sawExponentDigit else { return nil }
            if exponentNegative { exponent = -exponent }
        }
        // Digits dropped as leading zeros may have been fraction digits: the
        // exponent counts every fraction digit, kept or not.
        exponent -= fractionDigits
        while let last = digits.last, last == UInt8(ascii: "0") {
            digits.removeLast()
            exponent += 1
        }
        if digits.isEmpty {
            self.negative = false
            self.digits = []
            self.exponent = 0
            return
        }
        guard abs(exponent) <= Self.exponentLimit else { return nil }
        self.negative = negative
        self.digits = digits
        self.exponent = exponent
    }

    var isZero: Bool { digits.isEmpty }
    var isInteger: Bool { exponent >= 0 }
    /// Digits before the decimal point, not counting leading zeros.
    var integerDigitCount: Int { max(0, digits.count + exponent) }
    /// Digits after the decimal point, not counting trailing zeros.
    var fractionDigitCount: Int { max(0, -exponent) }
    /// Significant digits: what DynamoDB's 38-digit precision limit counts.
    var significantDigitCount: Int { digits.count }

    /// Plain notation with at least `minimumScale` fraction digits (zero-padded).
    func plainText(minimumScale: Int) -> String {
        let scale = max(minimumScale, fractionDigitCount)
        var out: [UInt8] = []
        out.reserveCapacity(integerDigitCount + scale + 3)
        if negative { out.append(UInt8(ascii: "-")) }
        if integerDigitCount == 0 {
            out.append(UInt8(ascii: "0"))
        } else if exponent >= 0 {
            out += digits
            out += repeatElement(UInt8(ascii: "0"), count: exponent)
        } else {
            out += digits[0..<integerDigitCount]
        }
        if scale > 0 {
            out.append(UInt8(ascii: "."))
            // Zeros between the point and the first significant digit.
            let leadingZeros = max(0, -exponent - digits.count)
            let written = min(leadingZeros, scale)
            out += repeatElement(UInt8(ascii: "0"), count: written)
            if exponent < 0 {
                out += digits[(digits.count - min(digits.count, -exponent))...]
            }
            out += repeatElement(UInt8(ascii: "0"), count: scale - fractionDigitCount)
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension DecimalText {
    /// Plain notation with exactly `scale` fraction digits and at most
    /// `precision` digits in all (a DECIMAL(precision, scale) column's form);
    /// nil when the text is not a number or the value does not fit the column
    /// without rounding.
    public static func fitted(_ text: String, precision: Int, scale: Int) -> String? {
        guard let parsed = ParsedDecimal(text), parsed.fractionDigitCount <= scale,
            parsed.integerDigitCount <= precision - scale
        else { return nil }
        return parsed.plainText(minimumScale: scale)
    }
}
