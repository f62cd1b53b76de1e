import BillingModel
import NIOCore

/// One record found by `CSVParser`.
public enum CSVRecord: Sendable, Hashable {
    /// A well-formed record: its fields and the 1-based line it starts on.
    case fields([SourceValue], line: Int)
    /// A record that could not be read; parsing went on with the next one.
    case malformed(CSVMalformedRecord)
}

/// A record the parser could not read, with the raw text people need to repair it.
public struct CSVMalformedRecord: Sendable, Hashable, CustomStringConvertible {
    /// 1-based line the record starts on.
    public var line: Int
    public var reason: String
    /// The record's bytes as text (invalid UTF-8 shown as U+FFFD), without the line
    /// terminator; cut at `CSVParser.Options.maxRawTextBytes`.
    public var raw: String

    public init(line: Int, reason: String, raw: String) {
        self.line = line
        self.reason = reason
        self.raw = raw
    }

    public var description: String { "line \(line): \(reason)" }
}

/// A streaming RFC 4180 parser working on bytes, as AWS DMS writes CSV.
///
/// - `,` separates fields; `\n` or `\r\n` ends a record; a bare `\r` in an unquoted
///   field is data.
/// - A field that starts with `"` is quoted: it may hold commas, newlines and doubled
///   quotes (`""` for one `"`).
/// - An empty UNQUOTED field is NULL; an empty quoted field (`""`) is the empty
///   string. Spaces are data and kept.
/// - Empty lines are skipped.
/// - Malformed records (a quote inside an unquoted field, text after a closing quote,
///   invalid UTF-8, an unterminated quote, a record over `maxRecordBytes`) come out as
///   `.malformed` and parsing continues. A quote inside an unquoted field or text after
///   a closing quote make the record run to the end of that physical line. An
///   unterminated quote (at end of input or past `maxRecordBytes`) makes the record's
///   first line the malformed record, and parsing resumes on the line after it.
///
/// Feed chunks with `consume`, then call `finish` once. Records may cross chunk
/// boundaries anywhere, even between the two bytes of `\r\n` or `""`.
public struct CSVParser {
    public struct Options: Sendable, Hashable {
        /// The text of NULL in unquoted fields (DMS `CsvNullValue`). Nil or empty: an
        /// empty unquoted field is NULL. Otherwise an unquoted field equal to it is NULL
        /// and an empty unquoted field is the empty string.
        public var nullValue: String?
        /// A record longer than this is malformed (most likely an unterminated quote).
        public var maxRecordBytes: Int
        /// Raw text kept in a malformed record, at most.
        public var maxRawTextBytes: Int

        public init(nullValue: String? = nil, maxRecordBytes: Int = 64 << 20, maxRawTextBytes: Int = 64 << 10) {
            self.nullValue = nullValue
            self.maxRecordBytes = maxRecordBytes
            self.maxRawTextBytes = maxRawTextBytes
        }
    }

    private enum State: Equatable {
        /// Before the first byte of a record.
        case recordStart
        /// After a delimiter, before the first byte of a field.
        case fieldStart
        case unquoted
        case quoted
        /// A `"` inside a quoted field: closes it, or starts `""`.
        case quoteInQuoted
        /// A `\r` where a field could end; the next byte decides.
        case pendingCR(afterQuote: Bool)
        /// Dropping the rest of an over-long physical line.
        case skippingLine
    }

    private struct FieldSpan {
        var start: Int
        var end: Int
        var quoted: Bool
        var escaped: Bool
    }

    public let options: Options
    private let nullBytes: [UInt8]?

    private var state: State = .recordStart
    /// The current record's bytes, exactly as in the input, without its terminator.
    private var raw: [UInt8] = []
    private var fields: [FieldSpan] = []
    private var fieldStart = 0
    private var fieldQuoted = false
    private var fieldEscaped = false
    private var recordError: String?
    /// The line being scanned (1-based).
    private var line = 1
    private var recordLine = 1
    private var scratch: [UInt8] = []
    private var expectedFieldCount = 0

    public init(options: Options = Options()) {
        self.options = options
        if let null = options.nullValue, !null.isEmpty {
            nullBytes = Array(null.utf8)
        } else {
            nullBytes = nil
        }
        raw.reserveCapacity(1024)
        fields.reserveCapacity(32)
    }

    /// The line the next record will start on, or the current one starts on.
    public var currentLine: Int { line }

    public mutating func consume(_ buffer: ByteBuffer, _ emit: (CSVRecord) -> Void) {
        buffer.withUnsafeReadableBytes { raw in
            consume(raw.bindMemory(to: UInt8.self), emit)
        }
    }

    public mutating func consume(_ bytes: some Sequence<UInt8>, _ emit: (CSVRecord) -> Void) {
        let array = Array(bytes)
        array.withUnsafeBufferPointer { consume($0, emit) }
    }

    private static let comma = UInt8(ascii: ",")
    private static let quote = UInt8(ascii: "\"")
    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")

    public mutating func consume(_ bytes: UnsafeBufferPointer<UInt8>, _ emit: (CSVRecord) -> Void) {
        let count = bytes.count
        var index = 0
        scan: while index < count {
            switch state {
            case .recordStart:
                recordLine = line
                state = .fieldStart
            case .fieldStart:
                if bytes[index] == Self.quote {
                    raw.append(Self.quote)
                    index += 1
                    fieldStart = raw.count
                    fieldQuoted = true
                    state = .quoted
                } else {
                    fieldStart = raw.count
                    fieldQuoted = false
                    state = .unquoted
                }
                fieldEscaped = false
            case .unquoted:
                var end = index
                while end < count {
                    let byte = bytes[end]
                    if byte == Self.comma || byte == Self.lf || byte == Self.cr || byte == Self.quote { break }
                    end += 1
                }
                if end > index {
                    raw.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<end]))
                    index = end
                    if raw.count > options.maxRecordBytes {
                        recoverFromOverlongRecord(emit)
                        continue scan
                    }
                }
                guard index < count else { break scan }
                switch bytes[index] {
                case Self.comma:
                    endField(raw.count)
                    raw.append(Self.comma)
                    state = .fieldStart
                case Self.lf:
                    endField(raw.count)
                    line += 1
                    endRecord(emit)
                case Self.cr:
                    state = .pendingCR(afterQuote: false)
                default:  // a quote inside an unquoted field
                    if recordError == nil { recordError = "quote inside an unquoted field" }
                    raw.append(Self.quote)
                }
                index += 1
            case .quoted:
                var end = index
                var newlines = 0
                while end < count {
                    let byte = bytes[end]
                    if byte == Self.quote { break }
                    if byte == Self.lf { newlines += 1 }
                    end += 1
                }
                if end > index {
                    raw.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<end]))
                    line += newlines
                    index = end
                    if raw.count > options.maxRecordBytes {
                        recoverFromOverlongRecord(emit)
                        continue scan
                    }
                }
                guard index < count else { break scan }
                raw.append(Self.quote)
                index += 1
                state = .quoteInQuoted
            case .quoteInQuoted:
                switch bytes[index] {
                case Self.quote:
                    raw.append(Self.quote)
                    fieldEscaped = true
                    state = .quoted
                    index += 1
                case Self.comma:
                    endField(raw.count - 1)
                    raw.append(Self.comma)
                    state = .fieldStart
                    index += 1
                case Self.lf:
                    endField(raw.count - 1)
                    line += 1
                    index += 1
                    endRecord(emit)
                case Self.cr:
                    state = .pendingCR(afterQuote: true)
                    index += 1
                default:
                    // Text after a closing quote: the rest of the line is this record.
                    if recordError == nil { recordError = "text after the closing quote of a quoted field" }
                    state = .unquoted
                }
            case .pendingCR(let afterQuote):
                if bytes[index] == Self.lf {
                    endField(afterQuote ? raw.count - 1 : raw.count)
                    line += 1
                    index += 1
                    endRecord(emit)
                } else {
                    if afterQuote, recordError == nil {
                        recordError = "text after the closing quote of a quoted field"
                    }
                    // A bare CR is data.
                    raw.append(Self.cr)
                    state = .unquoted
                }
            case .skippingLine:
                var end = index
                while end < count && bytes[end] != Self.lf { end += 1 }
                index = end
                guard index < count else { break scan }
                index += 1
                line += 1
                state = .recordStart
            }
        }
    }

    /// Ends the input: the last record may lack a line terminator.
    public mutating func finish(_ emit: (CSVRecord) -> Void) {
        while true {
            switch state {
            case .recordStart, .skippingLine:
                state = .recordStart
                return
            case .fieldStart, .unquoted:
                endField(raw.count)
                endRecord(emit)
            case .quoteInQuoted:
                endField(raw.count - 1)
                endRecord(emit)
            case .pendingCR(let afterQuote):
                endField(afterQuote ? raw.count - 1 : raw.count)
                endRecord(emit)
            case .quoted:
                // Unterminated quote: report the record's first line, then read on from
                // the line after it (that text was swallowed by the open quote).
                let salvage = reportFirstLineAndSalvage(reason: "unterminated quoted field", emit)
                if let salvage {
                    salvage.withUnsafeBufferPointer { consume($0, emit) }
                }
            }
        }
    }

    // MARK: Records

    private mutating func endField(_ end: Int) {
        fields.append(FieldSpan(start: fieldStart, end: end, quoted: fieldQuoted, escaped: fieldEscaped))
    }

    private mutating func endRecord(_ emit: (CSVRecord) -> Void) {
        defer { resetRecord() }
        if let recordError {
            emit(.malformed(CSVMalformedRecord(line: recordLine, reason: recordError, raw: rawText(raw[...]))))
            return
        }
        if fields.count == 1 && raw.isEmpty && !fields[0].quoted {
            return  // an empty line
        }
        var values: [SourceValue] = []
        values.reserveCapacity(max(fields.count, expectedFieldCount))
        var invalidField: Int?
        raw.withUnsafeBufferPointer { record in
            for (position, field) in fields.enumerated() {
                if !field.quoted {
                    if field.start == field.end {
                        values.append(nullBytes == nil ? .null : .text(""))
                        continue
                    }
                    if let nullBytes, field.end - field.start == nullBytes.count,
                        record[field.start..<field.end].elementsEqual(nullBytes)
                    {
                        values.append(.null)
                        continue
                    }
                }
                let content = UnsafeBufferPointer(rebasing: record[field.start..<field.end])
                if field.escaped {
                    scratch.removeAll(keepingCapacity: true)
                    var previousWasQuote = false
                    for byte in content {
                        if byte == Self.quote && previousWasQuote {
                            previousWasQuote = false
                            continue
                        }
                        previousWasQuote = byte == Self.quote
                        scratch.append(byte)
                    }
                    let text: String? = scratch.withUnsafeBufferPointer {
                        isValidUTF8($0) ? String(decoding: $0, as: UTF8.self) : nil
                    }
                    guard let text else {
                        invalidField = position
                        return
                    }
                    values.append(.text(text))
                } else {
                    guard isValidUTF8(content) else {
                        invalidField = position
                        return
                    }
                    values.append(.text(String(decoding: content, as: UTF8.self)))
                }
            }
        }
        if let invalidField {
            emit(
                .malformed(
                    CSVMalformedRecord(
                        line: recordLine,
                        reason: "invalid UTF-8 in field \(invalidField + 1)",
                        raw: rawText(raw[...])
                    )
                )
            )
            return
        }
        expectedFieldCount = fields.count
        emit(.fields(values, line: recordLine))
    }

    private mutating func resetRecord() {
        raw.removeAll(keepingCapacity: raw.capacity <= 1 << 20)
        fields.removeAll(keepingCapacity: true)
        recordError = nil
        state = .recordStart
    }

    private func rawText(_ bytes: ArraySlice<UInt8>) -> String {
        var bytes = bytes
        if bytes.last == Self.cr { bytes = bytes.dropLast() }
        if bytes.count > options.maxRawTextBytes {
            return String(decoding: bytes.prefix(options.maxRawTextBytes), as: UTF8.self) + "…"
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The record grew past `maxRecordBytes`.
    private mutating func recoverFromOverlongRecord(_ emit: (CSVRecord) -> Void) {
        let reason =
            state == .quoted
            ? "quoted field still open after \(options.maxRecordBytes) bytes (unterminated quote?)"
            : "record longer than \(options.maxRecordBytes) bytes"
        if raw.contains(Self.lf) {
            let salvage = reportFirstLineAndSalvage(reason: reason, emit)
            if let salvage {
                salvage.withUnsafeBufferPointer { consume($0, emit) }
            }
        } else {
            // One physical line is too long: drop it up to its end.
            emit(.malformed(CSVMalformedRecord(line: recordLine, reason: reason, raw: rawText(raw[...]))))
            resetRecord()
            state = .skippingLine
        }
    }

    /// Emits the record's first physical line as malformed and returns the bytes after
    /// it (to be parsed again), resetting the line counter to the line after it.
    private mutating func reportFirstLineAndSalvage(reason: String, _ emit: (CSVRecord) -> Void) -> [UInt8]? {
        let firstBreak = raw.firstIndex(of: Self.lf)
        let firstLine = firstBreak.map { raw[..<$0] } ?? raw[...]
        emit(.malformed(CSVMalformedRecord(line: recordLine, reason: reason, raw: rawText(firstLine))))
        let salvage = firstBreak.map { Array(raw[($0 + 1)...]) }
        let next = recordLine + 1
        resetRecord()
        line = next
        return salvage
    }
}
