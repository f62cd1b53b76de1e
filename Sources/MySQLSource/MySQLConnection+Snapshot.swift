import BillingModel

/// A consistent read view of the source and the binlog position it corresponds to.
public struct ConsistentSnapshot: Sendable, Hashable {
    /// Changes after this point are not in the snapshot: stream the binlog from here.
    public var coordinates: BinlogCoordinates
    /// The same point as a MariaDB GTID position (`BINLOG_GTID_POS`), when the server has one.
    public var gtidPosition: String?
}

/// A column of a source table, from `information_schema.columns`.
public struct SourceColumnInfo: Sendable, Hashable {
    public var name: String
    /// `data_type`, lower case: `bigint`, `varchar`, `decimal`, ...
    public var dataType: String
    /// `column_type`: `bigint(20) unsigned`, `decimal(12,2)`, ...
    public var columnType: String
    public var isNullable: Bool
    public var isUnsigned: Bool { columnType.contains("unsigned") }
}

/// One chunk read in primary-key order: `SELECT cols FROM t WHERE key > last ORDER BY key LIMIT n`.
public struct PrimaryKeyChunkQuery: Sendable, Hashable {
    public var database: String
    public var table: String
    /// Columns to read, in the order rows come back.
    public var columns: [String]
    /// The primary key, in key order; every key column must be in `columns`.
    public var keyColumns: [String]
    public var limit: Int
    /// Positions of the key columns within `columns`.
    public let keyIndexes: [Int]
    /// A condition every row read must also meet (a backfill's date range,
    /// `dateRangeCondition`); nil: every row.
    public var condition: String?

    public init(database: String, table: String, columns: [String], keyColumns: [String], limit: Int) throws(MySQLError) {
        guard !keyColumns.isEmpty else {
            throw MySQLError(code: .snapshot, message: "\(database).\(table) has no primary key; chunked reads need one")
        }
        var indexes: [Int] = []
        for key in keyColumns {
            guard let index = columns.firstIndex(of: key) else {
                throw MySQLError(code: .snapshot, message: "key column \(key) of \(table) is not among the columns read")
            }
            indexes.append(index)
        }
        guard limit > 0 else { throw MySQLError(code: .snapshot, message: "chunk limit must be positive") }
        self.database = database
        self.table = table
        self.columns = columns
        self.keyColumns = keyColumns
        self.limit = limit
        self.keyIndexes = indexes
    }

    /// The statement for the chunk after the key whose SQL literals are
    /// `afterLiterals` (nil: the first chunk). The key condition is spelled
    /// `k1 > a OR (k1 = a AND k2 > b) OR ...` rather than `(k1, k2) > (a, b)`,
    /// which every MySQL and MariaDB version turns into an index range.
    public func sql(afterLiterals: [String]?) -> String {
        var text = "SELECT " + columns.map(Self.identifier).joined(separator: ", ")
            + " FROM " + Self.identifier(database) + "." + Self.identifier(table)
        if let condition { text += " WHERE (" + condition + ")" + (afterLiterals == nil ? "" : " AND (") }
        if let afterLiterals {
            precondition(afterLiterals.count == keyColumns.count, "one literal per key column")
            var disjuncts: [String] = []
            for depth in keyColumns.indices {
                var terms: [String] = []
                for equal in 0..<depth {
                    terms.append(Self.identifier(keyColumns[equal]) + " = " + afterLiterals[equal])
                }
                terms.append(Self.identifier(keyColumns[depth]) + " > " + afterLiterals[depth])
                disjuncts.append(terms.count == 1 ? terms[0] : "(" + terms.joined(separator: " AND ") + ")")
            }
            text += condition == nil ? " WHERE " + disjuncts.joined(separator: " OR ") : disjuncts.joined(separator: " OR ") + ")"
        }
        text += " ORDER BY " + keyColumns.map(Self.identifier).joined(separator: ", ")
        return text + " LIMIT \(limit)"
    }

    /// Rows whose `column` (DATE or DATETIME) lies on or after `since` and before
    /// `before` (`YYYY-MM-DD` each; nil: open), as a `condition`: compared with DATE
    /// literals, so the day before `before` is kept whole in a DATETIME column, and
    /// a NULL is in no range. Nil when both ends are open.
    public static func dateRangeCondition(column: String, since: String?, before: String?) -> String? {
        var terms: [String] = []
        if let since { terms.append(identifier(column) + " >= DATE " + dateLiteral(since)) }
        if let before { terms.append(identifier(column) + " < DATE " + dateLiteral(before)) }
        return terms.isEmpty ? nil : terms.joined(separator: " AND ")
    }

    private static func dateLiteral(_ date: String) -> String {
        "'" + date.filter { $0.isNumber || $0 == "-" } + "'"
    }

    /// A back-quoted identifier.
    public static func identifier(_ name: String) -> String {
        "`" + name.replacing("`", with: "``") + "`"
    }

    /// The key values of a row read by this query.
    public func key(of row: SourceRow) -> [SourceValue] {
        keyIndexes.map { row[$0] }
    }
}

/// The rows of one chunk and the key to continue after.
public struct PrimaryKeyChunk: Sendable {
    public var rows: [SourceRow]
    /// The key of the last row; nil when the chunk is empty.
    public var lastKey: [SourceValue]?
    /// Fewer rows than the limit: the table has no more rows after this chunk.
    public var isLast: Bool
}

extension MySQLConnection {
    /// Opens a REPEATABLE READ, read-only transaction with a consistent
    /// snapshot and returns the binlog position the snapshot corresponds to
    /// (MariaDB's `Binlog_snapshot_file` / `Binlog_snapshot_position`, which
    /// commits on other connections do not move). Reads on this connection
    /// see the snapshot until `commit()` or `rollback()`. InnoDB only; DDL is
    /// not blocked.
    public func beginConsistentSnapshot() throws(MySQLError) -> ConsistentSnapshot {
        try execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        try execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
        var file: String?
        var position: UInt64?
        for row in try query("SHOW STATUS LIKE 'binlog_snapshot_%'").rows where row.count >= 2 {
            switch row[0].text?.lowercased() {
            case "binlog_snapshot_file": file = row[1].text
            case "binlog_snapshot_position": position = row[1].text.flatMap { UInt64($0) }
            default: break
            }
        }
        guard let file, !file.isEmpty, let position else {
            try? rollback()
            throw MySQLError(
                code: .snapshot,
                message: "the server does not report Binlog_snapshot_file/position (MariaDB with log_bin is needed)")
        }
        let coordinates = BinlogCoordinates(file: file, position: position)
        let gtid = try? query("SELECT BINLOG_GTID_POS(\(try quote(file)), \(position))").rows.first?.first?.text
        return ConsistentSnapshot(coordinates: coordinates, gtidPosition: gtid.flatMap { $0 })
    }

    public func commit() throws(MySQLError) {
        try execute("COMMIT")
    }

    public func rollback() throws(MySQLError) {
        try execute("ROLLBACK")
    }

    /// The table's columns in table order.
    public func tableColumns(database: String, table: String) throws(MySQLError) -> [SourceColumnInfo] {
        let rows = try query("""
            SELECT column_name, data_type, column_type, is_nullable FROM information_schema.columns
            WHERE table_schema = \(try quote(database)) AND table_name = \(try quote(table))
            ORDER BY ordinal_position
            """).rows
        return rows.map { row in
            SourceColumnInfo(
                name: row[0].text ?? "", dataType: (row[1].text ?? "").lowercased(),
                columnType: (row[2].text ?? "").lowercased(), isNullable: row[3].text == "YES")
        }
    }

    /// The primary key's columns in key order; empty when the table has none.
    public func primaryKeyColumns(database: String, table: String) throws(MySQLError) -> [String] {
        try query("""
            SELECT column_name FROM information_schema.key_column_usage
            WHERE table_schema = \(try quote(database)) AND table_name = \(try quote(table))
              AND constraint_name = 'PRIMARY'
            ORDER BY ordinal_position
            """).rows.compactMap { $0.first?.text }
    }

    /// Reads the chunk after `lastKey` (nil: from the start) in primary-key order.
    public func readChunk(_ chunk: PrimaryKeyChunkQuery, after lastKey: [SourceValue]?) throws(MySQLError) -> PrimaryKeyChunk {
        var literals: [String]?
        if let lastKey {
            guard lastKey.count == chunk.keyColumns.count else {
                throw MySQLError(code: .snapshot, message: "a key of \(lastKey.count) values for a key of \(chunk.keyColumns.count) columns")
            }
            var values: [String] = []
            for value in lastKey { values.append(try literal(value)) }
            literals = values
        }
        let rows = try query(chunk.sql(afterLiterals: literals)).rows
        return PrimaryKeyChunk(rows: rows, lastKey: rows.last.map(chunk.key(of:)), isLast: rows.count < chunk.limit)
    }
}

extension MySQLConnection {
    /// Where the source's binlog ends now (`SHOW MASTER STATUS`); nil when the binlog is off.
    public func binlogEnd() throws(MySQLError) -> BinlogCoordinates? {
        guard let row = try query("SHOW MASTER STATUS").rows.first, row.count >= 2,
            let file = row[0].text, let position = row[1].text.flatMap({ UInt64($0) })
        else { return nil }
        return BinlogCoordinates(file: file, position: position)
    }
}
