/// How a connection to MySQL travels: encrypted or not, and whether the
/// server proved who it is. Read off the open connection, not the options
/// asked for, so a report says what happened.
public struct MySQLTransportSecurity: Sendable, Hashable, Codable {
    /// The connection runs over TLS.
    public var encrypted: Bool
    /// `TLSv1.3`, `TLSv1.2`; nil when not encrypted.
    public var tlsVersion: String?
    /// The negotiated cipher (`TLS_AES_256_GCM_SHA384`); nil when not encrypted.
    public var cipher: String?
    /// The server's certificate was checked against the CA and its name
    /// against the host (`ssl-mode=VERIFY_CA` or `VERIFY_IDENTITY`).
    public var identityVerified: Bool

    public init(encrypted: Bool, tlsVersion: String? = nil, cipher: String? = nil, identityVerified: Bool = false) {
        self.encrypted = encrypted
        self.tlsVersion = tlsVersion
        self.cipher = cipher
        self.identityVerified = encrypted && identityVerified
    }

    public static let plain = MySQLTransportSecurity(encrypted: false)
}
