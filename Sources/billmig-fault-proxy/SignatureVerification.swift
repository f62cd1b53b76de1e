import AWSSigV4
import ArgumentParser
import FaultProxy

extension FaultProxyCommand {
    /// The sink's signature check for the credentials given, or nil to check none.
    func signatureVerifier() throws -> (any SignatureVerifier)? {
        let credentials = try credentials()
        guard !credentials.isEmpty else { return nil }
        return SigV4SignatureVerifier(credentials: credentials, maximumClockSkew: allowAnyClockSkew ? nil : 15 * 60)
    }

    /// Credentials to sign rewritten requests with, from `--upstream-credentials`.
    func resigningCredentials() throws -> AWSCredentials? {
        guard let upstreamCredentials else { return nil }
        return try Self.parseCredentials(upstreamCredentials, flag: "--upstream-credentials")
    }

    static func parseCredentials(_ pair: String, flag: String) throws -> AWSCredentials {
        let parts = pair.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw ValidationError("\(flag) wants ACCESS_KEY_ID:SECRET_ACCESS_KEY")
        }
        return AWSCredentials(accessKeyID: parts[0], secretAccessKey: parts[1])
    }
}
