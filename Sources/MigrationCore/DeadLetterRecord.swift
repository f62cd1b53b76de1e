/// One row that could not be mapped or written, kept with everything needed to
/// understand and replay it. Stored as one JSON line.
public struct DeadLetterRecord: Sendable, Codable, Equatable {
    public enum Stage: String, Sendable, Codable {
        /// The file could not be parsed into a row (wrong column count, bad quoting, bad UTF-8).
        case parse
        /// The row could not be turned into an item (bad key value, bad number, too large).
        case map
        /// DynamoDB did not accept the item within the retry budget, or rejected it.
        case write
        /// The file could not be read to its end (truncated or corrupt gzip, a bad
        /// header): the records before the damage are loaded, `line` is the last
        /// good one, and the rest of the file is missing until it is replaced.
        case file
    }

    public var stage: Stage
    public var table: String
    /// The file (or other source) and line the row came from.
    public var source: String
    public var line: Int?
    public var reason: String
    /// Column names and values in source order when the row was parsed; NULL is `nil`.
    public var columns: [String]?
    public var values: [String?]?
    /// The raw text when the row could not be parsed.
    public var raw: String?
    /// The item key, for write failures.
    public var key: String?
    /// ISO-8601 time the record was made.
    public var at: String
    /// The run that wrote the record, and the batch the row was in (see
    /// `LogKey` in Migration): the log lines about it carry the same ids.
    /// Absent in records written before they existed.
    public var runID: String?
    public var batch: String?

    public init(
        stage: Stage, table: String, source: String, line: Int?, reason: String,
        columns: [String]? = nil, values: [String?]? = nil, raw: String? = nil,
        key: String? = nil, at: String, runID: String? = nil, batch: String? = nil
    ) {
        self.stage = stage
        self.table = table
        self.source = source
        self.line = line
        self.reason = reason
        self.columns = columns
        self.values = values
        self.raw = raw
        self.key = key
        self.at = at
        self.runID = runID
        self.batch = batch
    }
}
