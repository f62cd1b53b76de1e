import BillingModel
import Foundation
import MySQLSource

/// A row on the source that `stream --heartbeat` rewrites with `NOW(6)` every
/// few hundred milliseconds (as gh-ost does). When the row comes back through
/// the binlog and every change before it is written, now minus its time is the
/// replication lag, to the millisecond, which the binlog's 1 s event timestamps
/// cannot show. Heartbeat rows are never written to DynamoDB.
public struct SourceHeartbeat: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// The table, in the source database.
        public var table: String
        public var interval: Duration
        /// This stream's row: streams with other ids ignore it.
        public var rowID: UInt32
        /// Create the table when it is missing (needs CREATE on the database).
        public var createTable: Bool

        public init(
            table: String = "billmig_heartbeat", interval: Duration = .milliseconds(250),
            rowID: UInt32 = UInt32.random(in: 1...UInt32.max), createTable: Bool = true
        ) {
            self.table = table
            self.interval = interval
            self.rowID = rowID
            self.createTable = createTable
        }
    }

    public let configuration: Configuration
    let connection: MySQLConnectionConfiguration

    public init(configuration: Configuration, connection: MySQLConnectionConfiguration) {
        self.configuration = configuration
        self.connection = connection
    }

    var qualifiedTable: String {
        "`\(connection.database)`.`\(configuration.table)`"
    }

    var writeStatement: String {
        "INSERT INTO \(qualifiedTable) (id, ts) VALUES (\(configuration.rowID), NOW(6)) ON DUPLICATE KEY UPDATE ts = VALUES(ts)"
    }

    /// Creates the table if allowed and writes the row once, so that a missing
    /// privilege is a clear error before the stream starts.
    public func prepare() async throws {
        let session = try await MySQLConnection.connect(connection, retry: .none)
        do {
            if configuration.createTable {
                try await session.execute("""
                    CREATE TABLE IF NOT EXISTS \(qualifiedTable) (
                      id INT UNSIGNED NOT NULL PRIMARY KEY,
                      ts DATETIME(6) NOT NULL
                    ) ENGINE=InnoDB
                    """)
            }
            try await session.execute(writeStatement)
        } catch {
            await session.close()
            throw BinlogStreamError(
                .heartbeatUnavailable,
                "--heartbeat needs the table \(qualifiedTable) (created when CREATE is granted) and INSERT/UPDATE on it: \(error)")
        }
        await session.close()
    }

    /// Writes the row every `interval` until cancelled. Failures (a dropped
    /// connection) are retried on the next beat with a new connection; they
    /// only delay lag figures, never the stream.
    public func run() async {
        var session: MySQLConnection?
        while !Task.isCancelled {
            do {
                if session == nil { session = try await MySQLConnection.connect(connection, retry: .none) }
                try await session?.execute(writeStatement)
            } catch {
                await session?.close()
                session = nil
            }
            do { try await Task.sleep(for: configuration.interval) } catch { break }
        }
        await session?.close()
    }

    /// The epoch milliseconds of a heartbeat row of this stream, or nil for
    /// another stream's row (or a row it cannot read).
    func beat(in row: SourceRow) -> Double? {
        guard row.count >= 2, row[0].text == String(configuration.rowID), let text = row[1].text,
            let iso = DateTimeText.iso8601(fromSQL: text), let milliseconds = DateTimeText.epochMilliseconds(fromISO8601: iso)
        else { return nil }
        // Microseconds beyond the millisecond matter little next to the lag itself.
        return Double(milliseconds)
    }
}
