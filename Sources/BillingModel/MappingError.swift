/// Why a source change cannot become items. The row goes to the dead-letter
/// store with `description` as its reason; nothing is written for it.
public struct MappingError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The change names a table the mapping does not know.
        case unknownTable
        /// The row has more or fewer values than the table has columns.
        case wrongColumnCount
        /// A NOT NULL column holds NULL.
        case nullInNotNullColumn
        /// A value is not valid for its column type (not a number, out of range,
        /// not a date, invalid UTF-8, ...).
        case invalidValue
        /// A key attribute (PK, SK or an index key) cannot be built unambiguously:
        /// NULL in PK/SK, a value with `#`, an empty value, an integer that does
        /// not fit its padding, or a key over DynamoDB's length limit.
        case invalidKey
        /// The item would exceed DynamoDB's 400 KB item size limit.
        case itemTooLarge
    }

    public let kind: Kind
    /// The source table of the change.
    public let table: String
    /// The column at fault, when one is.
    public let column: String?
    /// The offending value, shortened to at most `MappingError.valueLimit` characters.
    public let value: String?
    /// What is wrong, in words.
    public let reason: String
    /// Where the row came from, when known.
    public var origin: RowOrigin?

    /// Longer offending values are cut to this many characters (plus `…`).
    public static let valueLimit = 80

    public init(
        kind: Kind, table: String, column: String? = nil, value: String? = nil, reason: String,
        origin: RowOrigin? = nil
    ) {
        self.kind = kind
        self.table = table
        self.column = column
        self.value = value.map(Self.shortened)
        self.reason = reason
        self.origin = origin
    }

    static func shortened(_ value: String) -> String {
        value.count <= valueLimit ? value : String(value.prefix(valueLimit)) + "…"
    }

    /// `CHARGE.amount = "abc": not a number (at s3://bucket/x.csv:12)`.
    public var description: String {
        var text = table
        if let column { text += "." + column }
        if let value { text += " = \"\(value)\"" }
        text += ": " + reason
        if let origin { text += " (at \(origin))" }
        return text
    }
}
