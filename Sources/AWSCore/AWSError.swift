import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// An AWS call that did not succeed: an error response from the service, or no
/// response at all (connection refused, dropped, timed out).
public struct AWSError: Error, Sendable, CustomStringConvertible {
    /// What the caller can do about it.
    public enum Kind: String, Sendable, Hashable {
        /// The service asks the caller to slow down; retry after backing off.
        case throttling
        /// Likely to pass if sent again: 500/502/503/504, request timeouts, lost connections.
        case transient
        /// The credentials or the signature were refused, or access is denied.
        case authentication
        /// The request itself is wrong, or its condition failed: sending it again will not help.
        case client
        /// A server error not known to be transient (e.g. 501).
        case server
    }

    public var service: String
    public var operation: String
    /// The HTTP status, nil when no response arrived.
    public var status: Int?
    /// The AWS error code without namespace (`ConditionalCheckFailedException`, `NoSuchKey`, ...).
    public var code: String
    public var message: String
    public var requestID: String?
    public var kind: Kind
    /// No response in time (connect, read or overall deadline).
    public var isTimeout: Bool
    /// The error response's body, for service-specific details (e.g. the item DynamoDB
    /// returns with a failed condition).
    public var responseBody: ByteBuffer?

    public init(
        service: String, operation: String, status: Int?, code: String, message: String,
        requestID: String? = nil, kind: Kind? = nil, isTimeout: Bool = false
    ) {
        self.service = service
        self.operation = operation
        self.status = status
        self.code = code
        self.message = message
        self.requestID = requestID
        self.kind = kind ?? Self.classify(status: status, code: code)
        self.isTimeout = isTimeout
    }

    public var description: String {
        var text = "\(service) \(operation) failed: \(code)"
        if let status { text += " (HTTP \(status))" }
        if !message.isEmpty { text += ": \(message)" }
        if let requestID { text += " [request id \(requestID)]" }
        return text
    }

    public var isRetryable: Bool { kind == .throttling || kind == .transient }
    public var isThrottling: Bool { kind == .throttling }
    public var isConditionalCheckFailed: Bool { code == "ConditionalCheckFailedException" }
    public var isValidationError: Bool { code == "ValidationException" }
    /// A table, bucket, key or other resource that does not exist.
    public var isNotFound: Bool {
        Self.notFoundCodes.contains(code) || status == 404
    }
    /// `ResourceInUseException`: e.g. creating a table that exists.
    public var isResourceInUse: Bool { code == "ResourceInUseException" }
    public var isSignatureMismatch: Bool { code == "SignatureDoesNotMatch" }

    // MARK: Classification

    /// Error codes that mean "slow down", as the SDKs' standard retry mode lists them.
    public static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
        "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
    ]
    public static let transientCodes: Set<String> = [
        "RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure",
        "InternalServerError", "ServiceUnavailable", "ServiceUnavailableException",
        "ConnectionError", "Timeout",
    ]
    public static let transientStatuses: Set<Int> = [500, 502, 503, 504]
    public static let authenticationCodes: Set<String> = [
        "SignatureDoesNotMatch", "InvalidClientTokenId", "UnrecognizedClientException", "InvalidAccessKeyId",
        "IncompleteSignature", "MissingAuthenticationToken", "MissingAuthenticationTokenException",
        "ExpiredToken", "ExpiredTokenException", "InvalidToken", "AccessDenied", "AccessDeniedException",
        "RequestTimeTooSkewed", "InvalidSignatureException", "AuthFailure", "NotAuthorized",
    ]
    public static let notFoundCodes: Set<String> = [
        "ResourceNotFoundException", "NoSuchKey", "NoSuchBucket", "NotFound", "NoSuchEntity", "TableNotFoundException",
    ]

    /// The kind of an error from its status and code. Pure, so the retry policy and tests share it.
    public static func classify(status: Int?, code: String) -> Kind {
        if throttlingCodes.contains(code) || status == 429 { return .throttling }
        if transientCodes.contains(code) { return .transient }
        if authenticationCodes.contains(code) { return .authentication }
        guard let status else { return .transient } // no response at all
        if transientStatuses.contains(status) { return .transient }
        if status >= 500 { return .server }
        if status == 401 || status == 403 { return .authentication }
        return .client
    }

    // MARK: Building errors

    static func bodyTooLarge(_ limit: Int) -> AWSError {
        AWSError(service: "", operation: "", status: nil, code: "BodyTooLarge",
                 message: "the response body is larger than \(limit) bytes", kind: .client)
    }

    /// An error for a request that got no (complete) response.
    public static func transport(_ error: any Error, service: String, operation: String) -> AWSError {
        let text = String(describing: error)
        let timeouts: [HTTPClientError] = [
            .readTimeout, .writeTimeout, .connectTimeout, .deadlineExceeded, .tlsHandshakeTimeout,
            .getConnectionFromPoolTimeout, .httpProxyHandshakeTimeout, .socksHandshakeTimeout,
        ]
        let timeout: Bool
        if let clientError = error as? HTTPClientError {
            timeout = timeouts.contains(clientError)
        } else if let transportError = error as? HTTP1TransportError {
            timeout = transportError.isTimeout
        } else {
            timeout = text.localizedCaseInsensitiveContains("timeout") || text.localizedCaseInsensitiveContains("timed out")
        }
        return AWSError(
            service: service, operation: operation, status: nil,
            code: timeout ? "Timeout" : "ConnectionError", message: text, kind: .transient, isTimeout: timeout)
    }

    /// Reads an error response in whichever form the service chose: JSON (`__type`,
    /// `message`), REST-XML (`<Error><Code>`), query XML (`<ErrorResponse><Error>`),
    /// the `x-amzn-ErrorType` header, or only the status (HEAD responses have no body).
    public static func parse(status: Int, headers: HTTPHeaders, body: ByteBuffer, service: String, operation: String) -> AWSError {
        var code: String?
        var message: String?
        var requestID = headers.first(name: "x-amzn-RequestId") ?? headers.first(name: "x-amz-request-id")
        if let headerType = headers.first(name: "x-amzn-ErrorType"), !headerType.isEmpty {
            code = String(headerType.prefix { $0 != ":" })
        }
        let bytes = Array(body.readableBytesView)
        switch bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) {
        case UInt8(ascii: "{"):
            if let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] {
                let type = (object["__type"] ?? object["code"] ?? object["Code"]) as? String
                if let type { code = String(type.split(separator: "#").last ?? Substring(type)) }
                message = (object["message"] ?? object["Message"] ?? object["errorMessage"]) as? String
            }
        case UInt8(ascii: "<"):
            if let root = try? AWSXMLElement.parse(bytes), let error = root.first(named: "Error") ?? Optional(root) {
                if let xmlCode = error.childText("Code") { code = xmlCode }
                message = error.childText("Message") ?? message
                requestID = requestID ?? root.first(named: "RequestId")?.text ?? root.first(named: "RequestID")?.text
            }
        default:
            break
        }
        let finalCode = code.flatMap { $0.isEmpty ? nil : $0 } ?? Self.codeForStatus(status)
        var error = AWSError(
            service: service, operation: operation, status: status, code: finalCode,
            message: message ?? (bytes.isEmpty ? "" : String(decoding: bytes.prefix(512), as: UTF8.self)),
            requestID: requestID)
        error.responseBody = body.readableBytes > 0 ? body : nil
        return error
    }

    static func codeForStatus(_ status: Int) -> String {
        switch status {
        case 400: return "BadRequest"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "NotFound"
        case 409: return "Conflict"
        case 412: return "PreconditionFailed"
        case 429: return "TooManyRequests"
        case 500: return "InternalError"
        case 502: return "BadGateway"
        case 503: return "ServiceUnavailable"
        case 504: return "GatewayTimeout"
        default: return "HTTP\(status)"
        }
    }
}

/// A configuration that cannot be used, with what to fix.
public enum AWSConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    case missingRegion
    case invalidEndpoint(String)
    case invalidSetting(name: String, value: String, reason: String)
    case unreadableFile(path: String, reason: String)
    case profileNotFound(String)
    case noCredentials(tried: [String])
    case credentialsUnavailable(provider: String, reason: String)

    public var description: String {
        switch self {
        case .missingRegion:
            return "no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION, or region in the profile of ~/.aws/config)"
        case .invalidEndpoint(let url):
            return "endpoint URL '\(url)' is not http(s)://host[:port][/path]"
        case .invalidSetting(let name, let value, let reason):
            return "\(name)='\(value)' is not valid: \(reason)"
        case .unreadableFile(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .profileNotFound(let name):
            return "AWS profile '\(name)' is in neither ~/.aws/credentials nor ~/.aws/config"
        case .noCredentials(let tried):
            return "no AWS credentials found (tried \(tried.joined(separator: ", "))): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or a profile"
        case .credentialsUnavailable(let provider, let reason):
            return "\(provider) credentials unavailable: \(reason)"
        }
    }
}
