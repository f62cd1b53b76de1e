import BillingModel
import CMariaDB
import CMariaDBShim

/// Where a binlog stream starts.
public enum BinlogStart: Sendable, Hashable, CustomStringConvertible {
    /// A file and an event boundary in it (for example a `commit`'s `resumeAt`,
    /// or a snapshot's `Binlog_snapshot_position`).
    case coordinates(BinlogCoordinates)
    /// A MariaDB GTID position (`0-1-46`, or several domains comma-separated):
    /// the stream starts after those transactions.
    case gtid(String)

    public var description: String {
        switch self {
        case .coordinates(let coordinates): "\(coordinates)"
        case .gtid(let gtid): "GTID \(gtid)"
        }
    }
}

public struct BinlogStreamOptions: Sendable, Hashable {
    public var start: BinlogStart
    /// What to read, and how values are rendered.
    public var assembler: BinlogChangeAssembler.Configuration
    /// The replica id this stream announces. It must differ from the server's
    /// and from every other replica's: a server drops an older dump connection
    /// when a new one arrives with the same id.
    public var replicaServerID: UInt32
    /// How often the server sends a heartbeat when nothing happens; `next()`
    /// returns at least this often.
    public var heartbeatPeriod: Duration
    /// The longest a read may wait for the server. A silent server (no event and
    /// no heartbeat for this long: a cut network, a hung server) makes `next()`
    /// fail with a connection error, so nothing waits forever; reconnect then.
    /// At least twice the heartbeat period (and at least one second).
    public var readTimeout: Duration

    public init(
        start: BinlogStart, assembler: BinlogChangeAssembler.Configuration,
        replicaServerID: UInt32 = UInt32.random(in: 100_000...4_000_000_000),
        heartbeatPeriod: Duration = .seconds(1),
        readTimeout: Duration = .seconds(10)
    ) {
        self.start = start
        self.assembler = assembler
        self.replicaServerID = replicaServerID
        self.heartbeatPeriod = heartbeatPeriod
        self.readTimeout = readTimeout
    }

    /// The read timeout in whole seconds as libmariadb takes it: never below two
    /// heartbeat periods, so an idle but healthy stream does not time out.
    public var readTimeoutSeconds: UInt32 {
        let floor = max(heartbeatPeriod * 2, .seconds(1))
        let effective = max(readTimeout, floor)
        let seconds = Double(effective.components.seconds) + Double(effective.components.attoseconds) / 1e18
        return UInt32(clamping: Int64(seconds.rounded(.up)))
    }
}

/// The source's binlog as a stream of row changes and transaction boundaries,
/// over libmariadb's replication API (`mariadb_rpl_*`). libmariadb handles the
/// dump protocol; the events are decoded in Swift (`BinlogEventDecoder`,
/// `BinlogChangeAssembler`), because `mariadb_rpl_extract_rows` cannot read
/// CHAR columns or tables without optional metadata.
///
/// Reading blocks a thread of the stream's own (see `MySQLConnection`), so
/// `next()` can wait for the server without holding a cooperative thread.
/// Use one stream from one task.
public struct MySQLBinlogStream: Sendable {
    /// The dedicated connection that carries the stream.
    public let connection: MySQLConnection
    /// The server's id of that connection (`CONNECTION_ID()`, the `Id` of
    /// `SHOW PROCESSLIST`), for diagnosis and for tests that `KILL` it.
    public let connectionID: UInt64

    /// Connects and asks the server for its binlog from `options.start`.
    /// The connection's read timeout becomes `options.readTimeoutSeconds`
    /// (below the configuration's when that is longer), so no read blocks forever.
    public static func open(
        _ configuration: MySQLConnectionConfiguration, options: BinlogStreamOptions,
        retry: MySQLRetryPolicy = MySQLRetryPolicy()
    ) async throws(MySQLError) -> MySQLBinlogStream {
        var configuration = configuration
        configuration.readTimeoutSeconds = min(configuration.readTimeoutSeconds, options.readTimeoutSeconds)
        let connection = try await MySQLConnection.connect(configuration, retry: retry)
        let connectionID: UInt64
        do {
            connectionID = try await connection.serverConnectionID()
            try await connection.openBinlog(options)
        } catch {
            await connection.close()
            throw error
        }
        return MySQLBinlogStream(connection: connection, connectionID: connectionID)
    }

    /// The next items: row changes of one rows event, a commit, a heartbeat,
    /// a rotation or a statement. Waits for the server; returns at least once
    /// per heartbeat period. Nil when the server ends the stream.
    public func next() async throws(MySQLError) -> [BinlogStreamItem]? {
        try await connection.nextBinlogItems()
    }

    /// Like `next()`, with the timestamp (epoch seconds, from the event header) of
    /// the event the items come from: for a commit, the source's commit time.
    /// Heartbeats carry 0.
    public func nextWithTimestamp() async throws(MySQLError) -> (items: [BinlogStreamItem], timestamp: UInt32)? {
        try await connection.nextBinlogItemsWithTimestamp()
    }

    /// The next event's raw bytes (header to checksum), for fixtures and diagnosis.
    /// Advances the stream like `next()` but skips the decoding of rows.
    public func nextRawEvent() async throws(MySQLError) -> [UInt8]? {
        try await connection.nextRawBinlogEvent()
    }

    /// Where the stream stands: the end of the last event read.
    public var position: BinlogCoordinates? {
        get async { await connection.binlogPosition }
    }

    /// The bytes of the events fetched so far.
    public var bytesRead: Int {
        get async { await connection.binlogBytesRead }
    }

    /// The table definitions rows are decoded with: those the options pinned,
    /// and those read from the source when the stream opened.
    public var definitions: [String: SourceTableDefinition] {
        get async { await connection.binlogDefinitions }
    }

    /// Closes the stream's connection. A `next()` waiting for the server runs
    /// first, so this returns within about one heartbeat period.
    public func close() async {
        await connection.close()
    }
}

/// The replication handle and decoding state of a connection that carries a
/// binlog stream. Owned by the `MySQLConnection` actor, used only on its thread.
final class BinlogState {
    let rpl: UnsafeMutablePointer<MARIADB_RPL>
    /// Reused between fetches: libmariadb frees and refills an event passed back to it.
    var event: UnsafeMutablePointer<MARIADB_RPL_EVENT>?
    var decoder: BinlogEventDecoder
    var assembler: BinlogChangeAssembler
    var position: BinlogCoordinates?
    /// Event bytes fetched so far (for pacing the link).
    var bytesRead = 0
    private var released = false

    init(rpl: UnsafeMutablePointer<MARIADB_RPL>, decoder: BinlogEventDecoder, assembler: BinlogChangeAssembler) {
        self.rpl = rpl
        self.decoder = decoder
        self.assembler = assembler
    }

    func release() {
        guard !released else { return }
        released = true
        if let event { mariadb_free_rpl_event(event) }
        event = nil
        mariadb_rpl_close(rpl)
    }
}

extension MySQLConnection {
    /// Sets the session up as a replica and sends the binlog dump request.
    func openBinlog(_ options: BinlogStreamOptions) throws(MySQLError) {
        // The session variables a replica sets (see the MariaDB notes): the
        // server sends checksums only when told the replica reads them, and
        // GTID events only to replicas with the MariaDB GTID capability (4).
        try execute("SET @master_binlog_checksum = @@global.binlog_checksum")
        try execute("SET @mariadb_slave_capability = 4")
        let nanoseconds = options.heartbeatPeriod.components.seconds * 1_000_000_000
            + options.heartbeatPeriod.components.attoseconds / 1_000_000_000
        try execute("SET @master_heartbeat_period = \(max(1_000_000, nanoseconds))")
        // Rows are decoded with the tables' definitions; those the caller did not
        // pin are read now, before the first event.
        var assembler = options.assembler
        let missing = assembler.tables.map { $0.subtracting(assembler.definitions.keys) }
        if missing.map({ !$0.isEmpty }) ?? true {
            let read = try tableDefinitions(database: assembler.database, tables: missing)
            assembler.definitions.merge(read) { pinned, _ in pinned }
        }
        let checksumName = try query("SELECT @@global.binlog_checksum").rows.first?.first?.text ?? "NONE"
        let checksum: BinlogChecksumAlgorithm = checksumName.uppercased() == "CRC32" ? .crc32 : .none

        var startFile = ""
        var startPosition: UInt64 = 4
        switch options.start {
        case .coordinates(let coordinates):
            startFile = coordinates.file
            startPosition = coordinates.position
        case .gtid(let gtid):
            try execute("SET @slave_connect_state = " + quote(gtid))
            try execute("SET @slave_gtid_strict_mode = 0")
            try execute("SET @slave_gtid_ignore_duplicates = 0")
        }

        let mysql = try requireHandle()
        guard let rpl = billmig_rpl_init(mysql) else {
            throw Self.error(mysql, .binlog, context: "initialising the replication handle")
        }
        var status: Int32 = 0
        if startFile.isEmpty {
            status |= billmig_rpl_set_filename(rpl, nil, 0)
        } else {
            status |= startFile.withCString { billmig_rpl_set_filename(rpl, $0, startFile.utf8.count) }
        }
        status |= billmig_rpl_set_start_position(rpl, UInt(startPosition))
        status |= billmig_rpl_set_server_id(rpl, options.replicaServerID)
        // Blocking dump (no MARIADB_RPL_BINLOG_DUMP_NON_BLOCK): the server keeps
        // the stream open and sends heartbeats while idle.
        status |= billmig_rpl_set_flags(rpl, 0)
        // Checksums are verified by BinlogEventDecoder.
        status |= billmig_rpl_set_verify_checksum(rpl, 0)
        guard status == 0 else {
            mariadb_rpl_close(rpl)
            throw MySQLError(code: .binlog, message: "setting replication options failed")
        }
        guard mariadb_rpl_open(rpl) == 0 else {
            let error = Self.error(mysql, .binlog, context: "opening the binlog stream at \(options.start)")
            mariadb_rpl_close(rpl)
            throw error
        }
        binlog = BinlogState(
            rpl: rpl,
            decoder: BinlogEventDecoder(checksum: checksum),
            assembler: BinlogChangeAssembler(configuration: assembler, startFile: startFile))
        if !startFile.isEmpty {
            binlog?.position = BinlogCoordinates(file: startFile, position: startPosition)
        }
    }

    var binlogPosition: BinlogCoordinates? { binlog?.position }

    var binlogDefinitions: [String: SourceTableDefinition] { binlog?.assembler.configuration.definitions ?? [:] }

    var binlogBytesRead: Int { binlog?.bytesRead ?? 0 }

    /// Fetches one event into the reused event buffer and returns its bytes.
    private func fetchBinlogEvent() throws(MySQLError) -> [UInt8]? {
        guard let state = binlog else {
            throw MySQLError(code: .binlog, message: "no binlog stream is open on this connection")
        }
        let mysql = try requireHandle()
        guard let event = mariadb_rpl_fetch(state.rpl, state.event) else {
            // On failure libmariadb freed the event it was given.
            state.event = nil
            let number = mysql_errno(mysql)
            if number == 0 { return nil }  // The server ended the stream.
            throw Self.error(mysql, .binlog, context: "reading the binlog after \(state.position.map(String.init(describing:)) ?? "the start")")
        }
        state.event = event
        var length = 0
        guard let bytes = billmig_rpl_event_bytes(event, &length), length >= BinlogEventHeader.length else {
            throw MySQLError(code: .binlog, message: "libmariadb returned an empty binlog event")
        }
        state.bytesRead += length
        return Array(UnsafeBufferPointer(start: bytes, count: length))
    }

    func nextRawBinlogEvent() throws(MySQLError) -> [UInt8]? {
        guard let bytes = try fetchBinlogEvent(), let state = binlog else { return nil }
        do {
            let event = try state.decoder.decode(bytes)
            track(event, state)
            if case .rows = event.body {} else { _ = try state.assembler.consume(event) }
        } catch {
            throw MySQLError(code: .binlog, message: "decoding a binlog event at \(state.position.map(String.init(describing:)) ?? "?"): \(error)")
        }
        return bytes
    }

    func nextBinlogItems() throws(MySQLError) -> [BinlogStreamItem]? {
        try nextBinlogItemsWithTimestamp()?.items
    }

    func nextBinlogItemsWithTimestamp() throws(MySQLError) -> (items: [BinlogStreamItem], timestamp: UInt32)? {
        while true {
            guard let bytes = try fetchBinlogEvent(), let state = binlog else { return nil }
            let items: [BinlogStreamItem]
            let timestamp: UInt32
            do {
                let event = try state.decoder.decode(bytes)
                track(event, state)
                items = try state.assembler.consume(event)
                timestamp = event.header.timestamp
            } catch {
                if case .schemaChange = error { throw MySQLError(code: .schemaChange, message: "\(error)") }
                throw MySQLError(code: .binlog, message: "decoding a binlog event at \(state.position.map(String.init(describing:)) ?? "?"): \(error)")
            }
            if !items.isEmpty { return (items, timestamp) }
        }
    }

    private func track(_ event: BinlogEvent, _ state: BinlogState) {
        if case .rotate(let rotate) = event.body {
            state.position = BinlogCoordinates(file: rotate.fileName, position: rotate.position)
        } else if event.header.nextPosition > 0, !event.header.isArtificial {
            state.position = BinlogCoordinates(file: state.assembler.currentFile, position: UInt64(event.header.nextPosition))
        }
    }
}
