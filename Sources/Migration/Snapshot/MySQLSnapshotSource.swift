import BillingModel
import MigrationCore
import MySQLSource

/// The one way MySQL's snapshot is read, by `load --from mysql://` and by `stage`:
/// one connection, `START TRANSACTION WITH CONSISTENT SNAPSHOT` (no global lock),
/// its binlog position, and every table in primary-key chunks on that connection.
///
/// A connection lost mid-table is reopened with a new snapshot and the read goes
/// on after the last key read (`SnapshotReader`): those rows are newer than the
/// saved position, which the change stream's replay from that position covers
/// (docs/architecture.md, "Resuming the snapshot reads newer rows"). While the
/// source cannot be reached (a cut link) the reader waits with backoff for up
/// to `reconnect.tolerance`, and `reachability` says so meanwhile.
public struct MySQLSnapshotSource: Sendable {
    public let connection: MySQLConnectionConfiguration
    public let retry: MySQLRetryPolicy
    public let reconnect: ReconnectBackoff.Policy
    public let reachability: SourceReachability
    public let chunkSize: Int
    /// Paces reading to the link's limit and transfer windows; nil: as fast as it comes.
    public let transfer: SourceTransferLimiter?

    public init(
        connection: MySQLConnectionConfiguration, retry: MySQLRetryPolicy = MySQLRetryPolicy(),
        reconnect: ReconnectBackoff.Policy = .init(), reachability: SourceReachability = SourceReachability(), chunkSize: Int,
        transfer: TransferLimit = TransferLimit()
    ) {
        self.init(
            connection: connection, retry: retry, reconnect: reconnect, reachability: reachability, chunkSize: chunkSize,
            limiter: SourceTransferLimiter.pacing(transfer))
    }

    /// A source read through `limiter`, which the caller keeps to read its count.
    public init(
        connection: MySQLConnectionConfiguration, retry: MySQLRetryPolicy = MySQLRetryPolicy(),
        reconnect: ReconnectBackoff.Policy = .init(), reachability: SourceReachability = SourceReachability(), chunkSize: Int,
        limiter: SourceTransferLimiter?
    ) {
        self.transfer = limiter
        self.connection = connection
        self.retry = retry
        self.reconnect = reconnect
        self.reachability = reachability
        self.chunkSize = max(1, chunkSize)
    }

    /// Opens the snapshot, runs `body` with it, and ends it (read-only: rolled back) and closes the connection.
    /// The position records the definitions of `tables` as the snapshot began.
    func withSnapshot<Result>(of tables: [TableMapping], _ body: (OpenSnapshot) async throws -> Result) async throws -> Result {
        let session = try await MySQLConnection.connect(connection, retry: retry)
        do {
            let snapshot = try await session.beginConsistentSnapshot()
            let definitions = try await session.tableDefinitions(database: connection.database, tables: Set(tables.map(\.table)))
            // An empty GTID position would mean "from the very start" to a stream.
            let position = SnapshotPosition(
                binlogFile: snapshot.coordinates.file, binlogPosition: snapshot.coordinates.position,
                gtid: snapshot.gtidPosition.flatMap { $0.isEmpty ? nil : $0 }, source: connection.sourceName,
                takenAt: Timestamp.now(), definitions: definitions)
            let result = try await body(OpenSnapshot(
                position: position, reader: SnapshotReader(connection: session, reconnect: reconnect, reachability: reachability, transfer: transfer), source: self))
            try? await session.rollback()
            await session.close()
            return result
        } catch {
            await session.close()
            throw error
        }
    }

    /// An open snapshot: where it is in the binlog, and its reader.
    struct OpenSnapshot: Sendable {
        let position: SnapshotPosition
        let reader: SnapshotReader
        let source: MySQLSnapshotSource

        /// The chunked read of `table` (its primary key looked up on the snapshot's
        /// connection), only of its rows `dates` admits when given.
        func chunkQuery(for table: TableMapping, dates: RowDateFilter? = nil) async throws -> PrimaryKeyChunkQuery {
            let database = source.connection.database
            let keyColumns = try await reader.run { connection in
                try await connection.primaryKeyColumns(database: database, table: table.table)
            }
            guard !keyColumns.isEmpty else { throw SnapshotSourceError(noPrimaryKey: table.table) }
            var query = try PrimaryKeyChunkQuery(
                database: database, table: table.table, columns: table.columns.map(\.name), keyColumns: keyColumns,
                limit: source.chunkSize)
            if let dates {
                query.condition = PrimaryKeyChunkQuery.dateRangeCondition(
                    column: dates.column, since: dates.range.since, before: dates.range.dayAfterUntil)
            }
            return query
        }
    }
}

/// Reads on the snapshot's connection. A lost connection is reopened with a new
/// snapshot and the read tried again; while the source cannot be reached the
/// reader waits with backoff, up to the policy's tolerance from the first failure.
struct SnapshotReader: Sendable {
    let connection: MySQLConnection
    let reconnect: ReconnectBackoff.Policy
    let reachability: SourceReachability
    /// Paces the chunks to the link's limit; nil: as fast as they come.
    var transfer: SourceTransferLimiter? = nil

    func readChunk(_ query: PrimaryKeyChunkQuery, after key: [SourceValue]?) async throws -> PrimaryKeyChunk {
        let chunk = try await run { connection in try await connection.readChunk(query, after: key) }
        if let transfer { await transfer.admit(bytes: chunk.rows.reduce(0) { $0 + $1.transferBytes }) }
        return chunk
    }

    func run<Result: Sendable>(_ body: @Sendable (MySQLConnection) async throws -> Result) async throws -> Result {
        var backoff = ReconnectBackoff(policy: reconnect)
        let clock = ContinuousClock()
        let origin = clock.now
        while true {
            do {
                let result = try await body(connection)
                reachability.answered()
                return result
            } catch let error as MySQLError where error.isConnectionLost {
                var lastError: MySQLError? = error
                while let failure = lastError {
                    reachability.failed(failure)
                    guard case .retry(let delay) = backoff.failed(at: clock.now - origin) else {
                        throw SnapshotSourceError(unreachableFor: reconnect.tolerance, lastError: failure)
                    }
                    try await Task.sleep(for: delay)
                    lastError = try await reopen()
                }
            }
        }
    }

    /// Reconnects with a new snapshot: nil when it worked, the error when the source is still out of reach.
    private func reopen() async throws -> MySQLError? {
        do {
            try await connection.reconnect(retry: .none)
            _ = try await connection.beginConsistentSnapshot()
            return nil
        } catch where error.isConnectionLost {
            return error
        }
    }
}

/// A table the snapshot cannot read.
public struct SnapshotSourceError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable {
        case noPrimaryKey(table: String)
        case unreachable(tolerance: Duration, lastError: String)
    }

    private let code: Code

    init(noPrimaryKey table: String) { code = .noPrimaryKey(table: table) }

    init(unreachableFor tolerance: Duration, lastError: MySQLError) {
        code = .unreachable(tolerance: tolerance, lastError: lastError.description)
    }

    public var description: String {
        switch code {
        case .noPrimaryKey(let table):
            return "\(table) has no primary key: the snapshot reads in primary-key chunks (billmig check explains the fix)"
        case .unreachable(let tolerance, let lastError):
            return "the source stayed unreachable for more than \(tolerance) (\(lastError)): run the load again once it answers; "
                + "it resumes after the last chunk written"
        }
    }
}
