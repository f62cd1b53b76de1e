/// An error from the MySQL source: configuration, connection, a statement, or
/// the binlog stream. Carries the server's or library's error number
/// (`mysql_errno`) when there is one.
public struct MySQLError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case configuration, connection, statement, snapshot, binlog, schemaChange, closed
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The URL, TLS options or password source are unusable.
        public static let configuration = Code(.configuration)
        /// Connecting or reconnecting failed, or the connection was lost.
        public static let connection = Code(.connection)
        /// A statement failed or its result could not be read.
        public static let statement = Code(.statement)
        /// The consistent snapshot or its binlog position could not be taken.
        public static let snapshot = Code(.snapshot)
        /// Opening or reading the binlog stream failed.
        public static let binlog = Code(.binlog)
        /// The binlog alters a guarded table: the stream stops before the statement.
        public static let schemaChange = Code(.schemaChange)
        /// The connection was closed.
        public static let closed = Code(.closed)

        public var description: String {
            switch base {
            case .configuration: "configuration"
            case .connection: "connection"
            case .statement: "statement"
            case .snapshot: "snapshot"
            case .binlog: "binlog"
            case .schemaChange: "schema change"
            case .closed: "closed"
            }
        }
    }

    public var code: Code
    /// `mysql_errno` (server errors 1000-1999 and 3000+, client errors 2000-2999); 0 when none.
    public var errorNumber: UInt32
    public var sqlState: String?
    public var message: String

    public init(code: Code, errorNumber: UInt32 = 0, sqlState: String? = nil, message: String) {
        self.code = code
        self.errorNumber = errorNumber
        self.sqlState = sqlState
        self.message = message
    }

    /// The connection is gone (server away, lost during a query, cannot connect):
    /// reconnecting may help.
    public var isConnectionLost: Bool {
        // CR_CONNECTION_ERROR, CR_CONN_HOST_ERROR, CR_SERVER_GONE_ERROR, CR_SERVER_LOST,
        // CR_SERVER_LOST_EXTENDED; ER_CON_COUNT_ERROR, ER_SERVER_SHUTDOWN, ER_CONNECTION_KILLED.
        if errorNumber == 0 { return code == .connection }
        return [2002, 2003, 2006, 2013, 2055, 1040, 1053, 1927].contains(errorNumber)
    }

    /// The server undid the transaction (or its statement) because another one held
    /// the rows: ER_LOCK_DEADLOCK 1213, ER_LOCK_WAIT_TIMEOUT 1205. Not the rows' fault;
    /// running the whole transaction again is the answer.
    public var isTransactionConflict: Bool { [1213, 1205].contains(errorNumber) }

    public var description: String {
        var text = "MySQL \(code) error"
        if errorNumber != 0 { text += " \(errorNumber)" }
        if let sqlState, !sqlState.isEmpty, sqlState != "00000" { text += " (\(sqlState))" }
        return text + ": " + message
    }
}
