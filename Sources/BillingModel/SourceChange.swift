/// One row-level event from any source: the single shape every source produces
/// and everything after the source consumes.
public struct SourceChange: Sendable {
    public enum Operation: String, Sendable, Hashable, Codable {
        /// A full-load row (DMS LOAD file or snapshot chunk).
        case snapshot
        case insert
        case update
        case delete
    }

    /// Source table name, upper case as in the contract (`CHARGE`).
    public var table: String
    public var operation: Operation
    /// The after-image for snapshot, insert and update; the before-image for delete.
    public var row: SourceRow
    /// The before-image of an update, when the source carries one (binlog, DMS `BI_` columns).
    public var before: SourceRow?
    public var position: SourcePosition
    public var origin: RowOrigin

    public init(
        table: String,
        operation: Operation,
        row: SourceRow,
        before: SourceRow? = nil,
        position: SourcePosition,
        origin: RowOrigin
    ) {
        self.table = table
        self.operation = operation
        self.row = row
        self.before = before
        self.position = position
        self.origin = origin
    }
}
