import Backoff
import BillingModel
import CMariaDB
import CMariaDBShim

/// libmariadb's global set-up is not thread-safe; Swift runs a global's
/// initialiser exactly once, before the first connection.
private let libraryInitialised: Bool = mysql_server_init(0, nil, nil) == 0

/// A column of a result set.
public struct MySQLColumn: Sendable, Hashable {
    public var name: String
    /// The column's type code (`enum_field_types`).
    public var type: BinlogColumnType
    /// Binary strings (BINARY, VARBINARY, BLOB, BIT): values come as `.bytes`.
    public var isBinary: Bool
    public var isUnsigned: Bool
    public var isNullable: Bool
}

/// A whole result: columns, rows, and for statements without rows the affected-row count.
public struct MySQLResult: Sendable {
    public var columns: [MySQLColumn]
    public var rows: [SourceRow]
    public var affectedRows: UInt64
}

/// When and how often to try (re)connecting.
public struct MySQLRetryPolicy: Sendable, Hashable {
    public var maxAttempts: Int
    public var initialDelay: Duration
    public var maxDelay: Duration
    public var multiplier: Double

    public init(maxAttempts: Int = 6, initialDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(10), multiplier: Double = 2) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.multiplier = multiplier
    }

    public static let none = MySQLRetryPolicy(maxAttempts: 1)

    /// The wait after failed attempt `attempt` (1-based): exponential, capped.
    public func delay(afterAttempt attempt: Int) -> Duration {
        ExponentialBackoff(base: initialDelay, cap: maxDelay, multiplier: multiplier).ceiling(afterAttempt: attempt)
    }
}

/// One connection to MySQL or MariaDB through libmariadb.
///
/// An actor whose executor is a thread of its own (`DedicatedThreadExecutor`):
/// libmariadb blocks while it waits for the server, and that waiting must not
/// occupy a thread of Swift's cooperative pool. Every call is serialised, as
/// one `MYSQL*` must be used by one thread at a time.
public actor MySQLConnection {
    public let configuration: MySQLConnectionConfiguration
    private let executor: DedicatedThreadExecutor
    private var handle: UnsafeMutablePointer<MYSQL>?
    private var stream: OpenStream?
    private var streamCounter: UInt64 = 0
    /// Streaming results dropped before their end by a later statement: reading
    /// on from them is an error, not a silent early end.
    private var abandonedStreams: Set<UInt64> = []
    /// State of the binlog stream when this connection carries one (see `MySQLBinlogStream`).
    var binlog: BinlogState?

    private struct OpenStream {
        var result: UnsafeMutablePointer<MYSQL_RES>
        var columns: [MySQLColumn]
        var token: UInt64
    }

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    private init(configuration: MySQLConnectionConfiguration) {
        self.configuration = configuration
        self.executor = DedicatedThreadExecutor(name: "mysql \(configuration.host):\(configuration.port)")
    }

    // Isolated: the handles are released on the connection's own thread,
    // where every other use of them happened.
    isolated deinit {
        if let binlog { binlog.release() }
        if let stream { mysql_free_result(stream.result) }
        if let handle { mysql_close(handle) }
        executor.shutdown()
    }

    /// Connects, retrying lost or refused connections by `retry`.
    public static func connect(_ configuration: MySQLConnectionConfiguration, retry: MySQLRetryPolicy = MySQLRetryPolicy()) async throws(MySQLError) -> MySQLConnection {
        let connection = MySQLConnection(configuration: configuration)
        try await connection.reconnect(retry: retry)
        return connection
    }

    public var isOpen: Bool { handle != nil }

    /// Whether the open connection is encrypted and the server verified; `.plain` when closed.
    public private(set) var transportSecurity: MySQLTransportSecurity = .plain

    private static func transportSecurity(of mysql: UnsafeMutablePointer<MYSQL>, mode: MySQLConnectionConfiguration.TLSMode) -> MySQLTransportSecurity {
        guard let cipher = mysql_get_ssl_cipher(mysql) else { return .plain }
        var version: UnsafePointer<CChar>?
        let versionText = mariadb_get_info(mysql, MARIADB_CONNECTION_TLS_VERSION, &version) == 0 ? version.map { String(cString: $0) } : nil
        // A verifying mode that connected has had the certificate and host name checked.
        return MySQLTransportSecurity(
            encrypted: true, tlsVersion: versionText, cipher: String(cString: cipher), identityVerified: mode.verifiesServer)
    }

    /// Drops the current connection, if any, and connects again with backoff.
    /// Access errors (wrong password, unknown database) are not retried.
    public func reconnect(retry: MySQLRetryPolicy = MySQLRetryPolicy()) async throws(MySQLError) {
        closeHandle()
        var attempt = 1
        while true {
            do {
                try openHandle()
                return
            } catch {
                guard error.isConnectionLost, attempt < retry.maxAttempts else { throw error }
                do {
                    try await Task.sleep(for: retry.delay(afterAttempt: attempt))
                } catch {
                    throw MySQLError(code: .connection, message: "reconnecting was cancelled")
                }
                attempt += 1
            }
        }
    }

    /// Closes the connection. Later calls fail with `.closed` until `reconnect`.
    public func close() {
        closeHandle()
    }

    private func closeHandle() {
        if let binlog {
            binlog.release()
            self.binlog = nil
        }
        finishStream()
        if let handle {
            mysql_close(handle)
            self.handle = nil
        }
        transportSecurity = .plain
        endpoint = nil
    }

    /// The endpoint the open connection reached (the primary or the backup); nil when closed.
    public private(set) var endpoint: MySQLConnectionConfiguration.Endpoint?

    /// Whether the open connection runs over the backup endpoint.
    public var isOnBackup: Bool { endpoint != nil && endpoint != configuration.endpoints.first }

    /// Opens the connection at the first endpoint that answers, the primary first:
    /// a primary that cannot be reached falls over to the backup.
    private func openHandle() throws(MySQLError) {
        var primaryFailure: MySQLError?
        for endpoint in configuration.endpoints {
            do {
                try openHandle(at: endpoint)
                self.endpoint = endpoint
                return
            } catch where error.isConnectionLost && endpoint != configuration.endpoints.last {
                primaryFailure = error
            } catch {
                guard let primaryFailure else { throw error }
                throw MySQLError(
                    code: error.code, errorNumber: error.errorNumber, sqlState: error.sqlState,
                    message: "\(error.message); the primary failed first: \(primaryFailure.message)")
            }
        }
    }

    private func openHandle(at endpoint: MySQLConnectionConfiguration.Endpoint) throws(MySQLError) {
        guard libraryInitialised else {
            throw MySQLError(code: .connection, message: "libmariadb could not be initialised")
        }
        let password = try configuration.resolvePassword()
        guard let mysql = mysql_init(nil) else {
            throw MySQLError(code: .connection, message: "mysql_init failed (out of memory)")
        }
        do throws(MySQLError) {
            try applyOptions(mysql)
            let connected = endpoint.host.withCString { host in
                configuration.user.withCString { user in
                    configuration.database.withCString { database in
                        withOptionalCString(password) { password in
                            withOptionalCString(configuration.unixSocket) { socket in
                                mysql_real_connect(mysql, host, user, password, database, UInt32(endpoint.port), socket, 0)
                            }
                        }
                    }
                }
            }
            guard connected != nil else {
                var context = "connecting to \(configuration)" + (endpoint == configuration.endpoints.first ? "" : " over its backup \(endpoint)")
                // CR_SSL_CONNECTION_ERROR: most often the wrong CA or a certificate for another name.
                if mysql_errno(mysql) == 2026, configuration.tls.mode.verifiesServer {
                    context += "; ssl-ca must be the CA that signed the server's certificate, and the certificate must name \(configuration.host)"
                }
                throw Self.error(mysql, .connection, context: context)
            }
            handle = mysql
            transportSecurity = Self.transportSecurity(of: mysql, mode: configuration.tls.mode)
            if configuration.tls.mode.requiresEncryption, !transportSecurity.encrypted {
                // CR_SSL_CONNECTION_ERROR: not retried, the server will not start offering TLS.
                throw MySQLError(
                    code: .connection, errorNumber: 2026,
                    message: "\(configuration) offers no TLS but ssl-mode=\(configuration.tls.mode.rawValue) requires it: "
                        + "configure ssl-cert and ssl-key on the server (or, against a trusted network only, use ssl-mode=PREFERRED)")
            }
            try run("SET time_zone = " + quote(configuration.sessionTimeZone))
        } catch {
            if handle == nil { mysql_close(mysql) } else { closeHandle() }
            throw error
        }
    }

    private func applyOptions(_ mysql: UnsafeMutablePointer<MYSQL>) throws(MySQLError) {
        var status: Int32 = 0
        var connectTimeout = configuration.connectTimeoutSeconds
        var readTimeout = configuration.readTimeoutSeconds
        var writeTimeout = configuration.writeTimeoutSeconds
        status |= mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &connectTimeout)
        status |= mysql_options(mysql, MYSQL_OPT_READ_TIMEOUT, &readTimeout)
        status |= mysql_options(mysql, MYSQL_OPT_WRITE_TIMEOUT, &writeTimeout)
        status |= mysql_options(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4")
        if configuration.unixSocket == nil {
            // Without this, "localhost" means the default socket, not our port.
            var tcp = MYSQL_PROTOCOL_TCP.rawValue
            status |= mysql_options(mysql, MYSQL_OPT_PROTOCOL, &tcp)
        }
        let tls = configuration.tls
        if tls.mode != .disabled {
            // Connector/C 3.3 tries TLS only when asked (use_ssl, which this sets); without
            // a verified certificate it still falls back to plain when the server offers
            // no TLS. That is PREFERRED; REQUIRED is enforced after connecting.
            var useTLS: my_bool = 1
            status |= mysql_options(mysql, MYSQL_OPT_SSL_ENFORCE, &useTLS)
            status |= mysql_options(mysql, MARIADB_OPT_TLS_VERSION, MySQLConnectionConfiguration.TLS.allowedVersions)
            if let ca = tls.caFile { status |= mysql_options(mysql, MYSQL_OPT_SSL_CA, ca) }
            if let certificate = tls.certificateFile { status |= mysql_options(mysql, MYSQL_OPT_SSL_CERT, certificate) }
            if let key = tls.keyFile { status |= mysql_options(mysql, MYSQL_OPT_SSL_KEY, key) }
            // Explicit either way: newer Connector/C versions verify by default.
            var verify: my_bool = tls.mode.verifiesServer ? 1 : 0
            status |= mysql_options(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify)
        }
        guard status == 0 else {
            throw Self.error(mysql, .configuration, context: "setting connection options")
        }
    }

    // MARK: Statements

    /// Runs a statement that returns no rows; returns the affected-row count.
    @discardableResult
    public func execute(_ sql: String) throws(MySQLError) -> UInt64 {
        let mysql = try send(sql)
        if mysql_field_count(mysql) > 0 {
            // A statement that did return rows: read and drop them.
            if let result = mysql_store_result(mysql) { mysql_free_result(result) }
            return 0
        }
        return mysql_affected_rows(mysql)
    }

    /// Runs a statement and reads its whole result into memory (`mysql_store_result`).
    public func query(_ sql: String) throws(MySQLError) -> MySQLResult {
        let mysql = try send(sql)
        guard mysql_field_count(mysql) > 0 else {
            return MySQLResult(columns: [], rows: [], affectedRows: mysql_affected_rows(mysql))
        }
        guard let result = mysql_store_result(mysql) else {
            throw Self.error(mysql, .statement, context: "reading the result")
        }
        defer { mysql_free_result(result) }
        let columns = Self.columns(of: result)
        var rows: [SourceRow] = []
        rows.reserveCapacity(Int(mysql_num_rows(result)))
        while let row = Self.fetchRow(result, columns: columns) {
            rows.append(row)
        }
        return MySQLResult(columns: columns, rows: rows, affectedRows: 0)
    }

    /// Runs a query whose rows are read from the server in batches as the
    /// caller asks for them (`mysql_use_result`): memory stays bounded for
    /// results of any size. The connection can run nothing else until the
    /// batches end; a new statement drops what is left of them first.
    public func streamingQuery(_ sql: String, batchSize: Int = 1000) throws(MySQLError) -> MySQLRowBatches {
        let mysql = try send(sql)
        guard mysql_field_count(mysql) > 0 else {
            throw MySQLError(code: .statement, message: "streamingQuery needs a statement that returns rows")
        }
        guard let result = mysql_use_result(mysql) else {
            throw Self.error(mysql, .statement, context: "starting to read the result")
        }
        streamCounter += 1
        let columns = Self.columns(of: result)
        stream = OpenStream(result: result, columns: columns, token: streamCounter)
        return MySQLRowBatches(connection: self, token: streamCounter, columns: columns, batchSize: max(1, batchSize))
    }

    /// The next rows of a streaming result, at most `maxRows`; nil once it has ended.
    func nextBatch(token: UInt64, maxRows: Int) throws(MySQLError) -> [SourceRow]? {
        guard let stream, stream.token == token else {
            if abandonedStreams.contains(token) {
                throw MySQLError(code: .statement, message: "the streaming result was dropped by a later statement on the same connection")
            }
            return nil
        }
        var rows: [SourceRow] = []
        rows.reserveCapacity(maxRows)
        while rows.count < maxRows {
            guard let row = Self.fetchRow(stream.result, columns: stream.columns) else {
                let failed = handle.map { mysql_errno($0) != 0 } ?? false
                let error = failed ? handle.map { Self.error($0, .statement, context: "reading rows") } : nil
                finishStream()
                if let error { throw error }
                return rows.isEmpty ? nil : rows
            }
            rows.append(row)
        }
        return rows
    }

    private func finishStream(abandoned: Bool = false) {
        if let stream {
            if abandoned { abandonedStreams.insert(stream.token) }
            // Frees the result; libmariadb reads and discards any rows not yet fetched.
            mysql_free_result(stream.result)
            self.stream = nil
        }
    }

    /// Sends one statement and returns the handle to read its result from.
    private func send(_ sql: String) throws(MySQLError) -> UnsafeMutablePointer<MYSQL> {
        guard let mysql = handle else {
            throw MySQLError(code: .closed, message: "the connection to \(configuration.host):\(configuration.port) is closed")
        }
        guard binlog == nil else {
            throw MySQLError(code: .statement, message: "this connection carries a binlog stream and runs no statements")
        }
        finishStream(abandoned: true)
        let status = sql.withCString { mysql_real_query(mysql, $0, UInt(sql.utf8.count)) }
        guard status == 0 else {
            throw Self.error(mysql, .statement, context: Self.abbreviated(sql))
        }
        return mysql
    }

    private func run(_ sql: String) throws(MySQLError) {
        _ = try execute(sql)
    }

    // MARK: Quoting

    /// `value` as an SQL string literal, escaped for the connection's character set.
    public func quote(_ value: String) throws(MySQLError) -> String {
        guard let mysql = handle else {
            throw MySQLError(code: .closed, message: "the connection is closed")
        }
        let source = Array(value.utf8)
        var target = [CChar](repeating: 0, count: source.count * 2 + 1)
        let length = source.withUnsafeBufferPointer { source in
            source.withMemoryRebound(to: CChar.self) { source in
                mysql_real_escape_string(mysql, &target, source.baseAddress, UInt(source.count))
            }
        }
        let escaped = target.prefix(Int(length)).map { UInt8(bitPattern: $0) }
        return "'" + String(decoding: escaped, as: UTF8.self) + "'"
    }

    /// A `SourceValue` as an SQL literal: text quoted, bytes as a hex literal, NULL as NULL.
    public func literal(_ value: SourceValue) throws(MySQLError) -> String {
        switch value {
        case .null: return "NULL"
        case .text(let text): return try quote(text)
        case .bytes(let bytes):
            return "X'" + bytes.map { zeroPadded(UInt64($0), 2, radix: 16) }.joined() + "'"
        }
    }

    // MARK: Results

    private static func columns(of result: UnsafeMutablePointer<MYSQL_RES>) -> [MySQLColumn] {
        let count = Int(mysql_num_fields(result))
        guard let fields = mysql_fetch_fields(result) else { return [] }
        return (0..<count).map { index in
            let field = fields[index]
            let type = BinlogColumnType(rawValue: UInt8(truncatingIfNeeded: field.type.rawValue))
            let binaryCapable: Set<BinlogColumnType> = [
                .string, .varString, .varchar, .tinyBlob, .mediumBlob, .longBlob, .blob, .bit, .geometry,
            ]
            return MySQLColumn(
                name: field.name.map { String(cString: $0) } ?? "",
                type: type,
                isBinary: field.charsetnr == 63 && binaryCapable.contains(type),
                isUnsigned: field.flags & UInt32(UNSIGNED_FLAG) != 0,
                isNullable: field.flags & UInt32(NOT_NULL_FLAG) == 0)
        }
    }

    private static func fetchRow(_ result: UnsafeMutablePointer<MYSQL_RES>, columns: [MySQLColumn]) -> SourceRow? {
        guard let row = mysql_fetch_row(result), let lengths = mysql_fetch_lengths(result) else { return nil }
        var values: SourceRow = []
        values.reserveCapacity(columns.count)
        for (index, column) in columns.enumerated() {
            guard let cell = row[index] else {
                values.append(.null)
                continue
            }
            let buffer = UnsafeRawBufferPointer(start: cell, count: Int(lengths[index]))
            if column.isBinary {
                values.append(.bytes(Array(buffer)))
            } else {
                values.append(.text(String(decoding: buffer, as: UTF8.self)))
            }
        }
        return values
    }

    static func error(_ mysql: UnsafeMutablePointer<MYSQL>, _ code: MySQLError.Code, context: String) -> MySQLError {
        let number = mysql_errno(mysql)
        let message = mysql_error(mysql).map { String(cString: $0) } ?? "unknown error"
        let state = mysql_sqlstate(mysql).map { String(cString: $0) }
        let lostCode: MySQLError.Code = [2002, 2003, 2006, 2013, 2055].contains(number) ? .connection : code
        return MySQLError(code: lostCode, errorNumber: number, sqlState: state, message: "\(message) (\(context))")
    }

    static func abbreviated(_ sql: String) -> String {
        let flat = sql.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count > 160 ? String(flat.prefix(160)) + "..." : flat
    }

    /// The server's id of this connection (`CONNECTION_ID()`), as `KILL` takes it.
    public func serverConnectionID() throws(MySQLError) -> UInt64 {
        UInt64(mysql_thread_id(try requireHandle()))
    }

    /// The open `MYSQL*` for the binlog stream, which lives in this actor too.
    func requireHandle() throws(MySQLError) -> UnsafeMutablePointer<MYSQL> {
        guard let handle else {
            throw MySQLError(code: .closed, message: "the connection to \(configuration.host):\(configuration.port) is closed")
        }
        return handle
    }
}

/// The rows of a streaming query, a batch at a time.
public struct MySQLRowBatches: AsyncSequence, Sendable {
    public typealias Element = [SourceRow]
    public let connection: MySQLConnection
    let token: UInt64
    public let columns: [MySQLColumn]
    public let batchSize: Int

    public typealias Failure = MySQLError

    public struct AsyncIterator: AsyncIteratorProtocol {
        public typealias Element = [SourceRow]
        public typealias Failure = MySQLError
        let batches: MySQLRowBatches

        public mutating func next() async throws(MySQLError) -> [SourceRow]? {
            try await batches.connection.nextBatch(token: batches.token, maxRows: batches.batchSize)
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws(MySQLError) -> [SourceRow]? {
            try await batches.connection.nextBatch(token: batches.token, maxRows: batches.batchSize)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(batches: self)
    }
}

private func withOptionalCString<Result>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> Result) -> Result {
    guard let text else { return body(nil) }
    return text.withCString { body($0) }
}

func zeroPadded(_ value: UInt64, _ width: Int, radix: Int) -> String {
    let digits = String(value, radix: radix)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}
