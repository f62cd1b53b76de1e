import BillingModel
import MySQLSource
import SampleData

/// Writes a `SampleDataSet` into the `billing` tables of a MySQL database:
/// multi-row INSERTs, committed every few thousand rows, parent tables first so
/// that the foreign keys of CONTRACT §1 hold at every commit.
///
/// Bad rows are refused: MySQL's column types would reject most of them, and a
/// database is not a staging file that may hold malformed lines.
public struct MySQLSampleWriter: Sendable {
    public struct Options: Sendable, Hashable {
        /// Rows per INSERT statement (kept well under `max_allowed_packet`).
        public var rowsPerStatement: Int
        /// Rows per transaction.
        public var rowsPerTransaction: Int
        /// Empty the six tables first (TRUNCATE: one DDL event in the binlog, no row events).
        public var replace: Bool
        /// Write next to rows already there (tests sharing a database) instead of
        /// refusing; keys the data set shares with them fail as duplicates.
        public var allowExistingRows: Bool

        public init(rowsPerStatement: Int = 500, rowsPerTransaction: Int = 5000, replace: Bool = false, allowExistingRows: Bool = false) {
            self.rowsPerStatement = max(1, rowsPerStatement)
            self.rowsPerTransaction = max(self.rowsPerStatement, rowsPerTransaction)
            self.replace = replace
            self.allowExistingRows = allowExistingRows
        }
    }

    /// Rows written so far, reported after every commit.
    public struct Progress: Sendable, Hashable {
        public var table: SampleTable
        public var tableRows: Int
        public var tableTotal: Int
        public var totalRows: Int
        public var total: Int
    }

    public let connection: MySQLConnection
    public let options: Options

    public init(connection: MySQLConnection, options: Options = Options()) {
        self.connection = connection
        self.options = options
    }

    /// The tables in the order their foreign keys allow inserting them.
    public static let insertOrder: [SampleTable] = [
        .billingAccount, .customer, .subscriber, .serviceAgreement, .bill, .charge,
    ]

    /// Writes every row of `data`; returns the rows written per table.
    /// - Throws: `MySQLSampleWriterError` when `data` has bad rows, or the tables
    ///   already hold rows and `replace` is off; `MySQLError` from the server.
    @discardableResult
    public func write(
        _ data: SampleDataSet, progress: @Sendable (Progress) -> Void = { _ in }
    ) async throws -> [SampleTable: Int] {
        guard data.badRows.isEmpty else {
            throw MySQLSampleWriterError.badRowsRefused(data.badRows.count)
        }
        let literal = MySQLLiteral(sqlMode: try await Self.sqlMode(connection))
        if options.replace {
            try await Self.truncate(connection)
        } else if !options.allowExistingRows {
            let existing = try await Self.rowCounts(connection).filter { $0.value > 0 }
            if !existing.isEmpty {
                throw MySQLSampleWriterError.notEmpty(existing)
            }
        }
        let total = data.totalRowCount
        var written: [SampleTable: Int] = [:]
        var totalWritten = 0
        for table in Self.insertOrder {
            let prefix = "INSERT INTO \(MySQLLiteral.identifier(table.name)) ("
                + table.columns.map(MySQLLiteral.identifier).joined(separator: ", ") + ") VALUES "
            var tableRows = 0
            var rowsInTransaction = 0
            var statement = prefix
            var rowsInStatement = 0
            var inTransaction = false
            let tableTotal = data.rowCounts[table] ?? 0

            func flushStatement() async throws {
                guard rowsInStatement > 0 else { return }
                if !inTransaction {
                    try await connection.execute("START TRANSACTION")
                    inTransaction = true
                }
                let affected = try await connection.execute(statement)
                guard affected == UInt64(rowsInStatement) else {
                    throw MySQLSampleWriterError.unexpectedRowCount(table: table, expected: rowsInStatement, inserted: Int(affected))
                }
                rowsInTransaction += rowsInStatement
                tableRows += rowsInStatement
                statement = prefix
                rowsInStatement = 0
            }
            func commit() async throws {
                guard rowsInTransaction > 0 else { return }
                try await connection.execute("COMMIT")
                inTransaction = false
                totalWritten += rowsInTransaction
                rowsInTransaction = 0
                progress(Progress(table: table, tableRows: tableRows, tableTotal: tableTotal, totalRows: totalWritten, total: total))
            }

            do {
                for row in data.rows(of: table) {
                    if rowsInStatement > 0 { statement += ", " }
                    statement += "(" + row.map(literal.literal).joined(separator: ", ") + ")"
                    rowsInStatement += 1
                    if rowsInStatement == options.rowsPerStatement {
                        try await flushStatement()
                        if rowsInTransaction >= options.rowsPerTransaction { try await commit() }
                    }
                }
                try await flushStatement()
                try await commit()
            } catch {
                // Leave no half-written transaction open on a connection the caller may reuse.
                if inTransaction { _ = try? await connection.execute("ROLLBACK") }
                throw error
            }
            written[table] = tableRows
        }
        return written
    }

    /// Rows per table (`SELECT COUNT(*)`).
    public static func rowCounts(_ connection: MySQLConnection) async throws -> [SampleTable: Int] {
        var counts: [SampleTable: Int] = [:]
        for table in SampleTable.allCases {
            let result = try await connection.query("SELECT COUNT(*) FROM \(MySQLLiteral.identifier(table.name))")
            counts[table] = result.rows.first?.first?.text.flatMap { Int($0) } ?? 0
        }
        return counts
    }

    /// Empties the six tables (children first is not needed: foreign-key checks are off meanwhile).
    public static func truncate(_ connection: MySQLConnection) async throws {
        try await connection.execute("SET FOREIGN_KEY_CHECKS = 0")
        do {
            for table in insertOrder.reversed() {
                try await connection.execute("TRUNCATE TABLE \(MySQLLiteral.identifier(table.name))")
            }
        } catch {
            _ = try? await connection.execute("SET FOREIGN_KEY_CHECKS = 1")
            throw error
        }
        try await connection.execute("SET FOREIGN_KEY_CHECKS = 1")
    }

    static func sqlMode(_ connection: MySQLConnection) async throws -> String {
        try await connection.query("SELECT @@SESSION.sql_mode").rows.first?.first?.text ?? ""
    }
}

/// Why `MySQLSampleWriter` would not write.
public enum MySQLSampleWriterError: Error, Sendable, CustomStringConvertible {
    case badRowsRefused(Int)
    case notEmpty([SampleTable: Int])
    case unexpectedRowCount(table: SampleTable, expected: Int, inserted: Int)

    public var description: String {
        switch self {
        case .badRowsRefused(let count):
            return "\(count) bad rows requested: MySQL's column types reject malformed rows, so bad rows exist only in DMS files (drop --bad-rows)"
        case .notEmpty(let counts):
            let list = SampleTable.allCases.compactMap { table in counts[table].map { "\(table.name) \($0)" } }.joined(separator: ", ")
            return "the billing tables already hold rows (\(list)); pass --replace to empty them first"
        case .unexpectedRowCount(let table, let expected, let inserted):
            return "an INSERT into \(table.name) of \(expected) rows inserted \(inserted)"
        }
    }
}
