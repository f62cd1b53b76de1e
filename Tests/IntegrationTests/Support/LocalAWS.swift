import AWSCore
import Foundation
import MariaDBTestSupport
import NIOCore
import Testing

/// What a test gets from `LocalAWS.withMotoServer`: where the server is and how to sign for it.
struct LocalAWSEnvironment: Sendable {
    var endpointURL: String
    var port: Int
    var region: String
    var credentials: AWSCredentials
    /// True when moto checks every signature against the IAM user created for the test.
    var isAuthenticated: Bool
    /// Region, credentials and endpoint, with retries quick enough for tests.
    var configuration: AWSConfiguration

    /// The same server with other credentials (e.g. a wrong secret).
    func configuration(credentials: AWSCredentials) -> AWSConfiguration {
        var copy = configuration
        copy.credentialProvider = StaticCredentialProvider(credentials)
        return copy
    }

    /// The `AWS_*` variables that point a child process, or `AWSConfiguration.fromEnvironment`, here.
    var environment: [String: String] {
        var variables = [
            "AWS_ACCESS_KEY_ID": credentials.accessKeyID,
            "AWS_SECRET_ACCESS_KEY": credentials.secretAccessKey,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_ENDPOINT_URL": endpointURL,
        ]
        if let token = credentials.sessionToken { variables["AWS_SESSION_TOKEN"] = token }
        return variables
    }
}

/// The integration tests' AWS: a private moto_server per call.
enum LocalAWS {
    static let region = "us-east-1"
    /// Credentials moto accepts while it does not check signatures.
    static let bootstrapCredentials = AWSCredentials(accessKeyID: "AKIAIOSFODNN7BOOTSTRP", secretAccessKey: "bootstrap")
    /// IAM calls `withMotoServer(authenticated: true)` makes before moto starts checking.
    static let iamSetupActions = 4

    /// Runs `body` against a moto_server of its own on a free 127.0.0.1 port and always
    /// stops the server afterwards.
    ///
    /// With `authenticated`, moto is started with `INITIAL_NO_AUTH_ACTION_COUNT` so that,
    /// once an IAM user with an allow-everything policy and its access key exist, every
    /// request must carry a correct SigV4 signature of that key. When no moto_server can
    /// be started the test fails with the reason (`RequiredServer`).
    static func withMotoServer<Result>(
        authenticated: Bool = true,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (LocalAWSEnvironment) async throws -> Result
    ) async throws -> Result {
        var serverEnvironment: [String: String] = [:]
        if authenticated { serverEnvironment["INITIAL_NO_AUTH_ACTION_COUNT"] = String(iamSetupActions) }
        let server: MotoServer
        do {
            server = try await MotoServer.start(environment: serverEnvironment)
        } catch {
            try RequiredServer.unavailable("moto_server", reason: "\(error)")
        }
        do {
            let environment = try await prepare(server: server, authenticated: authenticated)
            let result = try await body(environment)
            server.stop()
            return result
        } catch {
            let log = server.logTail(1500)
            server.stop()
            if !(error is CancellationError) {
                print("moto_server log tail (port \(server.port)):\n\(log)")
            }
            throw error
        }
    }

    static func quickRetries() -> RetryPolicy {
        RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(20), throttlingBaseDelay: .milliseconds(50), maxBackoff: .seconds(1))
    }

    private static func prepare(server: MotoServer, authenticated: Bool) async throws -> LocalAWSEnvironment {
        let endpoint = AWSEndpoint(url: server.endpointURL)!
        var credentials = bootstrapCredentials
        if authenticated {
            // Exactly `iamSetupActions` calls, none retried, so moto's count comes out right.
            let setup = AWSConfiguration(region: region, credentials: bootstrapCredentials, endpoint: endpoint, retryPolicy: .none)
            credentials = try await AWSClient.withClient(setup) { client in
                try await IAMSetup(client: client).createAdministrator(userName: "billmig-integration")
            }
        }
        let configuration = AWSConfiguration(
            region: region, credentials: credentials, endpoint: endpoint, retryPolicy: quickRetries(),
            http: AWSHTTPSettings(connectTimeout: .seconds(5), requestTimeout: .seconds(60), maxConnectionsPerHost: 32))
        return LocalAWSEnvironment(
            endpointURL: server.endpointURL, port: server.port, region: region, credentials: credentials,
            isAuthenticated: authenticated, configuration: configuration)
    }
}

/// The few IAM query-protocol calls the authenticated setup needs.
struct IAMSetup {
    let client: AWSClient

    /// Creates a user with an access key and a policy allowing every action; returns the key.
    /// Four IAM actions: CreateUser, CreateAccessKey, CreatePolicy, AttachUserPolicy.
    func createAdministrator(userName: String) async throws -> AWSCredentials {
        _ = try await call("CreateUser", ["UserName": userName])
        let keyResult = try await call("CreateAccessKey", ["UserName": userName])
        guard let key = keyResult.first(named: "AccessKey"),
              let accessKeyID = key.childText("AccessKeyId"), let secret = key.childText("SecretAccessKey") else {
            throw AWSError(service: "IAM", operation: "CreateAccessKey", status: 200, code: "MalformedResponse", message: "no AccessKey in the answer")
        }
        let document = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
        let policyResult = try await call("CreatePolicy", ["PolicyName": "\(userName)-all", "PolicyDocument": document])
        guard let arn = policyResult.first(named: "Arn")?.text else {
            throw AWSError(service: "IAM", operation: "CreatePolicy", status: 200, code: "MalformedResponse", message: "no policy Arn in the answer")
        }
        _ = try await call("AttachUserPolicy", ["UserName": userName, "PolicyArn": arn])
        return AWSCredentials(accessKeyID: accessKeyID, secretAccessKey: secret)
    }

    func call(_ action: String, _ parameters: [String: String]) async throws -> AWSXMLElement {
        try await client.executeQuery(
            .iam, action: action, version: "2010-05-08", parameters: parameters.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) })
    }
}
