import BillingModel

/// What the binlog stream hands on, in binlog order.
public enum BinlogStreamItem: Sendable {
    /// The rows of one rows event of a selected table, as `SourceChange`s.
    case changes([SourceChange])
    /// The end of a transaction (XID, `COMMIT`, or a standalone DDL group).
    /// `resumeAt` is the first position after it: a valid place to restart the stream.
    case commit(resumeAt: BinlogCoordinates, gtid: MariaDBGTID?)
    /// A statement other than BEGIN/COMMIT logged in the watched database (usually DDL).
    case statement(database: String, sql: String, at: BinlogCoordinates)
    /// The server is alive and has nothing new; the stream is at `at`.
    case heartbeat(at: BinlogCoordinates)
    /// The stream moved to a new binlog file.
    case rotate(to: BinlogCoordinates)
}

/// Turns decoded binlog events into `BinlogStreamItem`s: keeps the TABLE_MAPs,
/// the current file name and the current GTID, and decodes rows of the
/// selected tables. Pure: no I/O, fed event by event.
public struct BinlogChangeAssembler: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// Source database whose tables are read (`billing`).
        public var database: String
        /// Tables to read; nil reads every table of the database.
        public var tables: Set<String>?
        public var decoding: BinlogValueDecoder.Options
        /// The selected tables' definitions, by table name, that rows are decoded
        /// with. `MySQLBinlogStream` reads those missing from the source when it opens.
        public var definitions: [String: SourceTableDefinition]
        /// Tables whose DDL stops the stream (the mapped ones); nil: every selected table.
        public var schemaGuardedTables: Set<String>?
        /// For a table listed here, rows come with these columns in this order, found
        /// by name (the mapping's columns), whatever the table's own order is.
        public var columnOrder: [String: [String]]

        public init(
            database: String, tables: Set<String>? = nil, decoding: BinlogValueDecoder.Options = .init(),
            definitions: [String: SourceTableDefinition] = [:], schemaGuardedTables: Set<String>? = nil,
            columnOrder: [String: [String]] = [:]
        ) {
            self.columnOrder = columnOrder
            self.database = database
            self.tables = tables
            self.decoding = decoding
            self.definitions = definitions
            self.schemaGuardedTables = schemaGuardedTables
        }
    }

    public let configuration: Configuration
    /// The binlog file the events come from, as the last ROTATE named it.
    public private(set) var currentFile: String
    /// The GTID of the event group being read (MariaDB).
    public private(set) var currentGTID: MariaDBGTID?
    private var standaloneGroup = false
    private var tableMaps: [UInt64: BinlogTableMap] = [:]
    /// For tables with a `columnOrder`: the table-order index of each wanted column.
    private var rowOrders: [UInt64: [Int]] = [:]
    private var ignoredTableIDs: Set<UInt64> = []

    public init(configuration: Configuration, startFile: String = "") {
        self.configuration = configuration
        self.currentFile = startFile
    }

    private func isSelected(_ map: BinlogTableMap) -> Bool {
        map.database == configuration.database && (configuration.tables?.contains(map.table) ?? true)
    }

    public mutating func consume(_ event: BinlogEvent) throws(BinlogDecodingError) -> [BinlogStreamItem] {
        let end = BinlogCoordinates(file: currentFile, position: UInt64(event.header.nextPosition))
        switch event.body {
        case .rotate(let rotate):
            currentFile = rotate.fileName
            tableMaps.removeAll()
            ignoredTableIDs.removeAll()
            return [.rotate(to: BinlogCoordinates(file: rotate.fileName, position: rotate.position))]
        case .tableMap(let map):
            if isSelected(map) {
                var described = map
                if let definition = configuration.definitions[map.table] { described = try map.described(by: definition) }
                tableMaps[map.tableID] = described
                rowOrders[map.tableID] = nil
                if let names = configuration.columnOrder[map.table] { rowOrders[map.tableID] = try Self.order(names, in: described) }
                ignoredTableIDs.remove(map.tableID)
            } else {
                tableMaps[map.tableID] = nil
                ignoredTableIDs.insert(map.tableID)
            }
            return []
        case .rows(let rows):
            guard let map = tableMaps[rows.tableID] else {
                if ignoredTableIDs.contains(rows.tableID) { return [] }
                throw .missingTableMap(tableID: rows.tableID)
            }
            return [.changes(try changes(of: rows, table: map, end: end))]
        case .xid:
            return [commit(end)]
        case .mariaDBGTID(let gtid):
            currentGTID = gtid.gtid
            standaloneGroup = gtid.isStandalone
            return []
        case .query(let query):
            let statement = query.statement.trimmingPrefix(while: \.isWhitespace)
            let keyword = statement.prefix(while: { !$0.isWhitespace && $0 != ";" }).uppercased()
            switch keyword {
            case "BEGIN", "XA":
                return []
            case "COMMIT":
                return [commit(end)]
            case "ROLLBACK":
                // Only non-transactional changes are logged with a ROLLBACK; nothing to apply.
                return [commit(end)]
            default:
                try guardSchema(statement: String(statement), defaultDatabase: query.database, at: end)
                var items: [BinlogStreamItem] = []
                if query.database == configuration.database || statement.contains(configuration.database) {
                    items.append(.statement(database: query.database, sql: String(statement), at: end))
                }
                if standaloneGroup {
                    items.append(commit(end))
                }
                return items
            }
        case .heartbeat(let logName):
            let file = logName.isEmpty ? currentFile : logName
            return [.heartbeat(at: BinlogCoordinates(file: file, position: UInt64(event.header.nextPosition)))]
        case .formatDescription, .gtidList, .other:
            return []
        }
    }

    /// The table-order indexes of `names`, found by name in the map's column names.
    private static func order(_ names: [String], in map: BinlogTableMap) throws(BinlogDecodingError) -> [Int] {
        guard map.columns.contains(where: { $0.name != nil }) else {
            throw .definitionMismatch(
                table: map.qualifiedName,
                reason: "no definition of it was read from the source when the stream opened (created or dropped since?)")
        }
        var indexes: [Int] = []
        for name in names {
            guard let index = map.columns.firstIndex(where: { $0.name?.lowercased() == name.lowercased() }) else {
                throw .definitionMismatch(
                    table: map.qualifiedName, reason: "it has no column \(name) (columns: "
                        + map.columns.map { $0.name ?? "?" }.joined(separator: ", ") + ")")
            }
            indexes.append(index)
        }
        return indexes
    }

    /// Throws `schemaChange` when `statement` alters a guarded table: rows after
    /// it would no longer match the definitions they are decoded with.
    private func guardSchema(statement: String, defaultDatabase: String, at: BinlogCoordinates) throws(BinlogDecodingError) {
        for changed in BinlogSchemaStatement.changedTables(statement) {
            guard (changed.database ?? defaultDatabase) == configuration.database else { continue }
            let guarded = configuration.schemaGuardedTables ?? configuration.tables
            if guarded?.contains(changed.table) ?? true {
                throw .schemaChange(table: "\(configuration.database).\(changed.table)", statement: statement, at: at)
            }
        }
    }

    private mutating func commit(_ end: BinlogCoordinates) -> BinlogStreamItem {
        defer {
            currentGTID = nil
            standaloneGroup = false
        }
        return .commit(resumeAt: end, gtid: currentGTID)
    }

    private func changes(of rows: BinlogRowsEvent, table: BinlogTableMap, end: BinlogCoordinates) throws(BinlogDecodingError) -> [SourceChange] {
        let decoded = try rows.decodeRows(using: table, options: configuration.decoding)
        var changes: [SourceChange] = []
        changes.reserveCapacity(decoded.count)
        for (index, row) in decoded.enumerated() {
            let order = rowOrders[rows.tableID]
            let origin = RowOrigin(source: "binlog \(end) \(table.table)", line: index + 1)
            let position = end.sourcePosition(rowIndex: index)
            func complete(_ image: BinlogRowImage?, _ which: String) throws(BinlogDecodingError) -> SourceRow {
                guard let image, let row = image.completeRow else {
                    throw .invalidValue(
                        what: "\(table.table) \(which) image",
                        reason: "columns are missing; the source needs binlog_row_image=FULL")
                }
                return order.map { $0.map { row[$0] } } ?? row
            }
            switch rows.kind {
            case .write:
                changes.append(SourceChange(
                    table: table.table, operation: .insert, row: try complete(row.after, "after"),
                    position: position, origin: origin))
            case .update:
                changes.append(SourceChange(
                    table: table.table, operation: .update, row: try complete(row.after, "after"),
                    before: try complete(row.before, "before"), position: position, origin: origin))
            case .delete:
                changes.append(SourceChange(
                    table: table.table, operation: .delete, row: try complete(row.before, "before"),
                    position: position, origin: origin))
            }
        }
        return changes
    }
}

extension BinlogChangeAssembler.Configuration {
    /// Reads the mapping's tables (plus `alsoReading`, e.g. a heartbeat table) of
    /// `database`; rows of mapped tables come in the mapping's column order, by
    /// name; a DDL on a mapped table stops the stream.
    public init(database: String, mapping: Mapping, alsoReading extra: Set<String> = []) {
        let mapped = Set(mapping.tables.map(\.table))
        self.init(
            database: database, tables: mapped.union(extra), schemaGuardedTables: mapped,
            columnOrder: Dictionary(uniqueKeysWithValues: mapping.tables.map { ($0.table, $0.columns.map(\.name)) }))
    }
}
