import Foundation

/// Signs requests with AWS Signature Version 4 (header form, `AWS4-HMAC-SHA256`).
///
/// The signer is a value: credentials, region, service and options. The date is a
/// parameter of `sign`, so tests and retries choose it.
public struct SigV4Signer: Sendable {
    public struct Options: Sendable, Hashable {
        /// Remove `.`/`..`/empty path segments before signing (not for S3).
        public var normalizePath: Bool
        /// Encode the wire path a second time (every service but S3).
        public var doubleEncodePath: Bool
        /// Send the payload hash as `x-amz-content-sha256` (S3 requires it).
        public var addsContentSHA256Header: Bool
        /// Sign `X-Amz-Security-Token` (the norm); when false it is added after signing.
        public var signsSessionToken: Bool

        public init(normalizePath: Bool = true, doubleEncodePath: Bool = true,
                    addsContentSHA256Header: Bool = false, signsSessionToken: Bool = true) {
            self.normalizePath = normalizePath
            self.doubleEncodePath = doubleEncodePath
            self.addsContentSHA256Header = addsContentSHA256Header
            self.signsSessionToken = signsSessionToken
        }

        public static let standard = Options()
        public static let s3 = Options(normalizePath: false, doubleEncodePath: false, addsContentSHA256Header: true)

        /// S3's rules for `s3`, the standard ones for every other signing name.
        public static func forService(_ service: String) -> Options {
            service == "s3" ? .s3 : .standard
        }
    }

    /// Everything one signature was computed from, for tests and diagnostics.
    public struct Signature: Sendable, Hashable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signature: String
        public var signedHeaders: String
        public var credentialScope: String
        public var authorization: String
    }

    public static let algorithm = "AWS4-HMAC-SHA256"

    /// Headers that proxies and HTTP stacks may add, drop or rewrite; never signed.
    public static let unsignedHeaderNames: Set<String> = [
        "authorization", "user-agent", "expect", "x-amzn-trace-id", "content-length",
        "connection", "transfer-encoding", "keep-alive", "te", "upgrade", "proxy-authorization",
    ]

    public var credentials: AWSCredentials
    public var region: String
    public var service: String
    public var options: Options

    public init(credentials: AWSCredentials, region: String, service: String, options: Options? = nil) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.options = options ?? .forService(service)
    }

    /// Adds `X-Amz-Date`, the session token, `x-amz-content-sha256` (if asked) and
    /// `Authorization` to the request. `Host` must already be among its headers.
    @discardableResult
    public func sign(_ request: inout SigV4Request, payload: SigV4Payload, date: Date) -> Signature {
        let amzDate = AMZDate(date)
        let payloadHash = payload.hash
        request.setHeader("X-Amz-Date", amzDate.timestamp)
        if let token = credentials.sessionToken, options.signsSessionToken {
            request.setHeader("X-Amz-Security-Token", token)
        }
        if options.addsContentSHA256Header {
            request.setHeader("x-amz-content-sha256", payloadHash)
        }
        request.removeHeader("Authorization")
        let signature = computeSignature(request, payloadHash: payloadHash, date: amzDate, signedHeaderNames: nil)
        request.setHeader("Authorization", signature.authorization)
        if let token = credentials.sessionToken, !options.signsSessionToken {
            request.setHeader("X-Amz-Security-Token", token)
        }
        return signature
    }

    /// Computes the signature of a request as it stands, without changing it.
    ///
    /// - Parameter signedHeaderNames: lower-case names to sign; nil signs every
    ///   header except `unsignedHeaderNames`. A verifier passes the list the client signed.
    public func computeSignature(
        _ request: SigV4Request, payloadHash: String, date: AMZDate, signedHeaderNames: Set<String>?
    ) -> Signature {
        let (canonical, signedHeaders) = canonicalRequest(request, payloadHash: payloadHash, signedHeaderNames: signedHeaderNames)
        let scope = credentialScope(date)
        let toSign = stringToSign(canonicalRequest: canonical, date: date)
        let key = SigV4SigningKeys.shared.key(
            secretAccessKey: credentials.secretAccessKey, dateStamp: date.dateStamp, region: region, service: service)
        let signature = SigV4Crypto.hmacHex(key: key, toSign)
        let authorization = "\(Self.algorithm) Credential=\(credentials.accessKeyID)/\(scope), "
            + "SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return Signature(
            canonicalRequest: canonical, stringToSign: toSign, signature: signature,
            signedHeaders: signedHeaders, credentialScope: scope, authorization: authorization)
    }

    /// The canonical request and its `SignedHeaders` list.
    public func canonicalRequest(
        _ request: SigV4Request, payloadHash: String, signedHeaderNames: Set<String>? = nil
    ) -> (canonicalRequest: String, signedHeaders: String) {
        let uri = SigV4Encoding.canonicalURI(
            path: request.path, normalize: options.normalizePath, doubleEncode: options.doubleEncodePath)
        let query = SigV4Encoding.canonicalQuery(raw: request.query)
        let (headers, signedHeaders) = SigV4Encoding.canonicalHeaders(request.headers) { name in
            if let signedHeaderNames { return signedHeaderNames.contains(name) }
            return !Self.unsignedHeaderNames.contains(name)
        }
        let canonical = request.method.uppercased() + "\n" + uri + "\n" + query + "\n" + headers + "\n"
            + signedHeaders + "\n" + payloadHash
        return (canonical, signedHeaders)
    }

    public func credentialScope(_ date: AMZDate) -> String {
        "\(date.dateStamp)/\(region)/\(service)/aws4_request"
    }

    public func stringToSign(canonicalRequest: String, date: AMZDate) -> String {
        Self.algorithm + "\n" + date.timestamp + "\n" + credentialScope(date) + "\n"
            + SigV4Crypto.sha256Hex(canonicalRequest)
    }
}
