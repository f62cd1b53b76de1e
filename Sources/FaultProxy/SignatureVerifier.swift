import NIOCore
import NIOHTTP1

/// The outcome of checking a request's AWS signature.
public enum SignatureVerdict: Sendable, Equatable {
    case valid
    /// No `Authorization` header (or no usable one).
    case missingAuthentication
    /// Signed with an access key the sink does not know.
    case unknownAccessKey(String)
    /// Signed, but the signature does not match the request.
    case invalidSignature(String)
}

/// Checks the signature of a request the sink received.
///
/// The seam between the proxy and the signing code: the sink depends only on this protocol.
/// `SigV4SignatureVerifier` (in `SigV4SignatureVerifier.swift`) implements it with the
/// `AWSSigV4` target; tests may supply their own.
public protocol SignatureVerifier: Sendable {
    /// - Parameters:
    ///   - head: the request line and headers exactly as received (`uri` is path and query
    ///     as the client sent them, still percent-encoded).
    ///   - body: the complete request body.
    func verify(head: HTTPRequestHead, body: ByteBuffer) -> SignatureVerdict
}
