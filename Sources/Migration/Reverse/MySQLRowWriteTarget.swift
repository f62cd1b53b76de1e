import BillingModel
import MySQLSource

/// Where reverse replication writes: one call per page of stream records, applied
/// atomically (MySQL: one transaction).
public protocol RowWriteTarget: Sendable {
    func apply(_ writes: [RowWrite]) async throws

    /// True when `error` (thrown by `apply`) says the database refused these rows
    /// (a value out of range, a constraint): retrying cannot help, the rows are
    /// dead-lettered. False for everything else (connection lost, deadlock), which
    /// ends the run so a rerun resumes from the checkpoint.
    func isRowRejection(_ error: any Error) -> Bool
}

extension RowWriteTarget {
    public func isRowRejection(_ error: any Error) -> Bool { false }
}

/// `RowWriteTarget` on a MySQL connection: upserts (`INSERT … ON DUPLICATE KEY
/// UPDATE` of the mapped columns) and deletes by primary key, one transaction per call.
public struct MySQLRowWriteTarget: RowWriteTarget {
    public let connection: MySQLConnection

    public init(connection: MySQLConnection) {
        self.connection = connection
    }

    /// A lost connection is reopened (with the connection's retry policy) and the
    /// page sent again: its writes are idempotent, whether or not the first COMMIT landed.
    public func apply(_ writes: [RowWrite]) async throws {
        guard !writes.isEmpty else { return }
        do {
            try await applyOnce(writes)
        } catch let error as MySQLError where error.isConnectionLost {
            try await connection.reconnect()
            try await applyOnce(writes)
        }
    }

    private func applyOnce(_ writes: [RowWrite]) async throws {
        let connection = self.connection
        var statements: [String] = []
        for write in writes {
            statements.append(try await Self.statement(write, literal: { try await connection.literal($0) }))
        }
        // As AWS DMS does on its targets: rows arrive in each account's stream order, a
        // child may land before a parent that sits in another shard (a moved subscriber).
        _ = try await connection.execute("SET SESSION foreign_key_checks = 0")
        _ = try await connection.execute("START TRANSACTION")
        do {
            for statement in statements { _ = try await connection.execute(statement) }
            _ = try await connection.execute("COMMIT")
        } catch {
            _ = try? await connection.execute("ROLLBACK")
            throw error
        }
    }

    public func isRowRejection(_ error: any Error) -> Bool { Self.isRowRejection(error) }

    /// A statement error the server gave for these rows (not the connection, not a lock).
    public static func isRowRejection(_ error: any Error) -> Bool {
        guard let error = error as? MySQLError, error.code == .statement, !error.isConnectionLost else { return false }
        return !error.isTransactionConflict
    }

    /// The SQL of one write, values rendered by `literal` (the connection's escaping).
    public static func statement(_ write: RowWrite, literal: (SourceValue) async throws -> String) async throws -> String {
        func name(_ identifier: String) -> String { "`" + identifier.replacingOccurrences(of: "`", with: "``") + "`" }
        switch write {
        case .upsert(let table, let columns, let values):
            var literals: [String] = []
            for value in values { literals.append(try await literal(value)) }
            return "INSERT INTO \(name(table)) (" + columns.map(name).joined(separator: ", ") + ") VALUES ("
                + literals.joined(separator: ", ") + ") ON DUPLICATE KEY UPDATE "
                + columns.map { "\(name($0)) = VALUES(\(name($0)))" }.joined(separator: ", ")
        case .delete(let table, let keyColumns, let keyValues):
            var conditions: [String] = []
            for (column, value) in zip(keyColumns, keyValues) { conditions.append("\(name(column)) = \(try await literal(value))") }
            return "DELETE FROM \(name(table)) WHERE " + conditions.joined(separator: " AND ")
        }
    }
}
