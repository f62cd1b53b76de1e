import Crypto
import Foundation

/// The hashing primitives SigV4 is built from.
public enum SigV4Crypto {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Lower-case hex of any byte sequence.
    public static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var output: [UInt8] = []
        output.reserveCapacity(64)
        for byte in bytes {
            output.append(hexDigits[Int(byte >> 4)])
            output.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    public static func sha256Hex<D: DataProtocol>(_ data: D) -> String {
        hex(SHA256.hash(data: data))
    }

    public static func sha256Hex(_ buffer: UnsafeRawBufferPointer) -> String {
        var hasher = SHA256()
        hasher.update(bufferPointer: buffer)
        return hex(hasher.finalize())
    }

    public static func sha256Hex(_ text: String) -> String {
        sha256Hex(Array(text.utf8))
    }

    /// `kSigning` = HMAC chain over date, region, service and `aws4_request`.
    public static func signingKey(secretAccessKey: String, dateStamp: String, region: String, service: String) -> SymmetricKey {
        let secret = SymmetricKey(data: Array(("AWS4" + secretAccessKey).utf8))
        let dateKey = HMAC<SHA256>.authenticationCode(for: Array(dateStamp.utf8), using: secret)
        let regionKey = HMAC<SHA256>.authenticationCode(for: Array(region.utf8), using: SymmetricKey(data: dateKey))
        let serviceKey = HMAC<SHA256>.authenticationCode(for: Array(service.utf8), using: SymmetricKey(data: regionKey))
        let signingKey = HMAC<SHA256>.authenticationCode(for: Array("aws4_request".utf8), using: SymmetricKey(data: serviceKey))
        return SymmetricKey(data: signingKey)
    }

    public static func hmacHex(key: SymmetricKey, _ text: String) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: key))
    }

    /// Compares two strings in time independent of where they first differ.
    public static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8), right = Array(rhs.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
