import AWSCore
import Foundation
import Testing
import AWSTestSupport

@Suite("Configuration from the environment and shared files")
struct ConfigurationTests {
    /// A temporary HOME with the given ~/.aws files.
    final class Home {
        let url: URL
        init(credentials: String? = nil, config: String? = nil) throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("awscore-\(UUID().uuidString)")
            let aws = url.appendingPathComponent(".aws")
            try FileManager.default.createDirectory(at: aws, withIntermediateDirectories: true)
            if let credentials { try credentials.write(to: aws.appendingPathComponent("credentials"), atomically: true, encoding: .utf8) }
            if let config { try config.write(to: aws.appendingPathComponent("config"), atomically: true, encoding: .utf8) }
        }
        deinit { try? FileManager.default.removeItem(at: url) }
        var path: String { url.path }
    }

    func credentials(_ configuration: AWSConfiguration) async throws -> AWSCredentials {
        try await configuration.credentialProvider.resolve(using: ScriptedTransport([])).credentials
    }

    @Test func environmentCredentialsRegionAndEndpoints() async throws {
        let home = try Home()
        let configuration = try AWSConfiguration.fromEnvironment([
            "HOME": home.path,
            "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "envsecret", "AWS_SESSION_TOKEN": "tok",
            "AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-west-2",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:5555",
            "AWS_ENDPOINT_URL_S3": "http://localhost:9000/base/",
            "AWS_MAX_ATTEMPTS": "7",
        ])
        #expect(configuration.region == "eu-west-1")
        #expect(try await credentials(configuration) == AWSCredentials(accessKeyID: "AKIAENV", secretAccessKey: "envsecret", sessionToken: "tok"))
        #expect(configuration.endpoint(for: .dynamoDB).url == "http://127.0.0.1:5555")
        #expect(configuration.endpoint(for: .dynamoDB).isCustom)
        #expect(configuration.endpoint(for: .s3).url == "http://localhost:9000/base")
        #expect(configuration.endpoint(for: .iam).url == "http://127.0.0.1:5555")
        #expect(configuration.retryPolicy.maxAttempts == 7)
        #expect(configuration.signingRegion(for: .iam) == "us-east-1")
        #expect(configuration.signingRegion(for: .dynamoDB) == "eu-west-1")
    }

    @Test func defaultEndpointsFollowAWSNaming() throws {
        let home = try Home()
        let configuration = try AWSConfiguration.fromEnvironment([
            "HOME": home.path, "AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "S", "AWS_DEFAULT_REGION": "ap-southeast-2",
        ])
        #expect(configuration.region == "ap-southeast-2")
        #expect(configuration.endpoint(for: .dynamoDB).url == "https://dynamodb.ap-southeast-2.amazonaws.com")
        #expect(!configuration.endpoint(for: .dynamoDB).isCustom)
        #expect(configuration.endpoint(for: .s3).url == "https://s3.ap-southeast-2.amazonaws.com")
        #expect(configuration.endpoint(for: .iam).url == "https://iam.amazonaws.com")
        #expect(configuration.retryPolicy.maxAttempts == 3)
        #expect(AWSEndpointResolver.defaultEndpoint(for: .dynamoDB, region: "cn-north-1").host == "dynamodb.cn-north-1.amazonaws.com.cn")
    }

    @Test func profilesFromBothFiles() async throws {
        let home = try Home(
            credentials: """
                # comment
                [default]
                aws_access_key_id = AKIADEFAULT
                aws_secret_access_key = defaultsecret

                [billing]
                aws_access_key_id=AKIABILLING
                aws_secret_access_key=billingsecret ; inline comment
                aws_session_token = billingtoken
                """,
            config: """
                [default]
                region = us-west-1
                [profile billing]
                region = eu-central-1
                max_attempts = 5
                endpoint_url = http://127.0.0.1:4566
                s3 =
                  addressing_style = path
                [sso-session corp]
                region = nowhere
                """)
        let byDefault = try AWSConfiguration.fromEnvironment(["HOME": home.path])
        #expect(byDefault.region == "us-west-1")
        #expect(try await credentials(byDefault).accessKeyID == "AKIADEFAULT")
        #expect(!byDefault.endpoint(for: .dynamoDB).isCustom)

        let billing = try AWSConfiguration.fromEnvironment(["HOME": home.path, "AWS_PROFILE": "billing"])
        #expect(billing.region == "eu-central-1")
        #expect(try await credentials(billing) == AWSCredentials(accessKeyID: "AKIABILLING", secretAccessKey: "billingsecret", sessionToken: "billingtoken"))
        #expect(billing.retryPolicy.maxAttempts == 5)
        #expect(billing.endpoint(for: .s3).url == "http://127.0.0.1:4566")

        // The environment wins over the profile; endpoints can be switched off.
        let overridden = try AWSConfiguration.fromEnvironment([
            "HOME": home.path, "AWS_PROFILE": "billing", "AWS_REGION": "us-east-2",
            "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "x", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
        ])
        #expect(overridden.region == "us-east-2")
        #expect(try await credentials(overridden).accessKeyID == "AKIAENV")
        #expect(overridden.endpoint(for: .s3).url == "https://s3.us-east-2.amazonaws.com")
    }

    @Test func filesNamedByEnvironment() async throws {
        let home = try Home()
        let credentialsFile = home.url.appendingPathComponent("creds.ini")
        let configFile = home.url.appendingPathComponent("conf.ini")
        try "[ops]\naws_access_key_id = AKIAOPS\naws_secret_access_key = ops\n".write(to: credentialsFile, atomically: true, encoding: .utf8)
        try "[profile ops]\nregion = sa-east-1\n".write(to: configFile, atomically: true, encoding: .utf8)
        let configuration = try AWSConfiguration.fromEnvironment([
            "HOME": home.path, "AWS_PROFILE": "ops",
            "AWS_SHARED_CREDENTIALS_FILE": credentialsFile.path, "AWS_CONFIG_FILE": configFile.path,
        ])
        #expect(configuration.region == "sa-east-1")
        #expect(try await credentials(configuration).accessKeyID == "AKIAOPS")
    }

    @Test func explainsWhatIsMissingOrWrong() throws {
        let home = try Home()
        #expect(throws: AWSConfigurationError.missingRegion) {
            try AWSConfiguration.fromEnvironment(["HOME": home.path, "AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "S"])
        }
        #expect(throws: AWSConfigurationError.profileNotFound("nope")) {
            try AWSConfiguration.fromEnvironment(["HOME": home.path, "AWS_REGION": "us-east-1", "AWS_PROFILE": "nope"])
        }
        do {
            _ = try AWSConfiguration.fromEnvironment(["HOME": home.path, "AWS_REGION": "us-east-1"])
            Issue.record("no credentials was accepted")
        } catch let error as AWSConfigurationError {
            guard case .noCredentials = error else { Issue.record("unexpected \(error)"); return }
            #expect(error.description.contains("AWS_ACCESS_KEY_ID"))
        }
        #expect(throws: AWSConfigurationError.self) {
            try AWSConfiguration.fromEnvironment(["HOME": home.path, "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "A"])
        }
        #expect(throws: AWSConfigurationError.invalidEndpoint("localhost:5555")) {
            try AWSConfiguration.fromEnvironment([
                "HOME": home.path, "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "S",
                "AWS_ENDPOINT_URL_DYNAMODB": "localhost:5555",
            ])
        }
        #expect(throws: AWSConfigurationError.self) {
            try AWSConfiguration.fromEnvironment([
                "HOME": home.path, "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "S",
                "AWS_MAX_ATTEMPTS": "zero",
            ])
        }
    }

    @Test func containerCredentialsAreFetchedWithTheirToken() async throws {
        let home = try Home()
        let tokenFile = home.url.appendingPathComponent("token")
        try "secret-token\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        let configuration = try AWSConfiguration.fromEnvironment([
            "HOME": home.path, "AWS_REGION": "us-east-1",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:9911/creds",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile.path,
        ])
        let transport = ScriptedTransport([ScriptedTransport.status(200, """
            {"AccessKeyId":"ASIACONTAINER","SecretAccessKey":"s3cr3t","Token":"session","Expiration":"2030-01-01T00:00:00Z"}
            """)])
        let resolved = try await configuration.credentialProvider.resolve(using: transport)
        #expect(resolved.credentials == AWSCredentials(accessKeyID: "ASIACONTAINER", secretAccessKey: "s3cr3t", sessionToken: "session"))
        #expect(resolved.expiration == Date(timeIntervalSince1970: 1_893_456_000))
        let request = try #require(transport.sent.current.first)
        #expect(request.url == "http://127.0.0.1:9911/creds")
        #expect(request.headers.first(name: "Authorization") == "secret-token")

        #expect(throws: AWSConfigurationError.self) {
            try AWSConfiguration.fromEnvironment([
                "HOME": home.path, "AWS_REGION": "us-east-1", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://example.com/creds",
            ])
        }
    }

    @Test func endpointURLsParse() throws {
        let plain = try #require(AWSEndpoint(url: "http://127.0.0.1:5555"))
        #expect(plain.host == "127.0.0.1")
        #expect(plain.port == 5555)
        #expect(plain.hostHeader == "127.0.0.1:5555")
        let defaultPort = try #require(AWSEndpoint(url: "https://example.com:443/"))
        #expect(defaultPort.hostHeader == "example.com")
        #expect(defaultPort.basePath == "")
        let ipv6 = try #require(AWSEndpoint(url: "http://[::1]:8000/p"))
        #expect(ipv6.host == "[::1]")
        #expect(ipv6.port == 8000)
        #expect(ipv6.basePath == "/p")
        #expect(AWSEndpoint(url: "ftp://x") == nil)
        #expect(AWSEndpoint(url: "http://host:port") == nil)
        #expect(plain.prefixingHost(with: "bucket").hostHeader == "bucket.127.0.0.1:5555")
    }
}
