import Crypto
import Foundation

/// The opaque cursor a client passes back for the next page: the last
/// position and the query it belongs to, signed with HMAC-SHA256 so a client
/// can neither forge a position nor reuse a cursor on another query.
public struct PageCursorCodec: Sendable {
    private let secret: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: secret) }

    /// - Parameter secret: shared by every instance (a cursor from one is valid on all).
    public init(secret: [UInt8]) {
        self.secret = secret
    }

    private struct Payload: Codable {
        var q: String
        var p: PagePosition
    }

    public func encode(_ position: PagePosition, for query: BillingQuery) -> String {
        let payload = (try? JSONEncoder().encode(Payload(q: query.fingerprint, p: position))) ?? Data()
        let mac = HMAC<SHA256>.authenticationCode(for: payload, using: key)
        return Self.base64URL(payload) + "." + Self.base64URL(Data(mac))
    }

    public func decode(_ cursor: String, for query: BillingQuery) throws(BillingModelError) -> PagePosition {
        let parts = cursor.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = Self.data(base64URL: String(parts[0])),
            let mac = Self.data(base64URL: String(parts[1])),
            HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: payload, using: key)
        else {
            throw BillingModelError("the cursor is not one this service issued; start again without a cursor")
        }
        guard let decoded = try? JSONDecoder().decode(Payload.self, from: payload), decoded.q == query.fingerprint else {
            throw BillingModelError("the cursor belongs to another query; pass it only with the query that returned it")
        }
        return decoded.p
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func data(base64URL text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
