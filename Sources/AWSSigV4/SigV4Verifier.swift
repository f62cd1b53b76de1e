import Foundation

/// Checks the SigV4 signature of an incoming request, as a service would:
/// for servers and proxies that stand in for AWS.
public struct SigV4Verifier: Sendable {
    /// The credentials that belong to an access key id, or nil when it is unknown.
    public typealias CredentialsLookup = @Sendable (_ accessKeyID: String) -> AWSCredentials?

    private let lookup: CredentialsLookup
    /// How far `X-Amz-Date` may be from `now`; nil disables the check. AWS allows 15 minutes.
    public var maxClockSkew: TimeInterval?

    public init(maxClockSkew: TimeInterval? = 15 * 60, lookup: @escaping CredentialsLookup) {
        self.lookup = lookup
        self.maxClockSkew = maxClockSkew
    }

    public init(credentials: [AWSCredentials], maxClockSkew: TimeInterval? = 15 * 60) {
        let byKey = Dictionary(credentials.map { ($0.accessKeyID, $0) }, uniquingKeysWith: { _, last in last })
        self.init(maxClockSkew: maxClockSkew) { byKey[$0] }
    }

    /// Verifies a request whose body bytes are at hand.
    @discardableResult
    public func verify(_ request: SigV4Request, body: [UInt8], now: Date = Date()) throws(SigV4VerificationError) -> SigV4VerifiedRequest {
        try verify(request, bodySHA256: body.isEmpty ? SigV4Payload.emptyBodyHash : SigV4Crypto.sha256Hex(body), now: now)
    }

    /// Verifies a request given the hex SHA-256 of its body; nil when the body is
    /// unknown, in which case the request must carry `x-amz-content-sha256`.
    @discardableResult
    public func verify(_ request: SigV4Request, bodySHA256: String?, now: Date = Date()) throws(SigV4VerificationError) -> SigV4VerifiedRequest {
        guard let authorization = request.header("Authorization") else {
            throw .init(.missingAuthorization, "the request has no Authorization header")
        }
        let parsed = try SigV4Authorization(parsing: authorization)
        guard let credentials = lookup(parsed.accessKeyID) else {
            throw .init(.unknownAccessKey, "access key id \(parsed.accessKeyID) is not known")
        }
        guard let dateText = request.header("X-Amz-Date") else {
            throw .init(.missingDate, "the request has no X-Amz-Date header")
        }
        guard let date = AMZDate(timestamp: dateText.trimmingCharacters(in: .whitespaces)) else {
            throw .init(.malformedDate, "X-Amz-Date '\(dateText)' is not yyyyMMddTHHmmssZ")
        }
        guard date.dateStamp == parsed.dateStamp else {
            throw .init(.scopeDateMismatch, "credential scope date \(parsed.dateStamp) is not the day of X-Amz-Date \(dateText)")
        }
        if let maxClockSkew, abs(date.date.timeIntervalSince(now)) > maxClockSkew {
            throw .init(.requestTooSkewed, "X-Amz-Date \(dateText) is more than \(Int(maxClockSkew)) s from the server's clock")
        }
        let signedNames = parsed.signedHeaders
        guard signedNames.contains("host") else {
            throw .init(.hostNotSigned, "SignedHeaders does not include host")
        }
        for name in signedNames where request.header(name) == nil {
            throw .init(.missingSignedHeader, "signed header '\(name)' is not in the request")
        }
        if let expectedToken = credentials.sessionToken, request.header("X-Amz-Security-Token") != expectedToken {
            throw .init(.sessionTokenMismatch, "X-Amz-Security-Token is missing or does not match the session token")
        }

        let payloadHash: String
        if let declared = request.header("x-amz-content-sha256")?.trimmingCharacters(in: .whitespaces) {
            let isHexHash = declared.utf8.count == 64 && declared.utf8.allSatisfy {
                ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f"))
            }
            if isHexHash {
                if let bodySHA256, declared != bodySHA256 {
                    throw .init(.payloadHashMismatch, "x-amz-content-sha256 \(declared) does not match the body's SHA-256 \(bodySHA256)")
                }
            } else if declared != SigV4Payload.unsignedPayloadHash, !declared.hasPrefix("STREAMING-") {
                throw .init(.payloadHashMismatch, "x-amz-content-sha256 '\(declared)' is neither a hex SHA-256 nor UNSIGNED-PAYLOAD")
            }
            payloadHash = declared
        } else if let bodySHA256 {
            payloadHash = bodySHA256
        } else {
            throw .init(.payloadHashMismatch, "the body is unknown and the request has no x-amz-content-sha256")
        }

        let signer = SigV4Signer(credentials: credentials, region: parsed.region, service: parsed.service)
        let expected = signer.computeSignature(request, payloadHash: payloadHash, date: date, signedHeaderNames: Set(signedNames))
        guard SigV4Crypto.constantTimeEquals(expected.signature, parsed.signature) else {
            var error = SigV4VerificationError(
                .signatureMismatch,
                "the signature does not match the one computed with the secret of \(parsed.accessKeyID)")
            error.canonicalRequest = expected.canonicalRequest
            error.stringToSign = expected.stringToSign
            throw error
        }
        return SigV4VerifiedRequest(
            accessKeyID: parsed.accessKeyID, region: parsed.region, service: parsed.service, date: date,
            signedHeaders: signedNames)
    }
}

/// Who signed a request that passed verification, and for what.
public struct SigV4VerifiedRequest: Sendable, Hashable {
    public var accessKeyID: String
    public var region: String
    public var service: String
    public var date: AMZDate
    public var signedHeaders: [String]
}

/// Why a signature was refused.
public struct SigV4VerificationError: Error, Sendable, CustomStringConvertible {
    public enum Reason: String, Sendable, Hashable {
        case missingAuthorization, malformedAuthorization, unsupportedAlgorithm, unknownAccessKey
        case missingDate, malformedDate, scopeDateMismatch, requestTooSkewed
        case hostNotSigned, missingSignedHeader, sessionTokenMismatch, payloadHashMismatch, signatureMismatch
    }

    public var reason: Reason
    public var message: String
    /// On `signatureMismatch`: what the verifier signed, to compare with the client's.
    public var canonicalRequest: String?
    public var stringToSign: String?

    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    /// The error code AWS answers with for this reason.
    public var awsErrorCode: String {
        switch reason {
        case .signatureMismatch, .payloadHashMismatch: return "SignatureDoesNotMatch"
        case .unknownAccessKey: return "InvalidClientTokenId"
        case .requestTooSkewed: return "RequestTimeTooSkewed"
        case .missingAuthorization: return "MissingAuthenticationToken"
        default: return "IncompleteSignature"
        }
    }

    public var description: String { "\(reason.rawValue): \(message)" }
}

/// The parts of an `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...` header.
public struct SigV4Authorization: Sendable, Hashable {
    public var accessKeyID: String
    public var dateStamp: String
    public var region: String
    public var service: String
    public var signedHeaders: [String]
    public var signature: String

    public init(parsing header: String) throws(SigV4VerificationError) {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix(SigV4Signer.algorithm + " ") else {
            throw .init(.unsupportedAlgorithm, "Authorization does not start with \(SigV4Signer.algorithm)")
        }
        var fields: [String: String] = [:]
        for part in trimmed.dropFirst(SigV4Signer.algorithm.count + 1).split(separator: ",") {
            let piece = part.trimmingCharacters(in: .whitespaces)
            guard let equals = piece.firstIndex(of: "=") else {
                throw .init(.malformedAuthorization, "Authorization part '\(piece)' is not name=value")
            }
            fields[String(piece[..<equals])] = String(piece[piece.index(after: equals)...])
        }
        guard let credential = fields["Credential"], let signedHeaders = fields["SignedHeaders"],
              let signature = fields["Signature"] else {
            throw .init(.malformedAuthorization, "Authorization lacks Credential, SignedHeaders or Signature")
        }
        let scope = credential.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard scope.count == 5, scope[4] == "aws4_request", !scope[0].isEmpty else {
            throw .init(.malformedAuthorization, "Credential '\(credential)' is not key/date/region/service/aws4_request")
        }
        accessKeyID = scope[0]
        dateStamp = scope[1]
        region = scope[2]
        service = scope[3]
        self.signedHeaders = signedHeaders.split(separator: ";").map { $0.lowercased() }
        self.signature = signature
    }
}
