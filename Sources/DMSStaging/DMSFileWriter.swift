import BillingModel
import CompressNIO
import NIOCore

/// How to write DMS-format files (the S3 endpoint settings they imitate).
public struct DMSWriteOptions: Sendable, Hashable {
    /// `AddColumnName`: a header row at the top of every file.
    public var addColumnName: Bool
    /// `IncludeOpForFullLoad`: full-load rows start with `I`.
    public var includeOpForFullLoad: Bool
    /// When set, a column of this name after the table's columns carries each row's
    /// change sequence (as a DMS transformation rule from `$AR_H_CHANGE_SEQ` adds).
    public var changeSequenceColumnName: String?
    /// `CompressionType=GZIP` gives `.csv.gz` files.
    public var compression: DMSFile.Compression
    /// Full loads start a new file before a row that would take the current one past
    /// this many (uncompressed) bytes; a row longer than this gets a file of its own.
    public var maxFileSize: Int

    public init(
        addColumnName: Bool = false,
        includeOpForFullLoad: Bool = false,
        changeSequenceColumnName: String? = nil,
        compression: DMSFile.Compression = .none,
        maxFileSize: Int = 32 << 20
    ) {
        self.addColumnName = addColumnName
        self.includeOpForFullLoad = includeOpForFullLoad
        self.changeSequenceColumnName = changeSequenceColumnName
        self.compression = compression
        self.maxFileSize = max(1, maxFileSize)
    }
}

/// Builds the bytes of DMS files, one at a time.
public struct DMSFileEncoder {
    public enum Kind: Sendable, Hashable {
        case fullLoad
        case changes
    }

    public let columns: [String]
    public let kind: Kind
    public let options: DMSWriteOptions
    private var body = ByteBuffer()
    /// Rows in the file being built.
    public private(set) var rowCount = 0

    public init(columns: [String], kind: Kind, options: DMSWriteOptions) {
        self.columns = columns
        self.kind = kind
        self.options = options
    }

    private var writesOp: Bool { kind == .changes || options.includeOpForFullLoad }

    /// Uncompressed bytes of the file being built (0 before its first row).
    public var byteCount: Int { body.readableBytes }

    /// The header line as DMS writes it (`Op,` first where rows carry an operation).
    public var headerRecord: [SourceValue] {
        var names: [SourceValue] = []
        if writesOp { names.append(.text("Op")) }
        names += columns.map { .text($0) }
        if let name = options.changeSequenceColumnName { names.append(.text(name)) }
        return names
    }

    /// Encodes one row (header not included) as it would be appended.
    public func encodedRow(
        _ row: SourceRow,
        operation: SourceChange.Operation = .snapshot,
        changeSequence: String? = nil
    ) -> ByteBuffer {
        var buffer = ByteBuffer()
        encode(row, operation: operation, changeSequence: changeSequence, into: &buffer)
        return buffer
    }

    private func encode(
        _ row: SourceRow,
        operation: SourceChange.Operation,
        changeSequence: String?,
        into buffer: inout ByteBuffer
    ) {
        if writesOp {
            switch operation {
            case .snapshot, .insert: buffer.writeStaticString("I,")
            case .update: buffer.writeStaticString("U,")
            case .delete: buffer.writeStaticString("D,")
            }
        }
        var first = true
        for value in row {
            if !first { buffer.writeInteger(UInt8(ascii: ",")) }
            first = false
            DMSCSVEncoder.appendField(value, to: &buffer)
        }
        if options.changeSequenceColumnName != nil {
            buffer.writeInteger(UInt8(ascii: ","))
            DMSCSVEncoder.appendField(changeSequence.map { .text($0) } ?? .null, to: &buffer)
        }
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    /// Appends a row to the file being built (after its header, if any).
    public mutating func append(
        _ row: SourceRow,
        operation: SourceChange.Operation = .snapshot,
        changeSequence: String? = nil
    ) {
        if rowCount == 0 && options.addColumnName {
            DMSCSVEncoder.appendRecord(headerRecord, to: &body)
        }
        encode(row, operation: operation, changeSequence: changeSequence, into: &body)
        rowCount += 1
    }

    /// Appends an already encoded row (from `encodedRow`).
    mutating func append(encoded row: inout ByteBuffer) {
        if rowCount == 0 && options.addColumnName {
            DMSCSVEncoder.appendRecord(headerRecord, to: &body)
        }
        body.writeBuffer(&row)
        rowCount += 1
    }

    /// The finished file's bytes (gzip-compressed when configured); starts a new file.
    public mutating func takeFile() throws -> ByteBuffer {
        var finished = body
        body = ByteBuffer()
        rowCount = 0
        guard options.compression == .gzip else { return finished }
        return try finished.compress(with: .gzip())
    }
}

/// A file a writer put into the store.
public struct DMSWrittenFile: Sendable, Hashable {
    public var key: String
    public var rows: Int
    /// The 0-based index of the file's first row among all rows the writer was given.
    public var firstRow: Int
    /// Bytes stored (compressed size for gzip).
    public var bytes: Int

    public init(key: String, rows: Int, firstRow: Int, bytes: Int) {
        self.key = key
        self.rows = rows
        self.firstRow = firstRow
        self.bytes = bytes
    }
}

/// Writes one table's full load as DMS does: `LOAD00000001.csv`, `LOAD00000002.csv`, ...
/// (hex counter), a new file whenever the next row would pass `maxFileSize`.
/// Memory holds at most one file.
public struct DMSFullLoadWriter<Store: ObjectStore> {
    public let store: Store
    /// The table folder, ending in `/` (`DMSStagingLayout.tablePrefix`).
    public let tablePrefix: String
    private var encoder: DMSFileEncoder
    private var counter: UInt64 = 0
    private var rowsWritten = 0
    private var firstRowOfFile = 0
    private var lineInFile = 1
    public private(set) var files: [DMSWrittenFile] = []

    public init(store: Store, tablePrefix: String, columns: [String], options: DMSWriteOptions = DMSWriteOptions()) {
        self.store = store
        self.tablePrefix = StagingLocation.folder(tablePrefix)
        self.encoder = DMSFileEncoder(columns: columns, kind: .fullLoad, options: options)
    }

    /// Appends a row; returns the file and line it will be in.
    @discardableResult
    public mutating func append(_ row: SourceRow, changeSequence: String? = nil) async throws -> DMSRowLocation {
        var encoded = encoder.encodedRow(row, changeSequence: changeSequence)
        if encoder.rowCount > 0 && encoder.byteCount + encoded.readableBytes > encoder.options.maxFileSize {
            try await flush()
        }
        if encoder.rowCount == 0 {
            lineInFile = encoder.options.addColumnName ? 2 : 1
        }
        let location = DMSRowLocation(
            key: tablePrefix + DMSStagingLayout.fullLoadName(counter: counter + 1, compression: encoder.options.compression),
            line: lineInFile
        )
        // Quoted values may hold line breaks: count them all.
        lineInFile += encoded.withUnsafeReadableBytes { bytes in bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } }
        encoder.append(encoded: &encoded)
        rowsWritten += 1
        return location
    }

    /// Writes the last file; returns every file written, in order.
    public mutating func finish() async throws -> [DMSWrittenFile] {
        try await flush()
        return files
    }

    private mutating func flush() async throws {
        guard encoder.rowCount > 0 else { return }
        let rows = encoder.rowCount
        let bytes = try encoder.takeFile()
        counter += 1
        let key = tablePrefix + DMSStagingLayout.fullLoadName(counter: counter, compression: encoder.options.compression)
        try await store.put(key: key, bytes: bytes)
        files.append(DMSWrittenFile(key: key, rows: rows, firstRow: firstRowOfFile, bytes: bytes.readableBytes))
        firstRowOfFile = rowsWritten
    }
}

/// Where a written row is: its file and the 1-based line its record starts on.
public struct DMSRowLocation: Sendable, Hashable {
    public var key: String
    public var line: Int

    public init(key: String, line: Int) {
        self.key = key
        self.line = line
    }
}

/// One row of a change file.
public struct DMSChangeRow: Sendable, Hashable {
    /// `.insert`, `.update` or `.delete` (`.snapshot` is written as `I`).
    public var operation: SourceChange.Operation
    public var row: SourceRow
    public var changeSequence: String?

    public init(operation: SourceChange.Operation, row: SourceRow, changeSequence: String? = nil) {
        self.operation = operation
        self.row = row
        self.changeSequence = changeSequence
    }
}

extension DMSStagingLayout {
    /// `20240809-192717787.csv`: a change file's name from its commit time.
    public static func changeFileName(
        year: Int,
        month: Int,
        day: Int,
        hour: Int,
        minute: Int,
        second: Int,
        millisecond: Int,
        compression: DMSFile.Compression = .none
    ) -> String {
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let stem =
            pad(year, 4) + pad(month, 2) + pad(day, 2) + "-" + pad(hour, 2) + pad(minute, 2) + pad(second, 2)
            + pad(millisecond, 3)
        return stem + (compression == .gzip ? ".csv.gz" : ".csv")
    }

    /// Writes one change file of `table` named `name` (see `changeFileName`) under the
    /// table's change folder; returns its key.
    @discardableResult
    public func writeChangeFile(
        table: String,
        columns: [String],
        name: String,
        rows: [DMSChangeRow],
        options: DMSWriteOptions = DMSWriteOptions(),
        to store: some ObjectStore
    ) async throws -> String {
        var encoder = DMSFileEncoder(columns: columns, kind: .changes, options: options)
        for change in rows {
            encoder.append(change.row, operation: change.operation, changeSequence: change.changeSequence)
        }
        let key = changePrefix(table) + name
        try await store.put(key: key, bytes: try encoder.takeFile())
        return key
    }
}
