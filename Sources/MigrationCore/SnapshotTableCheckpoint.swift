import BillingModel

/// How far the direct snapshot load of one source table has come.
///
/// `lastKey` is a low-watermark in primary-key order: every row up to and
/// including that key, as the snapshot that read it saw the table, is written
/// or dead-lettered. A resumed run reads the rows after it from a new snapshot
/// (see docs/architecture.md for why that is safe).
public struct SnapshotTableCheckpoint: Sendable, Codable, Equatable {
    /// The source table (`CHARGE`).
    public var table: String
    public var state: FileCheckpoint.State
    /// The primary key of the last row done; nil when no row is done yet.
    public var lastKey: [KeyValue]?
    /// Rows done, counted from the table's start across runs: the record
    /// numbering of dead letters.
    public var rowsDone: Int
    public var counts: EntityCounts
    /// ISO-8601 time of the last save.
    public var updatedAt: String

    /// One primary-key column's value, as JSON can hold it.
    public struct KeyValue: Sendable, Codable, Equatable {
        public var text: String?
        /// Binary values, base64.
        public var base64: String?

        public init(_ value: SourceValue) {
            switch value {
            case .null: break
            case .text(let text): self.text = text
            case .bytes(let bytes): self.base64 = Base64.encode(bytes)
            }
        }

        public var value: SourceValue {
            if let text { return .text(text) }
            if let base64, let bytes = Base64.decode(base64) { return .bytes(bytes) }
            return .null
        }
    }

    public init(
        table: String, state: FileCheckpoint.State, lastKey: [SourceValue]?, rowsDone: Int, counts: EntityCounts,
        updatedAt: String
    ) {
        self.table = table
        self.state = state
        self.lastKey = lastKey?.map(KeyValue.init)
        self.rowsDone = rowsDone
        self.counts = counts
        self.updatedAt = updatedAt
    }

    /// The key to read after, as source values.
    public var resumeKey: [SourceValue]? { lastKey?.map(\.value) }

    /// The same progress in the shape `LoadStatus` reads (`snapshot/{TABLE}` as its file).
    public var fileCheckpoint: FileCheckpoint {
        FileCheckpoint(
            file: "snapshot/" + table, table: table, size: 0, etag: nil, state: state,
            recordsDone: rowsDone, counts: counts, updatedAt: updatedAt)
    }
}

/// Standard base64 without Foundation (MigrationCore stays pure).
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let b0 = bytes[index]
            let b1 = index + 1 < bytes.count ? bytes[index + 1] : 0
            let b2 = index + 2 < bytes.count ? bytes[index + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(index + 1 < bytes.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(index + 2 < bytes.count ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        for byte in text.utf8 where byte != UInt8(ascii: "=") {
            guard let value = alphabet.firstIndex(of: byte) else { return nil }
            values.append(UInt8(value))
        }
        var out: [UInt8] = []
        var index = 0
        while index + 1 < values.count {
            out.append(values[index] << 2 | values[index + 1] >> 4)
            if index + 2 < values.count { out.append(values[index + 1] << 4 | values[index + 2] >> 2) }
            if index + 3 < values.count { out.append(values[index + 2] << 6 | values[index + 3]) }
            index += 4
        }
        return out
    }
}
