/// Why bytes from the binlog could not be turned into events or row values.
public enum BinlogDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The event ended before `what` was complete.
    case truncated(what: String, needed: Int, available: Int)
    /// The event's CRC32 does not match its bytes.
    case checksumMismatch(expected: UInt32, computed: UInt32)
    /// A value or field that cannot be what the format says it is.
    case invalidValue(what: String, reason: String)
    /// A column type this decoder does not read (for example MySQL's binary JSON).
    case unsupportedColumnType(table: String, column: Int, typeCode: UInt8)
    /// A rows event names a table id no TABLE_MAP event has introduced.
    case missingTableMap(tableID: UInt64)
    /// A rows event and its TABLE_MAP disagree on the number of columns.
    case columnCountMismatch(table: String, tableMap: Int, rowsEvent: Int)
    /// The TABLE_MAP lacks optional metadata that this column needs.
    case missingMetadata(table: String, column: Int, what: String)
    /// The event type carries compressed rows, which are not read.
    case unsupportedEvent(typeCode: UInt8, reason: String)
    /// The TABLE_MAP does not match the table's definition read from the source.
    case definitionMismatch(table: String, reason: String)
    /// A statement that changes a selected table's definition (DDL).
    case schemaChange(table: String, statement: String, at: BinlogCoordinates)

    public var description: String {
        switch self {
        case .truncated(let what, let needed, let available):
            return "binlog event truncated in \(what): needed \(needed) bytes, \(available) left"
        case .checksumMismatch(let expected, let computed):
            return "binlog event checksum mismatch: event says \(hex(expected)), bytes give \(hex(computed))"
        case .invalidValue(let what, let reason):
            return "invalid \(what) in binlog event: \(reason)"
        case .unsupportedColumnType(let table, let column, let typeCode):
            return "\(table) column \(column + 1) has binlog type \(typeCode), which is not supported"
        case .missingTableMap(let tableID):
            return "rows event for table id \(tableID) without a preceding TABLE_MAP event"
        case .columnCountMismatch(let table, let tableMap, let rowsEvent):
            return "\(table): TABLE_MAP has \(tableMap) columns but the rows event has \(rowsEvent)"
        case .missingMetadata(let table, let column, let what):
            return "\(table) column \(column + 1): TABLE_MAP lacks \(what) and no definition of the table was read from the source"
        case .unsupportedEvent(let typeCode, let reason):
            return "binlog event type \(typeCode) is not supported: \(reason)"
        case .definitionMismatch(let table, let reason):
            return "\(table) is not the table whose definition the stream decodes with: \(reason). "
                + "Its definition changed during the migration; a schema change needs a new mapping and a new snapshot (billmig load --restart)"
        case .schemaChange(let table, let statement, let at):
            return "\(table) changes its definition at \(at) (\(statement.prefix(120))): the stream stops before it. "
                + "A schema change during a migration needs a new mapping and a new snapshot (billmig load --restart)"
        }
    }
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
