import BillingModel
import NIOCore

/// Reads DMS CSV files (plain or gzip) from an object store into `SourceChange`s,
/// streaming: memory stays bounded by the chunk and batch sizes, not the file size.
///
/// Records are handed to the consumer in batches of `options.batchSize` (the last one
/// smaller), in file order, so the consumer pays one suspension per batch, not per row.
///
/// ```swift
/// let reader = DMSFileReader(options: DMSReadOptions(changeSequenceColumnName: "change_seq"))
/// let summary = try await reader.read(file, table: layout, from: store) { batch in
///     for record in batch { ... }
/// }
/// ```
public struct DMSFileReader: Sendable {
    public var options: DMSReadOptions

    public init(options: DMSReadOptions = DMSReadOptions()) {
        self.options = options
    }

    /// Reads a full-load or per-table change file of `table`.
    public func read(
        _ file: DMSFile,
        table: DMSTableLayout,
        from store: some ObjectStore,
        _ body: ([DMSRecord]) async throws -> Void
    ) async throws -> DMSFileSummary {
        let interpreter = try DMSRecordInterpreter(file: file, layout: table, options: options)
        return try await run(interpreter, from: store, body)
    }

    /// Reads a `CDC_TXN-*.csv` file; rows of tables not in `tables` are skipped and counted.
    public func readTransactions(
        _ file: DMSFile,
        tables: [DMSTableLayout],
        from store: some ObjectStore,
        _ body: ([DMSRecord]) async throws -> Void
    ) async throws -> DMSFileSummary {
        let interpreter = try DMSRecordInterpreter(transactionFile: file, tables: tables, options: options)
        return try await run(interpreter, from: store, body)
    }

    /// Decodes a whole file already in memory (for tools and tests).
    public func records(in bytes: ByteBuffer, file: DMSFile, table: DMSTableLayout) throws -> (
        [DMSRecord], DMSFileSummary
    ) {
        var decoder = try DMSFileDecoder(
            interpreter: DMSRecordInterpreter(file: file, layout: table, options: options),
            compression: file.compression,
            options: options
        )
        var records: [DMSRecord] = []
        try decoder.consume(bytes) { records.append($0) }
        try decoder.finish { records.append($0) }
        return (records, decoder.summary)
    }

    private func run(
        _ interpreter: DMSRecordInterpreter,
        from store: some ObjectStore,
        _ body: ([DMSRecord]) async throws -> Void
    ) async throws -> DMSFileSummary {
        let file = interpreter.file
        let batchSize = options.batchSize
        let options = self.options
        return try await store.withObject(key: file.key) { stream in
            var decoder = try DMSFileDecoder(interpreter: interpreter, compression: file.compression, options: options)
            var batcher = Batcher(size: batchSize)
            for try await chunk in stream {
                do {
                    try decoder.consume(chunk) { batcher.append($0) }
                } catch let error as DMSReadError {
                    throw error.inFile(file.key)
                }
                for batch in batcher.takeFull() {
                    try await body(batch)
                }
            }
            do {
                try decoder.finish { batcher.append($0) }
            } catch let error as DMSReadError {
                throw error.inFile(file.key)
            }
            for batch in batcher.takeAll() {
                try await body(batch)
            }
            return decoder.summary
        }
    }
}

/// Groups records into arrays of `size` without shifting elements around.
private struct Batcher {
    let size: Int
    private var current: [DMSRecord] = []
    private var full: [[DMSRecord]] = []

    init(size: Int) {
        self.size = size
        current.reserveCapacity(size)
    }

    mutating func append(_ record: DMSRecord) {
        current.append(record)
        if current.count == size {
            full.append(current)
            current = []
            current.reserveCapacity(size)
        }
    }

    mutating func takeFull() -> [[DMSRecord]] {
        defer { full.removeAll(keepingCapacity: true) }
        return full
    }

    mutating func takeAll() -> [[DMSRecord]] {
        var all = takeFull()
        if !current.isEmpty {
            all.append(current)
            current = []
        }
        return all
    }
}

/// The synchronous pipeline of one file: gunzip (when needed) -> CSV -> DMS records.
struct DMSFileDecoder {
    private var gzip: GzipStreamDecoder?
    private var parser: CSVParser
    private var interpreter: DMSRecordInterpreter

    init(interpreter: DMSRecordInterpreter, compression: DMSFile.Compression, options: DMSReadOptions) throws {
        self.interpreter = interpreter
        self.parser = CSVParser(options: CSVParser.Options(nullValue: options.nullValue))
        if compression == .gzip {
            gzip = try GzipStreamDecoder(outputChunkSize: options.decompressedChunkSize)
        }
    }

    var summary: DMSFileSummary {
        var summary = interpreter.summary
        summary.lines = parser.currentLine
        return summary
    }

    mutating func consume(_ chunk: ByteBuffer, _ emit: (DMSRecord) -> Void) throws {
        if var gzip {
            self.gzip = nil  // keep the decoder uniquely referenced while it works
            defer { self.gzip = gzip }
            try gzip.decode(chunk) { try parse($0, emit) }
        } else {
            try parse(chunk, emit)
        }
    }

    mutating func finish(_ emit: (DMSRecord) -> Void) throws {
        if var gzip {
            self.gzip = nil
            defer { self.gzip = gzip }
            try gzip.finish { try parse($0, emit) }
        }
        var records: [CSVRecord] = []
        parser.finish { records.append($0) }
        for record in records {
            try interpreter.interpret(record, emit)
        }
    }

    private mutating func parse(_ bytes: ByteBuffer, _ emit: (DMSRecord) -> Void) throws {
        // Parse the piece first, then interpret: the parser and the interpreter are
        // both parts of `self`, so one closure may not hold both.
        var records: [CSVRecord] = []
        records.reserveCapacity(bytes.readableBytes / 64)
        parser.consume(bytes) { records.append($0) }
        for record in records {
            try interpreter.interpret(record, emit)
        }
    }
}
