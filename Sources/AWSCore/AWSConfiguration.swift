import Foundation

/// Everything an `AWSClient` needs: region, credentials, endpoints, retries, HTTP.
/// A plain struct: build it by hand, or from the environment as the AWS CLI would.
public struct AWSConfiguration: Sendable {
    public var region: String
    public var credentialProvider: any AWSCredentialProvider
    public var endpoints: AWSEndpointResolver
    public var retryPolicy: RetryPolicy
    public var http: AWSHTTPSettings

    public init(
        region: String,
        credentialProvider: any AWSCredentialProvider,
        endpoints: AWSEndpointResolver = AWSEndpointResolver(),
        retryPolicy: RetryPolicy = .standard,
        http: AWSHTTPSettings = AWSHTTPSettings()
    ) {
        self.region = region
        self.credentialProvider = credentialProvider
        self.endpoints = endpoints
        self.retryPolicy = retryPolicy
        self.http = http
    }

    /// Fixed credentials, and optionally one endpoint for every service (a local stack, a proxy).
    public init(
        region: String,
        credentials: AWSCredentials,
        endpoint: AWSEndpoint? = nil,
        retryPolicy: RetryPolicy = .standard,
        http: AWSHTTPSettings = AWSHTTPSettings()
    ) {
        self.init(
            region: region, credentialProvider: StaticCredentialProvider(credentials),
            endpoints: AWSEndpointResolver(globalOverride: endpoint), retryPolicy: retryPolicy, http: http)
    }

    /// Where requests for a service go.
    public func endpoint(for service: AWSService) -> AWSEndpoint {
        endpoints.endpoint(for: service, region: region)
    }

    /// The region in the credential scope: `us-east-1` for global services such as IAM.
    public func signingRegion(for service: AWSService) -> String {
        service.isGlobal && !region.hasPrefix("cn-") ? "us-east-1" : region
    }

    /// Reads the configuration the way the AWS CLI and SDKs do.
    ///
    /// - Profile: `AWS_PROFILE` (default `default`) in `~/.aws/credentials` and
    ///   `~/.aws/config` (`AWS_SHARED_CREDENTIALS_FILE`, `AWS_CONFIG_FILE`).
    /// - Region: `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`.
    /// - Credentials: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`,
    ///   the profile's keys, container credentials.
    /// - Endpoints: `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, the profile's
    ///   `endpoint_url`; all ignored when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`.
    /// - Retries: `AWS_MAX_ATTEMPTS` or the profile's `max_attempts` (default 3);
    ///   `AWS_RETRY_MODE` may be `standard` (or `legacy`/`adaptive`, run as standard:
    ///   the loader does its own adaptive rate control).
    ///
    /// The environment is a parameter so that tests pass their own.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> AWSConfiguration {
        let env = environment.filter { !$0.value.isEmpty }
        let files = try SharedConfigFiles.load(environment: env)
        let explicitProfile = env["AWS_PROFILE"] ?? env["AWS_DEFAULT_PROFILE"]
        let profileName = explicitProfile ?? "default"
        if let explicitProfile, files.profile(explicitProfile) == nil {
            throw AWSConfigurationError.profileNotFound(explicitProfile)
        }
        let profile = files.profile(profileName) ?? [:]

        guard let region = env["AWS_REGION"] ?? env["AWS_DEFAULT_REGION"] ?? profile["region"] else {
            throw AWSConfigurationError.missingRegion
        }
        let credentialProvider = try DefaultCredentialChain.provider(environment: env, files: files, profileName: profileName)
        let endpoints = try endpointResolver(environment: env, profile: profile)

        var retryPolicy = RetryPolicy.standard
        if let attemptsText = env["AWS_MAX_ATTEMPTS"] ?? profile["max_attempts"] {
            guard let attempts = Int(attemptsText), attempts >= 1 else {
                throw AWSConfigurationError.invalidSetting(name: "AWS_MAX_ATTEMPTS", value: attemptsText, reason: "expected a whole number >= 1")
            }
            retryPolicy.maxAttempts = attempts
        }
        if let mode = env["AWS_RETRY_MODE"] ?? profile["retry_mode"], !["standard", "legacy", "adaptive"].contains(mode) {
            throw AWSConfigurationError.invalidSetting(name: "AWS_RETRY_MODE", value: mode, reason: "expected standard, legacy or adaptive")
        }
        return AWSConfiguration(
            region: region, credentialProvider: credentialProvider, endpoints: endpoints, retryPolicy: retryPolicy)
    }

    static func endpointResolver(environment env: [String: String], profile: [String: String]) throws -> AWSEndpointResolver {
        if (env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] ?? profile["ignore_configured_endpoint_urls"])?.lowercased() == "true" {
            return AWSEndpointResolver()
        }
        var resolver = AWSEndpointResolver()
        if let global = env["AWS_ENDPOINT_URL"] ?? profile["endpoint_url"] {
            guard let endpoint = AWSEndpoint(url: global) else { throw AWSConfigurationError.invalidEndpoint(global) }
            resolver.globalOverride = endpoint
        }
        let prefix = "AWS_ENDPOINT_URL_"
        for (name, value) in env where name.hasPrefix(prefix) {
            guard let endpoint = AWSEndpoint(url: value) else { throw AWSConfigurationError.invalidEndpoint(value) }
            resolver.serviceOverrides[String(name.dropFirst(prefix.count))] = endpoint
        }
        return resolver
    }
}
