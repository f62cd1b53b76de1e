import Foundation
import NIOCore
import NIOHTTP1

/// Credentials with the time they stop working (nil: long-term keys).
public struct ExpiringCredentials: Sendable, Hashable {
    public var credentials: AWSCredentials
    public var expiration: Date?

    public init(_ credentials: AWSCredentials, expiration: Date? = nil) {
        self.credentials = credentials
        self.expiration = expiration
    }

    /// True when the credentials expire within `margin` of `now`.
    public func expires(within margin: TimeInterval, of now: Date) -> Bool {
        guard let expiration else { return false }
        return expiration.timeIntervalSince(now) <= margin
    }
}

/// A source of credentials. `AWSClient` caches what it returns until shortly before
/// the expiration. Room is left for instance-metadata (IMDS) and SSO providers.
public protocol AWSCredentialProvider: Sendable, CustomStringConvertible {
    /// - Parameter transport: for providers that fetch credentials over HTTP.
    func resolve(using transport: any AWSHTTPTransport) async throws -> ExpiringCredentials
}

/// Fixed credentials: from the environment, a profile, or the caller.
public struct StaticCredentialProvider: AWSCredentialProvider {
    public var credentials: AWSCredentials
    public var source: String

    public init(_ credentials: AWSCredentials, source: String = "static") {
        self.credentials = credentials
        self.source = source
    }

    public func resolve(using transport: any AWSHTTPTransport) async throws -> ExpiringCredentials {
        ExpiringCredentials(credentials)
    }

    public var description: String { "\(source) credentials (\(credentials.accessKeyID))" }
}

/// ECS/EKS container credentials: `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (on the ECS
/// agent at 169.254.170.2) or `AWS_CONTAINER_CREDENTIALS_FULL_URI`, with the token of
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` or `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
public struct ContainerCredentialProvider: AWSCredentialProvider {
    public var url: String
    public var authorizationToken: String?
    public var authorizationTokenFile: String?

    public init(url: String, authorizationToken: String? = nil, authorizationTokenFile: String? = nil) {
        self.url = url
        self.authorizationToken = authorizationToken
        self.authorizationTokenFile = authorizationTokenFile
    }

    /// The provider the environment describes, nil when it names no container endpoint.
    public init?(environment: [String: String]) throws {
        let url: String
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"], !relative.isEmpty {
            url = "http://169.254.170.2" + (relative.hasPrefix("/") ? relative : "/" + relative)
        } else if let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"], !full.isEmpty {
            guard let endpoint = AWSEndpoint(url: full) else { throw AWSConfigurationError.invalidEndpoint(full) }
            // Plain HTTP only to addresses that cannot leave the host or task, as the SDKs require.
            let allowedPlainHosts: Set<String> = ["127.0.0.1", "localhost", "[::1]", "169.254.170.2", "169.254.170.23", "[fd00:ec2::23]"]
            guard endpoint.scheme == "https" || allowedPlainHosts.contains(endpoint.host) else {
                throw AWSConfigurationError.invalidSetting(
                    name: "AWS_CONTAINER_CREDENTIALS_FULL_URI", value: full,
                    reason: "plain http is allowed only to loopback or the ECS/EKS credential addresses")
            }
            url = full
        } else {
            return nil
        }
        self.init(
            url: url, authorizationToken: environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"],
            authorizationTokenFile: environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"])
    }

    public var description: String { "container credentials from \(url)" }

    public func resolve(using transport: any AWSHTTPTransport) async throws -> ExpiringCredentials {
        var headers: HTTPHeaders = ["Accept": "application/json"]
        if let authorizationTokenFile {
            do {
                let token = try String(contentsOfFile: authorizationTokenFile, encoding: .utf8)
                headers.add(name: "Authorization", value: token.trimmingCharacters(in: .whitespacesAndNewlines))
            } catch {
                throw AWSConfigurationError.credentialsUnavailable(provider: description, reason: "cannot read \(authorizationTokenFile): \(error)")
            }
        } else if let authorizationToken {
            headers.add(name: "Authorization", value: authorizationToken)
        }
        let response: AWSHTTPResponse
        let body: ByteBuffer
        do {
            response = try await transport.execute(AWSHTTPRequest(method: .GET, url: url, headers: headers), timeout: .seconds(5))
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw AWSConfigurationError.credentialsUnavailable(provider: description, reason: "\(error)")
        }
        guard response.status == 200 else {
            throw AWSConfigurationError.credentialsUnavailable(provider: description, reason: "HTTP \(response.status)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
              let accessKey = object["AccessKeyId"] as? String, let secret = object["SecretAccessKey"] as? String else {
            throw AWSConfigurationError.credentialsUnavailable(provider: description, reason: "the response has no AccessKeyId/SecretAccessKey")
        }
        let expiration = (object["Expiration"] as? String).flatMap(Self.parseISO8601)
        return ExpiringCredentials(
            AWSCredentials(accessKeyID: accessKey, secretAccessKey: secret, sessionToken: object["Token"] as? String),
            expiration: expiration)
    }

    static func parseISO8601(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}

/// Picks the credential source the way the SDKs' default chain does, in order:
/// environment keys, the shared files' profile, container credentials.
/// (Instance metadata is not implemented: the error says so.)
public enum DefaultCredentialChain {
    public static func provider(
        environment: [String: String], files: SharedConfigFiles, profileName: String
    ) throws -> any AWSCredentialProvider {
        let accessKey = environment["AWS_ACCESS_KEY_ID"].flatMap { $0.isEmpty ? nil : $0 }
        let secret = environment["AWS_SECRET_ACCESS_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        switch (accessKey, secret) {
        case let (accessKey?, secret?):
            let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            return StaticCredentialProvider(
                AWSCredentials(accessKeyID: accessKey, secretAccessKey: secret, sessionToken: token), source: "environment")
        case (.some, nil):
            throw AWSConfigurationError.invalidSetting(
                name: "AWS_ACCESS_KEY_ID", value: accessKey!, reason: "AWS_SECRET_ACCESS_KEY is not set")
        case (nil, .some):
            throw AWSConfigurationError.invalidSetting(
                name: "AWS_SECRET_ACCESS_KEY", value: "***", reason: "AWS_ACCESS_KEY_ID is not set")
        case (nil, nil):
            break
        }
        if let profile = files.profile(profileName),
           let accessKey = profile["aws_access_key_id"], let secret = profile["aws_secret_access_key"] {
            return StaticCredentialProvider(
                AWSCredentials(accessKeyID: accessKey, secretAccessKey: secret, sessionToken: profile["aws_session_token"]),
                source: "profile \(profileName)")
        }
        if let container = try ContainerCredentialProvider(environment: environment) {
            return container
        }
        throw AWSConfigurationError.noCredentials(tried: [
            "environment", "profile '\(profileName)' in the shared files", "container endpoint",
            "(instance metadata is not supported)",
        ])
    }
}
