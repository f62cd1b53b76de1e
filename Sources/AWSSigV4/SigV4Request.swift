/// An HTTP request in the form the signer reads and amends: the path and query
/// exactly as they go on the wire (already percent-encoded), and the headers in
/// order, repeated names allowed.
public struct SigV4Request: Sendable {
    public var method: String
    /// The wire path, e.g. `/` or `/bucket/my%20key`.
    public var path: String
    /// The wire query string without `?`, e.g. `list-type=2&prefix=a%2Fb`.
    public var query: String
    public var headers: [(name: String, value: String)]

    public init(method: String, path: String, query: String = "", headers: [(name: String, value: String)] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
    }

    /// The first value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveEquals(name) }?.value
    }

    /// Every value of a header, by case-insensitive name.
    public func headerValues(_ name: String) -> [String] {
        headers.filter { $0.name.caseInsensitiveEquals(name) }.map(\.value)
    }

    /// Replaces every header of that name by one with the given value.
    public mutating func setHeader(_ name: String, _ value: String) {
        removeHeader(name)
        headers.append((name, value))
    }

    public mutating func removeHeader(_ name: String) {
        headers.removeAll { $0.name.caseInsensitiveEquals(name) }
    }
}

/// What the signer hashes as the request body.
public enum SigV4Payload: Sendable {
    /// The body bytes; hashed with SHA-256.
    case bytes([UInt8])
    /// A hex SHA-256 of the body computed by the caller (e.g. straight from a ByteBuffer).
    case sha256(String)
    /// `UNSIGNED-PAYLOAD`: the body is not covered by the signature (S3 only).
    case unsigned

    public static let unsignedPayloadHash = "UNSIGNED-PAYLOAD"
    public static let emptyBodyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// The hex hash (or `UNSIGNED-PAYLOAD`) that goes into the canonical request.
    public var hash: String {
        switch self {
        case .bytes(let bytes): return bytes.isEmpty ? Self.emptyBodyHash : SigV4Crypto.sha256Hex(bytes)
        case .sha256(let hash): return hash
        case .unsigned: return Self.unsignedPayloadHash
        }
    }
}

extension String {
    func caseInsensitiveEquals(_ other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        return zip(utf8, other.utf8).allSatisfy { lhs, rhs in
            lhs == rhs || (lhs | 0x20 == rhs | 0x20 && (lhs | 0x20) >= UInt8(ascii: "a") && (lhs | 0x20) <= UInt8(ascii: "z"))
        }
    }
}
