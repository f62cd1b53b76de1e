import AWSCore
import DynamoDB
import Foundation
import NIOCore
import S3
import Testing
import AWSTestSupport

/// moto with signature checking on, as set up by `LocalAWS.withMotoServer(authenticated: true)`.
@Suite("AWS signatures against moto")
struct AWSAuthenticationTests {
    @Test func correctlySignedRequestsPassAndWrongSecretsFailTyped() async throws {
        try await LocalAWS.withMotoServer(authenticated: true) { env in
            #expect(env.isAuthenticated)
            #expect(env.credentials.accessKeyID != LocalAWS.bootstrapCredentials.accessKeyID)

            try await AWSClient.withClient(env.configuration) { client in
                let dynamo = DynamoDBClient(client: client)
                try await dynamo.createTable(TableDefinition(name: "AuthCheck"))
                #expect(try await dynamo.listTables() == ["AuthCheck"])
                let s3 = S3Client(client: client)
                try await s3.createBucket("auth-check")
                try await s3.putObject(bucket: "auth-check", key: "a b/key.txt", bytes: Array("signed".utf8))
                #expect(String(buffer: try await s3.getObject(bucket: "auth-check", key: "a b/key.txt")) == "signed")
            }

            var wrongSecret = env.credentials
            wrongSecret.secretAccessKey = "not-the-secret"
            let events = Locked<[AWSAttemptEvent]>([])
            try await AWSClient.withClient(env.configuration(credentials: wrongSecret), observer: { event in events.withLock { $0.append(event) } }) { client in
                let dynamoError = await #expect(throws: AWSError.self) { try await DynamoDBClient(client: client).listTables() }
                #expect(dynamoError?.code == "SignatureDoesNotMatch")
                #expect(dynamoError?.status == 403)
                #expect(dynamoError?.kind == .authentication)
                #expect(dynamoError?.service == "DynamoDB")

                let s3Error = await #expect(throws: AWSError.self) {
                    try await S3Client(client: client).putObject(bucket: "auth-check", key: "forged", bytes: [1])
                }
                #expect(s3Error?.code == "SignatureDoesNotMatch")
                #expect(s3Error?.kind == .authentication)
            }
            // Refused signatures are not retried.
            #expect(events.current.count == 2)
            #expect(events.current.allSatisfy { $0.attempt == 1 && $0.giveUpReason == .notRetryable })

            let unknownKey = AWSCredentials(accessKeyID: "AKIAUNKNOWNUNKNOWN00", secretAccessKey: "x")
            try await AWSClient.withClient(env.configuration(credentials: unknownKey)) { client in
                let error = await #expect(throws: AWSError.self) { try await DynamoDBClient(client: client).listTables() }
                #expect(error?.code == "InvalidClientTokenId")
                #expect(error?.kind == .authentication)
            }

            // Nothing was written by the refused requests.
            try await AWSClient.withClient(env.configuration) { client in
                let forged = try await S3Client(client: client).headObject(bucket: "auth-check", key: "forged")
                #expect(forged == nil)
            }
        }
    }

    @Test func configurationFromTheEnvironmentReachesTheServer() async throws {
        try await LocalAWS.withMotoServer(authenticated: true) { env in
            let home = FileManager.default.temporaryDirectory.appendingPathComponent("no-aws-home-\(UUID().uuidString)").path
            var variables = env.environment
            variables["HOME"] = home
            let configuration = try AWSConfiguration.fromEnvironment(variables)
            #expect(configuration.endpoint(for: .dynamoDB).url == env.endpointURL)
            #expect(configuration.endpoint(for: .s3).isCustom)
            try await AWSClient.withClient(configuration) { client in
                let tables = try await DynamoDBClient(client: client).listTables()
                #expect(tables == [])
                let error = await #expect(throws: AWSError.self) {
                    try await S3Client(client: client).listAllObjects(bucket: "missing-bucket")
                }
                #expect(error?.code == "NoSuchBucket")
                #expect(error?.isNotFound == true)
            }
        }
    }
}
