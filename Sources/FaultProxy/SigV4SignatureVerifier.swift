import AWSSigV4
import Foundation
import NIOCore
import NIOHTTP1

/// The sink's signature check, done by `AWSSigV4`'s verifier against known credentials.
///
/// This file is the only place the proxy meets the signing code (with `RequestResigner`).
public struct SigV4SignatureVerifier: SignatureVerifier {
    private let verifier: SigV4Verifier

    /// - Parameters:
    ///   - credentials: the key pairs whose signatures are accepted.
    ///   - maximumClockSkew: how far `X-Amz-Date` may be from now; nil accepts any date
    ///     (for replaying recorded requests).
    public init(credentials: [AWSCredentials], maximumClockSkew: TimeInterval? = 15 * 60) {
        verifier = SigV4Verifier(credentials: credentials, maxClockSkew: maximumClockSkew)
    }

    public func verify(head: HTTPRequestHead, body: ByteBuffer) -> SignatureVerdict {
        let request = SigV4Request(head: head)
        let bodyHash = body.readableBytes == 0
            ? SigV4Payload.emptyBodyHash
            : body.withUnsafeReadableBytes { SigV4Crypto.sha256Hex($0) }
        do {
            try verifier.verify(request, bodySHA256: bodyHash)
            return .valid
        } catch {
            switch error.reason {
            case .missingAuthorization: return .missingAuthentication
            case .unknownAccessKey: return .unknownAccessKey(error.message)
            default: return .invalidSignature(error.description)
            }
        }
    }
}

/// Signs a request again after the proxy rewrote its body, with the credentials the upstream
/// knows, keeping the region and service the client signed for.
struct RequestResigner: Sendable {
    var credentials: AWSCredentials

    /// The headers to send instead of `head.headers`; nil when the request was not signed.
    func resign(_ head: HTTPRequestHead, body: ByteBuffer) -> HTTPHeaders? {
        guard let authorization = head.headers.first(name: "authorization"),
              let parsed = try? SigV4Authorization(parsing: authorization)
        else { return nil }
        var request = SigV4Request(head: head)
        // Framing headers change on the way; the signer leaves them unsigned anyway.
        request.removeHeader("Content-Length")
        let hash = body.readableBytes == 0
            ? SigV4Payload.emptyBodyHash
            : body.withUnsafeReadableBytes { SigV4Crypto.sha256Hex($0) }
        if request.header("x-amz-content-sha256") != nil {
            request.setHeader("x-amz-content-sha256", hash)
        }
        let signer = SigV4Signer(credentials: credentials, region: parsed.region, service: parsed.service)
        signer.sign(&request, payload: .sha256(hash), date: Date())
        return HTTPHeaders(request.headers.map { ($0.name, $0.value) })
    }
}

extension SigV4Request {
    /// The request line and headers of a received request, path and query as on the wire.
    init(head: HTTPRequestHead) {
        let uri = head.uri
        let path: String
        let query: String
        if let mark = uri.firstIndex(of: "?") {
            path = String(uri[..<mark])
            query = String(uri[uri.index(after: mark)...])
        } else {
            path = uri
            query = ""
        }
        self.init(
            method: head.method.rawValue,
            path: path.isEmpty ? "/" : path,
            query: query,
            headers: head.headers.map { ($0.name, $0.value) })
    }
}
