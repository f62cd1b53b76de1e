import BillingModel
import MySQLSource
import Synchronization

/// Where binlog events come from: MySQL's replication protocol in production
/// (`MySQLBinlogEventSource`), a script in tests. The seam under `BinlogReader`.
public protocol BinlogEventSource: Sendable {
    /// A new session reading from `start`; fails with a connection error when the source is unreachable.
    /// It runs over the primary route when that answers, else over the backup, if there is one.
    func open(from start: BinlogStart) async throws -> any BinlogEventSession
    /// Whether the primary route answers now (asked while a session runs over the backup).
    func primaryAnswers() async -> Bool
}

extension BinlogEventSource {
    public func primaryAnswers() async -> Bool { false }
}

/// One connection's worth of binlog.
public protocol BinlogEventSession: Sendable {
    /// The next items and the timestamp (epoch seconds) of the event they come from;
    /// nil when the server ended the stream. Returns at least once per heartbeat period.
    func nextEvents() async throws -> (items: [BinlogStreamItem], timestamp: UInt32)?
    /// The end of the last event read.
    var position: BinlogCoordinates? { get async }
    /// The backup route it runs over, nil over the primary.
    var backupRoute: String? { get async }
    /// The table definitions its rows are decoded with (empty when not known).
    var definitions: [String: SourceTableDefinition] { get async }
    /// The bytes read from the source so far (0 when not known).
    var bytesRead: Int { get async }
    func close() async
}

extension BinlogEventSession {
    public var backupRoute: String? { get async { nil } }
    public var definitions: [String: SourceTableDefinition] { get async { [:] } }
    public var bytesRead: Int { get async { 0 } }
}

extension MySQLBinlogStream: BinlogEventSession {
    public func nextEvents() async throws -> (items: [BinlogStreamItem], timestamp: UInt32)? {
        try await nextWithTimestamp()
    }

    public var backupRoute: String? {
        get async { await connection.isOnBackup ? await connection.endpoint?.description : nil }
    }
}

/// The binlog of a MySQL or MariaDB server, read as a replica.
///
/// Rows are decoded with the definitions the assembler pins (those a checkpoint
/// or a snapshot recorded), else with those the first session read from the
/// source; every later session keeps them, so a session reopened after an
/// outage reads the binlog as the first one did even if a table was altered
/// meanwhile: the ALTER, when the binlog reaches it, stops the stream.
public struct MySQLBinlogEventSource: BinlogEventSource {
    public let connection: MySQLConnectionConfiguration
    /// What to decode and how: the mapped tables, their source definitions and column order.
    public let assembler: BinlogChangeAssembler.Configuration
    private let firstSession = FirstSessionDefinitions()
    public let heartbeatPeriod: Duration
    public let readTimeout: Duration
    /// nil: a random id per session.
    public let replicaServerID: UInt32?

    public init(
        connection: MySQLConnectionConfiguration, assembler: BinlogChangeAssembler.Configuration, heartbeatPeriod: Duration = .seconds(1),
        readTimeout: Duration = .seconds(10), replicaServerID: UInt32? = nil
    ) {
        self.connection = connection
        self.assembler = assembler
        self.heartbeatPeriod = heartbeatPeriod
        self.readTimeout = readTimeout
        self.replicaServerID = replicaServerID
    }

    public func open(from start: BinlogStart) async throws -> any BinlogEventSession {
        var pinned = assembler
        pinned.definitions.merge(firstSession.definitions.withLock { $0 }) { recorded, _ in recorded }
        var options = BinlogStreamOptions(
            start: start, assembler: pinned,
            heartbeatPeriod: heartbeatPeriod, readTimeout: readTimeout)
        if let replicaServerID { options.replicaServerID = replicaServerID }
        // One attempt: the reader's own backoff decides when to try again.
        let session = try await MySQLBinlogStream.open(connection, options: options, retry: .none)
        let used = await session.definitions
        firstSession.definitions.withLock { kept in kept.merge(used) { first, _ in first } }
        return session
    }

    /// A connection to the primary alone, opened and closed (a short connect timeout:
    /// the probe runs beside the stream every few seconds while it is on the backup).
    public func primaryAnswers() async -> Bool {
        guard connection.backup != nil else { return false }
        var primary = connection
        primary.backup = nil
        primary.connectTimeoutSeconds = min(primary.connectTimeoutSeconds, 2)
        guard let probe = try? await MySQLConnection.connect(primary, retry: .none) else { return false }
        await probe.close()
        return true
    }
}

/// The definitions the first session of a `MySQLBinlogEventSource` decoded with, shared by its copies.
private final class FirstSessionDefinitions: Sendable {
    let definitions = Mutex<[String: SourceTableDefinition]>([:])
}
