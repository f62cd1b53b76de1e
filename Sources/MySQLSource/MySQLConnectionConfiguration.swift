import Foundation

/// Where a MySQL connection goes and how it authenticates.
///
/// Built from a URL: `mysql://user@host:port/database?option=value&...`.
/// Options (all optional):
/// - `ssl-mode`: `DISABLED`, `PREFERRED` (default: TLS whenever the server offers it),
///   `REQUIRED`, `VERIFY_CA`, `VERIFY_IDENTITY` (need `ssl-ca`); TLS 1.2 or newer
/// - `ssl-ca` / `ca`, `ssl-cert` / `cert`, `ssl-key` / `key`: PEM file paths
/// - `connect-timeout`, `read-timeout`, `write-timeout`: seconds
/// - `password-env`: the environment variable holding the password (default `BILLMIG_MYSQL_PASSWORD`)
/// - `password-file`: a file whose first line is the password (wins over `password-env`)
/// - `socket`: a unix socket path to use instead of TCP
///
/// A password inside the URL is refused: URLs end up in logs and process lists.
/// The password is read when connecting and never appears in `description`.
public struct MySQLConnectionConfiguration: Sendable, Hashable, CustomStringConvertible {
    public enum PasswordSource: Sendable, Hashable, CustomStringConvertible {
        case none
        /// The value of an environment variable, read when connecting.
        case environment(String)
        /// The first line of a file, read when connecting.
        case file(String)
        /// A password already in memory (tests, callers with their own secret store).
        case literal(Secret)

        public var description: String {
            switch self {
            case .none: "none"
            case .environment(let name): "environment variable \(name)"
            case .file(let path): "file \(path)"
            case .literal: "given (redacted)"
            }
        }
    }

    /// A secret string whose descriptions never show it.
    public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
        public let value: String
        public init(_ value: String) { self.value = value }
        public var description: String { "<redacted>" }
        public var debugDescription: String { "<redacted>" }
    }

    public enum TLSMode: String, Sendable, Hashable {
        /// Plain text even when the server offers TLS.
        case disabled = "DISABLED"
        /// TLS whenever the server offers it, plain only when it does not (as
        /// MySQL's own clients do); the certificate is not checked.
        case preferred = "PREFERRED"
        /// TLS or no connection; the certificate is not checked.
        case required = "REQUIRED"
        /// TLS with the server certificate checked against `ca`. Connector/C also
        /// checks the host name here, so this is as strict as `verifyIdentity`.
        case verifyCA = "VERIFY_CA"
        /// TLS with the certificate and the host name checked.
        case verifyIdentity = "VERIFY_IDENTITY"

        /// A connection without TLS is refused.
        public var requiresEncryption: Bool { self == .required || verifiesServer }
        /// The server's certificate (and host name) is checked against `ca`.
        public var verifiesServer: Bool { self == .verifyCA || self == .verifyIdentity }
    }

    public struct TLS: Sendable, Hashable {
        /// Protocol versions offered: TLS 1.2 and newer only.
        public static let allowedVersions = "TLSv1.2,TLSv1.3"

        public var mode: TLSMode
        public var caFile: String?
        public var certificateFile: String?
        public var keyFile: String?

        public init(mode: TLSMode = .preferred, caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil) {
            self.mode = mode
            self.caFile = caFile
            self.certificateFile = certificateFile
            self.keyFile = keyFile
        }
    }

    public static let defaultPasswordVariable = "BILLMIG_MYSQL_PASSWORD"
    public static let defaultPort = 3306

    /// A host and port the server answers on.
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int = MySQLConnectionConfiguration.defaultPort) {
            self.host = host
            self.port = port
        }

        public var description: String { "\(host):\(port)" }
    }

    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    public var password: PasswordSource
    public var tls: TLS
    /// A unix socket path; when nil the connection uses TCP even for `localhost`.
    public var unixSocket: String?
    public var connectTimeoutSeconds: UInt32
    /// Longest wait for a reply. The binlog stream's heartbeat period must be shorter.
    public var readTimeoutSeconds: UInt32
    public var writeTimeoutSeconds: UInt32
    /// Session `time_zone`. UTC makes TIMESTAMP values read by `SELECT` match the binlog decoder.
    public var sessionTimeZone: String
    /// Another way to the same server (the backup link: a VPN beside Direct
    /// Connect), tried whenever the primary `host:port` cannot be reached.
    public var backup: Endpoint?

    /// The primary endpoint, then the backup if there is one: the order connections try them in.
    public var endpoints: [Endpoint] {
        [Endpoint(host: host, port: port)] + (backup.map { [$0] } ?? [])
    }

    public init(
        host: String = "127.0.0.1", port: Int = defaultPort, user: String, database: String,
        password: PasswordSource = .environment(defaultPasswordVariable), tls: TLS = TLS(), unixSocket: String? = nil,
        connectTimeoutSeconds: UInt32 = 10, readTimeoutSeconds: UInt32 = 300, writeTimeoutSeconds: UInt32 = 60,
        sessionTimeZone: String = "+00:00"
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.database = database
        self.password = password
        self.tls = tls
        self.unixSocket = unixSocket
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.readTimeoutSeconds = readTimeoutSeconds
        self.writeTimeoutSeconds = writeTimeoutSeconds
        self.sessionTimeZone = sessionTimeZone
    }

    /// Parses `mysql://user@host:port/database?options`.
    /// - Parameter password: used when the URL names no `password-env` or `password-file`.
    public init(url text: String, password: PasswordSource = .environment(defaultPasswordVariable)) throws(MySQLError) {
        func invalid(_ reason: String) -> MySQLError {
            MySQLError(code: .configuration, message: "invalid MySQL URL \(Self.redacted(text)): \(reason)")
        }
        guard let components = URLComponents(string: text) else { throw invalid("not a URL") }
        guard components.scheme?.lowercased() == "mysql" else { throw invalid("the scheme must be mysql://") }
        guard components.password == nil else {
            throw invalid("put the password in \(Self.defaultPasswordVariable) or password-file=, not in the URL")
        }
        guard let user = components.user, !user.isEmpty else { throw invalid("a user name is required (mysql://user@host/db)") }
        guard let host = components.host, !host.isEmpty else { throw invalid("a host is required") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw invalid("the path must be the database name") }

        self.init(
            host: host, port: components.port ?? Self.defaultPort,
            user: user.removingPercentEncoding ?? user, database: database, password: password)

        var passwordEnvironment: String?
        var passwordFile: String?
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            func seconds() throws(MySQLError) -> UInt32 {
                guard let number = UInt32(value), number > 0 else { throw invalid("\(item.name) must be a positive number of seconds") }
                return number
            }
            switch item.name.lowercased() {
            case "ssl-mode", "sslmode", "ssl_mode":
                guard let mode = TLSMode(rawValue: value.uppercased().replacingOccurrences(of: "-", with: "_")) else {
                    throw invalid("ssl-mode must be DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY")
                }
                tls.mode = mode
            case "ssl-ca", "ca": tls.caFile = value
            case "ssl-cert", "cert": tls.certificateFile = value
            case "ssl-key", "key": tls.keyFile = value
            case "connect-timeout": connectTimeoutSeconds = try seconds()
            case "read-timeout": readTimeoutSeconds = try seconds()
            case "write-timeout": writeTimeoutSeconds = try seconds()
            case "password-env": passwordEnvironment = value
            case "password-file": passwordFile = value
            case "socket": unixSocket = value
            case "backup":
                // HOST:PORT, or [IPv6]:PORT; the port defaults to the primary's.
                let parts = value.split(separator: ":", omittingEmptySubsequences: false)
                guard let first = parts.first, !first.isEmpty, parts.count <= 2 else { throw invalid("backup must be HOST:PORT") }
                let backupPort = parts.count == 2 ? Int(parts[1]) : port
                guard let backupPort, (1...65535).contains(backupPort) else { throw invalid("backup must be HOST:PORT") }
                backup = Endpoint(host: String(first), port: backupPort)
            default: throw invalid("unknown option \(item.name)")
            }
        }
        if let passwordFile {
            self.password = .file(passwordFile)
        } else if let passwordEnvironment {
            self.password = .environment(passwordEnvironment)
        }
        if (tls.mode == .verifyCA || tls.mode == .verifyIdentity), tls.caFile == nil {
            throw invalid("ssl-mode=\(tls.mode.rawValue) needs ssl-ca=")
        }
        if (tls.certificateFile == nil) != (tls.keyFile == nil) {
            throw invalid("ssl-cert and ssl-key go together")
        }
    }

    /// Reads the password from its source.
    public func resolvePassword(environment: [String: String] = ProcessInfo.processInfo.environment) throws(MySQLError) -> String? {
        switch password {
        case .none:
            return nil
        case .literal(let secret):
            return secret.value
        case .environment(let name):
            return environment[name]
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw MySQLError(code: .configuration, message: "cannot read the password file \(path)")
            }
            let text = String(decoding: data, as: UTF8.self)
            return String(text.prefix(while: { $0 != "\n" && $0 != "\r" }))
        }
    }

    /// The URL without secrets, for logs and messages.
    public var description: String {
        var text = "mysql://\(user)@\(host):\(port)/\(database)"
        var options: [String] = []
        if tls.mode != .preferred { options.append("ssl-mode=\(tls.mode.rawValue)") }
        if let caFile = tls.caFile { options.append("ssl-ca=\(caFile)") }
        if let certificateFile = tls.certificateFile { options.append("ssl-cert=\(certificateFile)") }
        if let unixSocket { options.append("socket=\(unixSocket)") }
        if let backup { options.append("backup=\(backup)") }
        if !options.isEmpty { text += "?" + options.joined(separator: "&") }
        return text + " (password: \(password))"
    }

    /// A URL text with any password replaced, for error messages about the URL itself.
    static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "redacted"
        return components.string ?? "<url>"
    }
}
