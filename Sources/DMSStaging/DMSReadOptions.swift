import BillingModel

/// What the reader needs to know about a source table: its name and its columns in
/// source order (the order DMS writes them in files without a header).
public struct DMSTableLayout: Sendable, Hashable {
    /// The source schema (database): `billing`.
    public var schema: String
    /// The source table name, as DMS names its folder: `CHARGE`.
    public var table: String
    /// Column names in source order.
    public var columns: [String]

    public init(schema: String = "billing", table: String, columns: [String]) {
        self.schema = schema
        self.table = table
        self.columns = columns
    }
}

/// How the DMS endpoint that wrote the files was configured.
public struct DMSReadOptions: Sendable, Hashable {
    public enum Header: Sendable, Hashable {
        /// A first record that names every table column (optionally after `Op`) is a
        /// header; otherwise the file has none.
        case detect
        /// `AddColumnName=true`: every file starts with a header.
        case present
        /// No file has a header.
        case absent
    }

    public var header: Header
    /// `IncludeOpForFullLoad`: full-load rows start with `I`. Nil: decided per row by
    /// its field count (one more field than expected, starting with `I`).
    public var includeOpForFullLoad: Bool?
    /// `TimestampColumnName`, when set: a commit-timestamp column the reader skips.
    public var timestampColumnName: String?
    /// The name of the column added from `$AR_H_CHANGE_SEQ`, when there is one.
    /// Change rows carry it as `SourcePosition.changeSequence`.
    public var changeSequenceColumnName: String?
    /// Without a header: extra columns between `Op` and the table's columns.
    public var leadingExtraColumns: [String]
    /// Without a header: extra columns after the table's columns. The timestamp and
    /// change-sequence columns, when named above and listed in neither list, are
    /// taken to follow the table's columns in that order.
    public var trailingExtraColumns: [String]
    /// `CsvNullValue`; nil: an empty unquoted field is NULL.
    public var nullValue: String?
    /// Records handed on per call of the consumer.
    public var batchSize: Int
    /// Bytes of output per piece when decompressing `.csv.gz`.
    public var decompressedChunkSize: Int

    public init(
        header: Header = .detect,
        includeOpForFullLoad: Bool? = nil,
        timestampColumnName: String? = nil,
        changeSequenceColumnName: String? = nil,
        leadingExtraColumns: [String] = [],
        trailingExtraColumns: [String] = [],
        nullValue: String? = nil,
        batchSize: Int = 1000,
        decompressedChunkSize: Int = 256 * 1024
    ) {
        self.header = header
        self.includeOpForFullLoad = includeOpForFullLoad
        self.timestampColumnName = timestampColumnName
        self.changeSequenceColumnName = changeSequenceColumnName
        self.leadingExtraColumns = leadingExtraColumns
        self.trailingExtraColumns = trailingExtraColumns
        self.nullValue = nullValue
        self.batchSize = max(1, batchSize)
        self.decompressedChunkSize = max(4096, decompressedChunkSize)
    }

    /// Trailing extra columns with the timestamp and change-sequence columns added
    /// when not listed anywhere.
    var effectiveTrailingColumns: [String] {
        var trailing = trailingExtraColumns
        for name in [timestampColumnName, changeSequenceColumnName].compactMap({ $0 })
        where !leadingExtraColumns.contains(name) && !trailing.contains(name) {
            trailing.append(name)
        }
        return trailing
    }
}

/// One interpreted record of a DMS file.
public enum DMSRecord: Sendable {
    case change(SourceChange)
    case error(DMSRowError)

    public var change: SourceChange? {
        if case .change(let change) = self { return change }
        return nil
    }

    public var error: DMSRowError? {
        if case .error(let error) = self { return error }
        return nil
    }
}

/// A record that could not become a `SourceChange`: where it is, why, and its text.
public struct DMSRowError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file's key.
    public var file: String
    /// 1-based line the record starts on.
    public var line: Int
    /// The table the file (or, in a CDC_TXN file, the row) belongs to, when known.
    public var table: String?
    public var reason: String
    /// The record's text (for CSV-level errors exactly as read; otherwise the fields
    /// written back in DMS quoting).
    public var raw: String

    public init(file: String, line: Int, table: String?, reason: String, raw: String) {
        self.file = file
        self.line = line
        self.table = table
        self.reason = reason
        self.raw = raw
    }

    public var origin: RowOrigin { RowOrigin(source: file, line: line) }

    public var description: String { "\(file):\(line): \(reason)" }
}

/// What reading one file found.
public struct DMSFileSummary: Sendable, Hashable {
    public var file: String
    /// Records handed on as changes.
    public var changes: Int = 0
    /// Records handed on as errors.
    public var errors: Int = 0
    /// CDC_TXN rows of tables not asked for (other schemas or tables).
    public var skipped: Int = 0
    /// Whether the file started with a header row.
    public var hadHeader: Bool = false
    /// Lines read (1 + line breaks seen).
    public var lines: Int = 0

    public init(file: String) {
        self.file = file
    }
}

/// A file the reader could not read at all.
public struct DMSReadError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Sendable, Hashable {
        case corruptGzip
        case truncatedGzip
        case badHeader
        case wrongFileKind
    }

    private let code: Code
    public var file: String
    public var detail: String

    private init(_ code: Code, file: String = "", detail: String) {
        self.code = code
        self.file = file
        self.detail = detail
    }

    static let corruptGzip = DMSReadError(.corruptGzip, detail: "the gzip data is corrupt")
    static let truncatedGzip = DMSReadError(.truncatedGzip, detail: "the gzip data ends early (truncated file?)")

    static func badHeader(_ file: String, _ detail: String) -> DMSReadError {
        DMSReadError(.badHeader, file: file, detail: detail)
    }

    static func wrongFileKind(_ file: String, _ detail: String) -> DMSReadError {
        DMSReadError(.wrongFileKind, file: file, detail: detail)
    }

    func inFile(_ file: String) -> DMSReadError {
        var copy = self
        copy.file = file
        return copy
    }

    public var isCorruptCompression: Bool { code == .corruptGzip || code == .truncatedGzip }

    public var description: String {
        file.isEmpty ? detail : "\(file): \(detail)"
    }
}
