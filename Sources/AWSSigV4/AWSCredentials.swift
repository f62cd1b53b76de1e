/// An AWS access key pair, with the session token that temporary credentials carry.
public struct AWSCredentials: Sendable, Hashable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// Never prints the secret or the token, so credentials can be logged safely.
    public var description: String {
        "AWSCredentials(accessKeyID: \(accessKeyID), secret: ***\(sessionToken == nil ? "" : ", sessionToken: ***"))"
    }
}
