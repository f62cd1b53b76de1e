import BillingModel
import CivilCalendar

/// Decodes row images of one table into `SourceValue`s rendered as MySQL's
/// text protocol renders them (what `SELECT` returns): `-12.3400`,
/// `2024-01-15 10:22:31.120`, `0000-00-00`. Binary columns (collation 63)
/// become `.bytes`.
public struct BinlogValueDecoder: Sendable {
    public struct Options: Sendable, Hashable {
        /// Offset from UTC, in seconds, in which TIMESTAMP values are rendered.
        /// Zero matches a session with `time_zone = '+00:00'`, as `MySQLConnection` sets.
        public var timestampUTCOffsetSeconds: Int

        public init(timestampUTCOffsetSeconds: Int = 0) {
            self.timestampUTCOffsetSeconds = timestampUTCOffsetSeconds
        }
    }

    public let table: BinlogTableMap
    public let options: Options

    public init(table: BinlogTableMap, options: Options = .init()) {
        self.table = table
        self.options = options
    }

    /// One row image: the null bitmap (one bit per present column), then the
    /// values of the present, non-NULL columns.
    func decodeImage(from reader: inout BinlogByteReader, present: [Bool]) throws(BinlogDecodingError) -> BinlogRowImage {
        let presentCount = present.lazy.filter { $0 }.count
        let nullBitmap = try reader.readBytes((presentCount + 7) / 8, "row null bitmap")
        var values = [SourceValue?](repeating: nil, count: table.columns.count)
        var presentIndex = 0
        for column in table.columns.indices where present[column] {
            defer { presentIndex += 1 }
            if nullBitmap[presentIndex / 8] & (1 << (presentIndex % 8)) != 0 {
                values[column] = .null
                continue
            }
            values[column] = try decodeValue(column: column, from: &reader)
        }
        return BinlogRowImage(values: values)
    }

    /// Decodes one non-NULL value of `column`.
    public func decodeValue(column index: Int, from bytes: [UInt8]) throws(BinlogDecodingError) -> (value: SourceValue, length: Int) {
        var reader = BinlogByteReader(bytes)
        let value = try decodeValue(column: index, from: &reader)
        return (value, reader.offset)
    }

    func decodeValue(column index: Int, from reader: inout BinlogByteReader) throws(BinlogDecodingError) -> SourceValue {
        let column = table.columns[index]
        let what = "\(table.table) column \(column.name ?? String(index + 1))"
        switch column.realType {
        case .tiny: return try integer(column, index, width: 1, &reader, what)
        case .short: return try integer(column, index, width: 2, &reader, what)
        case .int24: return try integer(column, index, width: 3, &reader, what)
        case .long: return try integer(column, index, width: 4, &reader, what)
        case .longLong: return try integer(column, index, width: 8, &reader, what)
        case .newDecimal:
            let precision = Int(column.metadata >> 8)
            let scale = Int(column.metadata & 0xFF)
            return .text(try Self.decimal(precision: precision, scale: scale, from: &reader, what))
        case .float:
            let value = Float(bitPattern: UInt32(try reader.readLittleEndian(4, what)))
            return .text(Self.floatingText(value.description))
        case .double:
            let value = Double(bitPattern: try reader.readLittleEndian(8, what))
            return .text(Self.floatingText(value.description))
        case .year:
            let year = try reader.readUInt8(what)
            return .text(year == 0 ? "0000" : String(1900 + Int(year)))
        case .bit:
            let bits = Int(column.metadata >> 8) * 8 + Int(column.metadata & 0xFF)
            return .bytes(try reader.readBytes((bits + 7) / 8, what))
        case .newDate, .date:
            let packed = try reader.readLittleEndian(3, what)
            return .text(Self.dateText(year: Int(packed >> 9), month: Int(packed >> 5 & 0x0F), day: Int(packed & 0x1F)))
        case .datetime2:
            return .text(try Self.datetime2(fsp: Int(column.metadata), from: &reader, what))
        case .timestamp2:
            let seconds = Int64(try reader.readBigEndian(4, what))
            let micros = try Self.fraction(fsp: Int(column.metadata), from: &reader, what)
            return .text(timestampText(epochSeconds: seconds, micros: micros, fsp: Int(column.metadata)))
        case .time2:
            return .text(try Self.time2(fsp: Int(column.metadata), from: &reader, what))
        case .datetime:
            // Pre-5.6 DATETIME: the decimal number YYYYMMDDhhmmss.
            let number = try reader.readLittleEndian(8, what)
            let date = number / 1_000_000, time = number % 1_000_000
            return .text(Self.dateText(year: Int(date / 10_000), month: Int(date / 100 % 100), day: Int(date % 100))
                + " " + Self.clockText(hours: Int(time / 10_000), minutes: Int(time / 100 % 100), seconds: Int(time % 100)))
        case .timestamp:
            let seconds = Int64(try reader.readLittleEndian(4, what))
            return .text(timestampText(epochSeconds: seconds, micros: 0, fsp: 0))
        case .time:
            // Pre-5.6 TIME: signed 3-byte hhmmss.
            var number = Int64(try reader.readLittleEndian(3, what))
            if number & 0x80_0000 != 0 { number -= 0x100_0000 }
            let sign = number < 0 ? "-" : ""
            let magnitude = abs(number)
            return .text(sign + Self.clockText(
                hours: Int(magnitude / 10_000), minutes: Int(magnitude / 100 % 100), seconds: Int(magnitude % 100)))
        case .varchar, .varString:
            let prefix = column.metadata < 256 ? 1 : 2
            let length = Int(try reader.readLittleEndian(prefix, what))
            return text(try reader.readSlice(length, what), column: column, trimPadding: false)
        case .string:
            let prefix = column.stringMaxLength < 256 ? 1 : 2
            let length = Int(try reader.readLittleEndian(prefix, what))
            let value = text(try reader.readSlice(length, what), column: column, trimPadding: true)
            if case .bytes(var bytes) = value, bytes.count < column.stringMaxLength {
                // BINARY(n) is logged without its trailing zero bytes; SELECT returns all n.
                bytes += repeatElement(0, count: column.stringMaxLength - bytes.count)
                return .bytes(bytes)
            }
            return value
        case .blob, .geometry:
            let prefix = Int(column.metadata)
            guard (1...4).contains(prefix) else {
                throw .invalidValue(what: what, reason: "BLOB length-prefix size \(prefix)")
            }
            let length = Int(try reader.readLittleEndian(prefix, what))
            let bytes = try reader.readSlice(length, what)
            return column.realType == .geometry ? .bytes(Array(bytes)) : text(bytes, column: column, trimPadding: false)
        case .enum:
            let index = Int(try reader.readLittleEndian(Int(column.metadata & 0xFF), what))
            guard let labels = column.labels else {
                throw .missingMetadata(table: table.qualifiedName, column: index, what: "ENUM labels")
            }
            guard index <= labels.count else {
                throw .invalidValue(what: what, reason: "ENUM index \(index) beyond \(labels.count) labels")
            }
            return .text(index == 0 ? "" : labels[index - 1])
        case .set:
            let width = Int(column.metadata & 0xFF)
            let mask = try reader.readLittleEndian(width, what)
            guard let labels = column.labels else {
                throw .missingMetadata(table: table.qualifiedName, column: index, what: "SET labels")
            }
            let chosen = labels.indices.filter { $0 < 64 && mask & (1 << UInt64($0)) != 0 }.map { labels[$0] }
            return .text(chosen.joined(separator: ","))
        default:
            throw .unsupportedColumnType(table: table.qualifiedName, column: index, typeCode: column.wireType.rawValue)
        }
    }

    // MARK: Numbers

    private func integer(
        _ column: BinlogColumn, _ index: Int, width: Int, _ reader: inout BinlogByteReader, _ what: String
    ) throws(BinlogDecodingError) -> SourceValue {
        guard let unsigned = column.isUnsigned else {
            throw .missingMetadata(table: table.qualifiedName, column: index, what: "signedness")
        }
        let raw = try reader.readLittleEndian(width, what)
        if unsigned { return .text(String(raw)) }
        let shift = UInt64(64 - 8 * width)
        return .text(String(Int64(bitPattern: raw << shift) >> Int64(shift)))
    }

    /// Bytes used by a group of `digits` leftover decimal digits (fewer than nine).
    private static let bytesForDigits = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4]

    /// NEWDECIMAL: integer and fraction parts in groups of nine digits per four
    /// bytes, big-endian, leftover digits in fewer bytes; the sign bit of the
    /// first byte is flipped, and a negative number has every byte inverted.
    static func decimal(precision: Int, scale: Int, from reader: inout BinlogByteReader, _ what: String) throws(BinlogDecodingError) -> String {
        guard precision > 0, scale >= 0, scale <= precision else {
            throw .invalidValue(what: what, reason: "DECIMAL(\(precision),\(scale))")
        }
        let integerDigits = precision - scale
        let integerGroups = integerDigits / 9, integerLeftover = integerDigits % 9
        let fractionGroups = scale / 9, fractionLeftover = scale % 9
        let size = integerGroups * 4 + bytesForDigits[integerLeftover] + fractionGroups * 4 + bytesForDigits[fractionLeftover]
        var bytes = try reader.readBytes(size, what)
        let negative = bytes[0] & 0x80 == 0
        bytes[0] ^= 0x80
        if negative {
            for index in bytes.indices { bytes[index] = ~bytes[index] }
        }
        var cursor = 0
        func group(_ length: Int) -> UInt64 {
            var value: UInt64 = 0
            for _ in 0..<length {
                value = value << 8 | UInt64(bytes[cursor])
                cursor += 1
            }
            return value
        }

        var integerText = ""
        if integerLeftover > 0 {
            let value = group(bytesForDigits[integerLeftover])
            if value > 0 { integerText = String(value) }
        }
        for _ in 0..<integerGroups {
            let value = group(4)
            integerText += integerText.isEmpty ? (value > 0 ? String(value) : "") : zeroPadded(value, 9)
        }
        if integerText.isEmpty { integerText = "0" }

        var fractionText = ""
        for _ in 0..<fractionGroups {
            fractionText += zeroPadded(group(4), 9)
        }
        if fractionLeftover > 0 {
            fractionText += zeroPadded(group(bytesForDigits[fractionLeftover]), fractionLeftover)
        }
        guard integerText.count <= max(integerDigits, 1), fractionText.count == scale else {
            throw .invalidValue(what: what, reason: "DECIMAL digits do not fit DECIMAL(\(precision),\(scale))")
        }
        let isZero = integerText == "0" && fractionText.allSatisfy { $0 == "0" }
        let sign = negative && !isZero ? "-" : ""
        return scale > 0 ? sign + integerText + "." + fractionText : sign + integerText
    }

    /// Swift's shortest round-trip form, spelled as MySQL spells it (`1.5`, `100`, `1e20`).
    static func floatingText(_ description: String) -> String {
        var text = description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text.replacing("e+", with: "e")
    }

    // MARK: Time

    /// The fractional-second bytes of DATETIME2, TIMESTAMP2 and TIME2 (non-negative), as microseconds.
    static func fraction(fsp: Int, from reader: inout BinlogByteReader, _ what: String) throws(BinlogDecodingError) -> Int {
        switch fsp {
        case 0: return 0
        case 1, 2: return Int(try reader.readBigEndian(1, what)) * 10_000
        case 3, 4: return Int(try reader.readBigEndian(2, what)) * 100
        case 5, 6: return Int(try reader.readBigEndian(3, what))
        default: throw .invalidValue(what: what, reason: "fractional seconds precision \(fsp)")
        }
    }

    /// DATETIME2: 40 bits big-endian, offset by 2^39: sign(1) year*13+month(17)
    /// day(5) hour(5) minute(6) second(6); then the fraction.
    static func datetime2(fsp: Int, from reader: inout BinlogByteReader, _ what: String) throws(BinlogDecodingError) -> String {
        let packed = Int64(try reader.readBigEndian(5, what)) - 0x80_0000_0000
        let micros = try fraction(fsp: fsp, from: &reader, what)
        guard packed >= 0 else { throw .invalidValue(what: what, reason: "negative DATETIME") }
        let yearMonth = Int(packed >> 22 & 0x1FFFF)
        let text = dateText(year: yearMonth / 13, month: yearMonth % 13, day: Int(packed >> 17 & 0x1F))
            + " " + clockText(hours: Int(packed >> 12 & 0x1F), minutes: Int(packed >> 6 & 0x3F), seconds: Int(packed & 0x3F))
        return text + fractionText(micros: micros, fsp: fsp)
    }

    /// TIME2: 24 bits big-endian offset by 2^23 (sign, hours(10), minutes(6),
    /// seconds(6)), with the fraction; negative values count down, fraction included.
    static func time2(fsp: Int, from reader: inout BinlogByteReader, _ what: String) throws(BinlogDecodingError) -> String {
        // Combine into one signed count of 2^-24 units: integer part << 24 | fraction.
        var packed: Int64
        switch fsp {
        case 0:
            packed = (Int64(try reader.readBigEndian(3, what)) - 0x80_0000) << 24
        case 1, 2:
            var integer = Int64(try reader.readBigEndian(3, what)) - 0x80_0000
            var fractionPart = Int64(try reader.readBigEndian(1, what))
            if integer < 0, fractionPart != 0 {
                integer += 1
                fractionPart -= 0x100
            }
            packed = integer << 24 + fractionPart * 10_000
        case 3, 4:
            var integer = Int64(try reader.readBigEndian(3, what)) - 0x80_0000
            var fractionPart = Int64(try reader.readBigEndian(2, what))
            if integer < 0, fractionPart != 0 {
                integer += 1
                fractionPart -= 0x10000
            }
            packed = integer << 24 + fractionPart * 100
        case 5, 6:
            packed = Int64(try reader.readBigEndian(6, what)) - 0x8000_0000_0000
        default:
            throw .invalidValue(what: what, reason: "fractional seconds precision \(fsp)")
        }
        let sign = packed < 0 ? "-" : ""
        packed = abs(packed)
        let clock = packed >> 24
        let micros = Int(packed & 0xFF_FFFF)
        return sign + clockText(hours: Int(clock >> 12 & 0x3FF), minutes: Int(clock >> 6 & 0x3F), seconds: Int(clock & 0x3F))
            + fractionText(micros: micros, fsp: fsp)
    }

    func timestampText(epochSeconds: Int64, micros: Int, fsp: Int) -> String {
        if epochSeconds == 0 {
            return "0000-00-00 00:00:00" + Self.fractionText(micros: micros, fsp: fsp)
        }
        let local = epochSeconds + Int64(options.timestampUTCOffsetSeconds)
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secondOfDay = Int(local - days * 86_400)
        let (year, month, day) = CivilCalendar.date(days: Int(days))
        return Self.dateText(year: year, month: month, day: day) + " "
            + Self.clockText(hours: secondOfDay / 3600, minutes: secondOfDay / 60 % 60, seconds: secondOfDay % 60)
            + Self.fractionText(micros: micros, fsp: fsp)
    }

    static func dateText(year: Int, month: Int, day: Int) -> String {
        zeroPadded(UInt64(year), 4) + "-" + zeroPadded(UInt64(month), 2) + "-" + zeroPadded(UInt64(day), 2)
    }

    static func clockText(hours: Int, minutes: Int, seconds: Int) -> String {
        zeroPadded(UInt64(hours), 2) + ":" + zeroPadded(UInt64(minutes), 2) + ":" + zeroPadded(UInt64(seconds), 2)
    }

    /// `.120` for 120000 µs at fsp 3; nothing at fsp 0. MySQL always prints fsp digits.
    static func fractionText(micros: Int, fsp: Int) -> String {
        guard fsp > 0 else { return "" }
        return "." + String(zeroPadded(UInt64(micros), 6).prefix(fsp))
    }

    // MARK: Text

    private func text(_ bytes: ArraySlice<UInt8>, column: BinlogColumn, trimPadding: Bool) -> SourceValue {
        switch column.isBinary {
        case true?:
            return .bytes(Array(bytes))
        case false?:
            var text = Self.decode(bytes, collation: column.collation ?? 0)
            if trimPadding {
                // CHAR values are space-padded in storage; SELECT returns them trimmed.
                while text.last == " " { text.removeLast() }
            }
            return .text(text)
        case nil:
            // Without charset metadata a BLOB and a TEXT look the same: valid
            // UTF-8 is taken as text.
            if column.realType == .blob, String(validating: bytes, as: UTF8.self) == nil {
                return .bytes(Array(bytes))
            }
            var text = String(decoding: bytes, as: UTF8.self)
            if trimPadding { while text.last == " " { text.removeLast() } }
            return .text(text)
        }
    }

    /// latin1 collations map bytes to the first 256 code points; everything else is read as UTF-8.
    private static let latin1Collations: Set<UInt64> = [5, 8, 15, 31, 47, 48, 49, 94]

    private static func decode(_ bytes: ArraySlice<UInt8>, collation: UInt64) -> String {
        if latin1Collations.contains(collation) {
            return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

func zeroPadded(_ value: UInt64, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}
