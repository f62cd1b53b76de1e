import BillingModel
import MySQLSource
import ValidationCore

/// Reads the rows validation compares, over one MySQL connection: whole
/// partition-number ranges or lists of partition numbers (accounts, in billing),
/// table by table, in primary-key order, with the mapping's columns in the
/// mapping's order (what `ItemMapper` reads). Each table is cut by its own
/// partition column (`PartitionScheme`; `ban` in every billing table).
public struct ValidationSourceReader: Sendable {
    public let connection: MySQLConnection
    public let mapping: Mapping
    /// How the tables are partitioned: which column each is cut by.
    public let scheme: PartitionScheme
    /// The source database (the connection's).
    public let database: String

    public init(connection: MySQLConnection, database: String, mapping: Mapping, scheme: PartitionScheme? = nil) {
        self.connection = connection
        self.database = database
        self.mapping = mapping
        self.scheme = scheme ?? PartitionScheme(mapping: mapping)
    }

    /// The rows of `tables` whose partition number is in `(lower, upper]` (nil: open).
    public func rows(tables: [String], lowerExclusive: UInt64?, upperInclusive: UInt64?) async throws -> [SourceTableRow] {
        try await rows(tables: tables, partitionCondition: { column in
            var conditions: [String] = []
            if let lowerExclusive { conditions.append(identifier(column) + " > \(lowerExclusive)") }
            if let upperInclusive { conditions.append(identifier(column) + " <= \(upperInclusive)") }
            return conditions.isEmpty ? nil : conditions.joined(separator: " AND ")
        })
    }

    /// The rows of `tables` for the given partition numbers (accounts).
    public func rows(tables: [String], accounts: [UInt64]) async throws -> [SourceTableRow] {
        guard !accounts.isEmpty else { return [] }
        let list = accounts.map(String.init).joined(separator: ", ")
        return try await rows(tables: tables, partitionCondition: { column in identifier(column) + " IN (" + list + ")" })
    }

    /// `rows(tables:condition:)` with each table's condition on its partition column.
    private func rows(tables: [String], partitionCondition: (String) -> String?) async throws -> [SourceTableRow] {
        var rows: [SourceTableRow] = []
        for name in tables {
            guard let column = scheme.column(of: name) else { throw PartitionSchemeError.notNumeric(table: name) }
            rows += try await self.rows(tables: [name], condition: partitionCondition(column))
        }
        return rows
    }

    /// Every row of `table` in primary-key order, in batches (a hashed full run).
    public func eachRow(table name: String, _ body: ([SourceRow]) throws -> Void) async throws {
        guard let table = mapping.table(name) else { return }
        var sql = "SELECT " + table.columns.map { identifier($0.name) }.joined(separator: ", ")
            + " FROM " + identifier(database) + "." + identifier(table.table)
        if !table.primaryKey.isEmpty { sql += " ORDER BY " + table.primaryKey.map(identifier).joined(separator: ", ") }
        for try await batch in try await connection.streamingQuery(sql, batchSize: 10_000) { try body(batch) }
    }

    private func rows(tables: [String], condition: String?) async throws -> [SourceTableRow] {
        var rows: [SourceTableRow] = []
        for name in tables {
            guard let table = mapping.table(name) else { continue }
            var sql = "SELECT " + table.columns.map { identifier($0.name) }.joined(separator: ", ")
                + " FROM " + identifier(database) + "." + identifier(table.table)
            if let condition { sql += " WHERE " + condition }
            if !table.primaryKey.isEmpty { sql += " ORDER BY " + table.primaryKey.map(identifier).joined(separator: ", ") }
            for row in try await connection.query(sql).rows { rows.append(SourceTableRow(table: table.table, row: row)) }
        }
        return rows
    }

    /// The row of `table` with this primary key, or nil when there is none.
    public func row(table name: String, key: [KeyColumnValue]) async throws -> SourceRow? {
        guard let table = mapping.table(name) else { return nil }
        var terms: [String] = []
        for column in key {
            guard let value = column.value else { return nil }
            terms.append(identifier(column.column) + " = " + (try await connection.literal(.text(value))))
        }
        let sql = "SELECT " + table.columns.map { identifier($0.name) }.joined(separator: ", ")
            + " FROM " + identifier(database) + "." + identifier(table.table)
            + " WHERE " + terms.joined(separator: " AND ") + " LIMIT 1"
        return try await connection.query(sql).rows.first
    }

    /// Which of `values` occur in `column` of `table`.
    public func existingValues(table: String, column: String, among values: Set<String>) async throws -> Set<String> {
        var found: Set<String> = []
        let sorted = values.sorted()
        for start in stride(from: 0, to: sorted.count, by: 500) {
            var literals: [String] = []
            for value in sorted[start..<min(start + 500, sorted.count)] {
                literals.append(try await connection.literal(.text(value)))
            }
            let sql = "SELECT DISTINCT " + identifier(column) + " FROM " + identifier(database) + "." + identifier(table)
                + " WHERE " + identifier(column) + " IN (" + literals.joined(separator: ", ") + ")"
            for row in try await connection.query(sql).rows {
                if let value = row.first?.text { found.insert(value) }
            }
        }
        return found
    }

    /// Every partition number of `table` (the account table), ascending,
    /// streamed; negative numbers are left out (they fall in the first range).
    public func accountNumbers(table: String) async throws -> [UInt64] {
        guard let column = scheme.column(of: table), let mapping = mapping.table(table) else {
            throw PartitionSchemeError.notNumeric(table: table)
        }
        // DISTINCT only where the column is not the key by itself (billing's account table).
        let distinct = mapping.primaryKey == [column] ? "" : "DISTINCT "
        let sql = "SELECT " + distinct + identifier(column) + " FROM " + identifier(database) + "." + identifier(table)
            + " ORDER BY " + identifier(column)
        var accounts: [UInt64] = []
        for try await batch in try await connection.streamingQuery(sql, batchSize: 10_000) {
            for row in batch { if let text = row.first?.text, let number = UInt64(text) { accounts.append(number) } }
        }
        return accounts
    }

    /// The rows of `tables` for `accounts` and the binlog position they are exact at,
    /// read in one consistent snapshot. Rows read outside a snapshot and a position read
    /// after them disagree when a change commits in between: the rows miss it while the
    /// position covers it, and live validation would call the stream's newer item wrong.
    public func rowsAtPosition(tables: [String], accounts: [UInt64]) async throws
        -> (rows: [SourceTableRow], position: BinlogCoordinates)
    {
        let snapshot = try await connection.beginConsistentSnapshot()
        do {
            let rows = try await rows(tables: tables, accounts: accounts)
            try await connection.rollback()
            return (rows, snapshot.coordinates)
        } catch {
            try? await connection.rollback()
            throw error
        }
    }

    /// The source's binlog position now (`SHOW MASTER STATUS`); nil when the binlog is off.
    public func currentPosition() async throws -> BinlogCoordinates? {
        try await connection.binlogEnd()
    }

    func identifier(_ name: String) -> String {
        PrimaryKeyChunkQuery.identifier(name)
    }
}

/// A validation that needs numeric partitions (ranges, `--accounts`,
/// `--sample`) on a mapping whose partition keys are not one integer column.
public enum PartitionSchemeError: Error, Sendable, Hashable, CustomStringConvertible {
    case notNumeric(table: String)

    public var description: String {
        switch self {
        case .notNumeric(let table):
            return "table \(table): its rows cannot be picked by partition number (its partition key is not one "
                + "integer column, or --hash-partitions was given); validate with a full run (no --accounts, --sample or --live)"
        }
    }
}
