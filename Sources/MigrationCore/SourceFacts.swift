/// What `billmig check` reads off a MySQL or MariaDB source before deciding
/// anything: server settings, the account's grants and the migrated tables.
/// Gathered at the edge, judged by the pure `SourceCheck`.
public struct SourceFacts: Sendable, Codable, Equatable {
    /// `SELECT VERSION()`: `10.11.6-MariaDB-0+deb12u1-log`, `8.0.36`.
    public var version: String
    /// `@@log_bin`: nil when the server did not say.
    public var logBin: Bool?
    /// `@@binlog_format`: `ROW`, `MIXED`, `STATEMENT`.
    public var binlogFormat: String?
    /// `@@binlog_row_image`: `FULL`, `MINIMAL`, `NOBLOB`.
    public var binlogRowImage: String?
    /// `@@binlog_expire_logs_seconds` (MySQL 8, MariaDB 10.6+); nil where the variable does not exist.
    public var binlogExpireLogsSeconds: Double?
    /// `@@expire_logs_days` (fractions allowed on MariaDB); nil where the variable does not exist.
    public var expireLogsDays: Double?
    /// `SELECT CURRENT_USER()`: `billmig@127.0.0.1`.
    public var account: String
    /// Every line of `SHOW GRANTS` for the current account.
    public var grants: [String]
    /// The database the migration reads.
    public var database: String
    /// One entry per table the mapping migrates.
    public var tables: [Table]
    /// How the connection that read these facts travels; nil when not known.
    public var transport: Transport?

    /// The connection's encryption, as the client library reports it once connected.
    public struct Transport: Sendable, Codable, Equatable {
        /// The connection runs over TLS.
        public var encrypted: Bool
        /// `TLSv1.3`, `TLSv1.2`; nil when not encrypted or not reported.
        public var tlsVersion: String?
        /// The negotiated cipher; nil when not encrypted.
        public var cipher: String?
        /// The server's certificate was checked against a CA and its name against the host.
        public var identityVerified: Bool
        /// The URL's `ssl-mode` (`PREFERRED` when it names none).
        public var sslMode: String

        public init(encrypted: Bool, tlsVersion: String? = nil, cipher: String? = nil, identityVerified: Bool = false, sslMode: String) {
            self.encrypted = encrypted
            self.tlsVersion = tlsVersion
            self.cipher = cipher
            self.identityVerified = identityVerified
            self.sslMode = sslMode
        }
    }

    public struct Table: Sendable, Codable, Equatable {
        /// The name as the mapping spells it.
        public var name: String
        /// False when `information_schema.tables` has no such table.
        public var exists: Bool
        /// `ENGINE`: `InnoDB`, `MyISAM`...; nil when unknown.
        public var engine: String?
        /// The primary key's columns in key order; empty when there is none.
        public var primaryKey: [String]
        /// How the mapping's columns differ from the table's (names, order, types,
        /// nullability), one line each; empty when they agree.
        public var mappingDifferences: [String] = []

        public init(name: String, exists: Bool, engine: String?, primaryKey: [String]) {
            self.name = name
            self.exists = exists
            self.engine = engine
            self.primaryKey = primaryKey
        }
    }

    public init(
        version: String, logBin: Bool?, binlogFormat: String?, binlogRowImage: String?,
        binlogExpireLogsSeconds: Double?, expireLogsDays: Double?, account: String, grants: [String],
        database: String, tables: [Table], transport: Transport? = nil
    ) {
        self.version = version
        self.logBin = logBin
        self.binlogFormat = binlogFormat
        self.binlogRowImage = binlogRowImage
        self.binlogExpireLogsSeconds = binlogExpireLogsSeconds
        self.expireLogsDays = expireLogsDays
        self.account = account
        self.grants = grants
        self.database = database
        self.tables = tables
        self.transport = transport
    }

    public var isMariaDB: Bool { version.lowercased().contains("mariadb") }

    /// The major and minor version (`10.11`, `8.0`), when the string starts with one.
    public var majorMinor: (major: Int, minor: Int)? {
        let parts = version.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        guard parts.count == 2 else { return nil }
        return (parts[0], parts[1])
    }

    /// How long the server keeps binary logs, in seconds; nil when they never
    /// expire (both settings 0) or when the server reported neither setting.
    /// A non-zero `binlog_expire_logs_seconds` wins (MySQL 8 ignores
    /// `expire_logs_days` then; MariaDB 10.6+ keeps the two in step).
    public var binlogRetentionSeconds: Double? {
        if let seconds = binlogExpireLogsSeconds, seconds > 0 { return seconds }
        if let days = expireLogsDays, days > 0 { return days * 86_400 }
        return nil
    }

    /// Whether either retention setting was reported at all.
    public var reportsRetention: Bool { binlogExpireLogsSeconds != nil || expireLogsDays != nil }
}
