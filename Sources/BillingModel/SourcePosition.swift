/// Where a change sits in its source's history.
///
/// Positions of one source are totally ordered. `orderingKey` is a fixed-width
/// string whose lexical order is that order, so it can be stored in an item and
/// compared in a DynamoDB condition expression.
public enum SourcePosition: Sendable, Hashable {
    /// A row of a full load (DMS LOAD file or MySQL snapshot) taken before any change
    /// that the change stream will apply: it sorts before every change position.
    case fullLoad(file: String, line: Int)
    /// A DMS change-sequence number (`$AR_H_CHANGE_SEQ`, 35 digits).
    case changeSequence(String)
    /// A DMS CDC file (timestamp name) and the line within it, when no change
    /// sequence column is present: file names sort in commit order.
    case changeFile(name: String, line: Int)
    /// A binlog coordinate: the file's numeric suffix, the event's end position,
    /// and the row's index within the event.
    case binlog(fileSequence: UInt32, position: UInt64, rowIndex: UInt32)

    /// Fixed-width, lexically ordered encoding. The leading letter separates the
    /// kinds; a migration uses one change source, so kinds never race each other,
    /// and full-load rows (`0`) sort before every change.
    public var orderingKey: String {
        switch self {
        case .fullLoad:
            return "0"
        case .changeSequence(let sequence):
            return Self.leftPad(sequence, to: 40, after: UInt8(ascii: "S"))
        case .changeFile(let name, let line):
            return "F" + name + "#" + Self.leftPad(String(line), to: 10)
        case .binlog(let file, let position, let row):
            return "B" + Self.leftPad(String(file), to: 10) + Self.leftPad(String(position), to: 20)
                + Self.leftPad(String(row), to: 6)
        }
    }

    /// `digits` left-padded with zeros to `width` characters, after an optional one-byte prefix.
    static func leftPad(_ digits: String, to width: Int, after prefix: UInt8? = nil) -> String {
        let utf8 = digits.utf8
        // Fast path for ASCII digits (one Character per byte): one allocation, no grapheme counting.
        let allDigits =
            utf8.withContiguousStorageIfAvailable { bytes in bytes.allSatisfy { $0 &- UInt8(ascii: "0") < 10 } }
            ?? utf8.allSatisfy { $0 &- UInt8(ascii: "0") < 10 }
        guard allDigits else {
            let padded = digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
            return prefix.map { String(UnicodeScalar($0)) + padded } ?? padded
        }
        let start = prefix == nil ? 0 : 1
        let length = start + max(width, utf8.count)
        return String(unsafeUninitializedCapacity: length) { buffer in
            if let prefix { buffer[0] = prefix }
            var at = start
            for _ in 0..<max(0, width - utf8.count) {
                buffer[at] = UInt8(ascii: "0")
                at += 1
            }
            at += copyUTF8(of: digits, into: buffer, at: at)
            return at
        }
    }
}

/// Where a row was read from, for dead-letter records and error messages.
public struct RowOrigin: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A file name or URL, or a description such as `mysql://host/billing CHARGE chunk 12`.
    public var source: String
    /// 1-based line (CSV) or row number within the source, when known.
    public var line: Int?

    public init(source: String, line: Int? = nil) {
        self.source = source
        self.line = line
    }

    public var description: String {
        line.map { "\(source):\($0)" } ?? source
    }
}

/// Copies a string's UTF-8 bytes into `buffer` at `offset` (which must have room); returns the count.
func copyUTF8(of text: String, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) -> Int {
    let copied = text.utf8.withContiguousStorageIfAvailable { bytes -> Int in
        guard let source = bytes.baseAddress, let target = buffer.baseAddress else { return 0 }
        (target + offset).update(from: source, count: bytes.count)
        return bytes.count
    }
    if let copied { return copied }
    var at = offset
    for byte in text.utf8 {
        buffer[at] = byte
        at += 1
    }
    return at - offset
}
