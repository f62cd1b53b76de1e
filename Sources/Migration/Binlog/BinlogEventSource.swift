import MySQLSource

/// Where binlog events come from: MySQL's replication protocol in production
/// (`MySQLBinlogEventSource`), a script in tests. The seam under `BinlogReader`.
public protocol BinlogEventSource: Sendable {
    /// A new session reading from `start`; fails with a connection error when the source is unreachable.
    func open(from start: BinlogStart) async throws -> any BinlogEventSession
}

/// One connection's worth of binlog.
public protocol BinlogEventSession: Sendable {
    /// The next items and the timestamp (epoch seconds) of the event they come from;
    /// nil when the server ended the stream. Returns at least once per heartbeat period.
    func nextEvents() async throws -> (items: [BinlogStreamItem], timestamp: UInt32)?
    /// The end of the last event read.
    var position: BinlogCoordinates? { get async }
    func close() async
}

extension MySQLBinlogStream: BinlogEventSession {
    public func nextEvents() async throws -> (items: [BinlogStreamItem], timestamp: UInt32)? {
        try await nextWithTimestamp()
    }
}

/// The binlog of a MySQL or MariaDB server, read as a replica.
public struct MySQLBinlogEventSource: BinlogEventSource {
    public let connection: MySQLConnectionConfiguration
    /// The tables whose row changes are decoded (the others are skipped).
    public let tables: Set<String>
    public let heartbeatPeriod: Duration
    public let readTimeout: Duration
    /// nil: a random id per session.
    public let replicaServerID: UInt32?

    public init(
        connection: MySQLConnectionConfiguration, tables: Set<String>, heartbeatPeriod: Duration = .seconds(1),
        readTimeout: Duration = .seconds(10), replicaServerID: UInt32? = nil
    ) {
        self.connection = connection
        self.tables = tables
        self.heartbeatPeriod = heartbeatPeriod
        self.readTimeout = readTimeout
        self.replicaServerID = replicaServerID
    }

    public func open(from start: BinlogStart) async throws -> any BinlogEventSession {
        var options = BinlogStreamOptions(
            start: start, assembler: .init(database: connection.database, tables: tables),
            heartbeatPeriod: heartbeatPeriod, readTimeout: readTimeout)
        if let replicaServerID { options.replicaServerID = replicaServerID }
        // One attempt: the reader's own backoff decides when to try again.
        return try await MySQLBinlogStream.open(connection, options: options, retry: .none)
    }
}
