import Crypto
import Synchronization

/// The signing keys derived lately, by secret, day, region and service.
///
/// A key takes four HMACs to derive and serves every request of its day, region
/// and service, so the signer and the verifier each derive it once a day, not
/// once a request. Bounded: a process signs for a handful of scopes at most, and
/// the memo starts over past `capacity` (a new day, new credentials).
public final class SigV4SigningKeys: Sendable {
    struct Scope: Hashable {
        var secretAccessKey: String
        var dateStamp: String
        var region: String
        var service: String
    }

    /// The memo every signer and verifier of the process shares.
    public static let shared = SigV4SigningKeys()

    let capacity: Int
    /// The keys' bytes (`SymmetricKey` is not `Sendable`).
    private let keys = Mutex<[Scope: [UInt8]]>([:])

    public init(capacity: Int = 16) {
        self.capacity = max(1, capacity)
    }

    /// `SigV4Crypto.signingKey` of these, derived at most once while it is remembered.
    public func key(secretAccessKey: String, dateStamp: String, region: String, service: String) -> SymmetricKey {
        let scope = Scope(secretAccessKey: secretAccessKey, dateStamp: dateStamp, region: region, service: service)
        if let known = keys.withLock({ $0[scope] }) { return SymmetricKey(data: known) }
        let derived = SigV4Crypto.signingKey(
            secretAccessKey: secretAccessKey, dateStamp: dateStamp, region: region, service: service)
        let bytes = derived.withUnsafeBytes { Array($0) }
        keys.withLock { keys in
            if keys.count >= capacity { keys.removeAll(keepingCapacity: true) }
            keys[scope] = bytes
        }
        return derived
    }

    /// Keys remembered now.
    public var count: Int { keys.withLock { $0.count } }
}
