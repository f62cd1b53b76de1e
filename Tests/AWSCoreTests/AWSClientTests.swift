@testable import AWSCore
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import AWSTestSupport

@Suite("AWSClient retry loop and signing")
struct AWSClientTests {
    static func putItem() -> AWSRequest {
        AWSRequest(
            service: .dynamoDB, operation: "PutItem", method: .POST,
            headers: ["X-Amz-Target": "DynamoDB_20120810.PutItem", "Content-Type": "application/x-amz-json-1.0"],
            body: ByteBuffer(string: #"{"TableName":"T"}"#))
    }

    @Test func signsRequestsSoAVerifierAcceptsThem() async throws {
        let transport = ScriptedTransport([ScriptedTransport.status(200, "{}")])
        let client = AWSClient(configuration: TestConfig.configuration(), transport: transport, clock: TestConfig.clock(sleeps: Locked([])))
        _ = try await client.execute(Self.putItem())
        let sent = try #require(transport.sent.current.first)
        #expect(sent.url == "http://127.0.0.1:1/")
        #expect(sent.headers.first(name: "Host") == "127.0.0.1:1")
        #expect(sent.headers.first(name: "X-Amz-Date") == "20231114T221320Z")

        let request = SigV4Request(method: "POST", path: "/", headers: sent.headers.map { ($0.name, $0.value) })
        let body = Array(sent.body!.readableBytesView)
        let verified = try SigV4Verifier(credentials: [TestConfig.credentials])
            .verify(request, body: body, now: Date(timeIntervalSince1970: 1_700_000_000))
        #expect(verified.service == "dynamodb")
        #expect(verified.signedHeaders.contains("x-amz-target"))
    }

    @Test func encodesPathAndQueryAsSigned() async throws {
        let transport = ScriptedTransport([ScriptedTransport.status(200)])
        let client = AWSClient(configuration: TestConfig.configuration(), transport: transport, clock: TestConfig.clock(sleeps: Locked([])))
        let path = "/bucket/" + SigV4Encoding.uriEncode("dir/a key+é", keepingSlash: true)
        _ = try await client.execute(AWSRequest(
            service: .s3, operation: "ListObjectsV2", method: .GET, path: path,
            query: [("prefix", "a b/c"), ("list-type", "2"), ("continuation-token", "x=+/")]))
        let sent = try #require(transport.sent.current.first)
        #expect(sent.url == "http://127.0.0.1:1/bucket/dir/a%20key%2B%C3%A9?continuation-token=x%3D%2B%2F&list-type=2&prefix=a%20b%2Fc")
        #expect(sent.headers.first(name: "x-amz-content-sha256") == SigV4Payload.emptyBodyHash)
        let query = String(sent.url.split(separator: "?")[1])
        let request = SigV4Request(method: "GET", path: "/bucket/dir/a%20key%2B%C3%A9", query: query,
                                   headers: sent.headers.map { ($0.name, $0.value) })
        try SigV4Verifier(credentials: [TestConfig.credentials]).verify(request, body: [], now: Date(timeIntervalSince1970: 1_700_000_000))
    }

    @Test func retriesTransientAndThrottlingFailuresAndReportsThem() async throws {
        let transport = ScriptedTransport([
            ScriptedTransport.status(503, ""),
            ScriptedTransport.status(400, #"{"__type":"x#ProvisionedThroughputExceededException","message":"slow"}"#),
            ScriptedTransport.fail(ScriptedTransport.ScriptError.connectionReset),
            ScriptedTransport.status(200, #"{"ok":true}"#),
        ])
        let sleeps = Locked<[Duration]>([])
        let events = Locked<[AWSAttemptEvent]>([])
        let client = AWSClient(
            configuration: TestConfig.configuration(maxAttempts: 4), transport: transport,
            observer: { event in events.withLock { $0.append(event) } }, clock: TestConfig.clock(sleeps: sleeps, random: 1))
        let response = try await client.execute(Self.putItem())
        #expect(String(buffer: response.body) == #"{"ok":true}"#)
        #expect(response.stats.attempts == 4)
        #expect(response.stats.throttledAttempts == 1)
        #expect(response.stats.transientFailures == 2)
        // Full jitter with random = 1: the ceilings, 100 ms x 2^0, 500 ms x 2^1, 100 ms x 2^2.
        #expect(sleeps.current == [.milliseconds(100), .milliseconds(1000), .milliseconds(400)])
        #expect(events.current.map(\.error.kind) == [.transient, .throttling, .transient])
        #expect(events.current.map(\.attempt) == [1, 2, 3])
        #expect(events.current[2].error.code == "ConnectionError")
        // Every attempt is signed afresh and carries the whole body.
        #expect(transport.sent.current.count == 4)
        #expect(transport.sent.current.allSatisfy { $0.body?.readableBytes == 17 })
        // The retry that succeeded refunds its cost: 500 - 5 - 5 - 5 + 5.
        #expect(client.retryQuotaAvailable == 490)
    }

    @Test func givesUpWithTheTypedErrorOfTheLastAttempt() async throws {
        let transport = ScriptedTransport([ScriptedTransport.status(500), ScriptedTransport.status(500), ScriptedTransport.status(500)])
        let events = Locked<[AWSAttemptEvent]>([])
        let client = AWSClient(
            configuration: TestConfig.configuration(maxAttempts: 3), transport: transport,
            observer: { event in events.withLock { $0.append(event) } }, clock: TestConfig.clock(sleeps: Locked([])))
        do {
            _ = try await client.execute(Self.putItem())
            Issue.record("expected an error")
        } catch let error as AWSError {
            #expect(error.status == 500)
            #expect(error.kind == .transient)
            #expect(error.service == "DynamoDB")
            #expect(error.operation == "PutItem")
        }
        #expect(transport.sent.current.count == 3)
        #expect(events.current.last?.giveUpReason == .attemptsExhausted)
    }

    @Test func doesNotRetryClientErrors() async throws {
        let transport = ScriptedTransport([
            ScriptedTransport.status(400, #"{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}"#),
        ])
        let client = AWSClient(configuration: TestConfig.configuration(), transport: transport, clock: TestConfig.clock(sleeps: Locked([])))
        let error = await #expect(throws: AWSError.self) { try await client.execute(Self.putItem()) }
        #expect(error?.isConditionalCheckFailed == true)
        #expect(transport.sent.current.count == 1)
    }

    @Test func aBodyDroppedMidwayIsRetried() async throws {
        let (stream, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        continuation.yield(ByteBuffer(string: "{\"Items\":["))
        continuation.finish(throwing: ScriptedTransport.ScriptError.connectionReset)
        let transport = ScriptedTransport([
            { _ in AWSHTTPResponse(status: 200, body: AWSHTTPBody(stream: stream)) },
            ScriptedTransport.status(200, "{\"Items\":[]}"),
        ])
        let client = AWSClient(configuration: TestConfig.configuration(), transport: transport, clock: TestConfig.clock(sleeps: Locked([])))
        let response = try await client.execute(Self.putItem())
        #expect(String(buffer: response.body) == "{\"Items\":[]}")
        #expect(response.stats.attempts == 2)
    }

    @Test func streamingHandsOverTheBodyAfterRetryingTheHead() async throws {
        let transport = ScriptedTransport([ScriptedTransport.status(503), ScriptedTransport.status(200, "0123456789")])
        let client = AWSClient(configuration: TestConfig.configuration(), transport: transport, clock: TestConfig.clock(sleeps: Locked([])))
        let total = try await client.executeStreaming(AWSRequest(service: .s3, operation: "GetObject", method: .GET, path: "/b/k")) { response in
            var count = 0
            for try await chunk in response.body { count += chunk.readableBytes }
            return count
        }
        #expect(total == 10)
    }

    @Test func refreshesExpiringCredentials() async throws {
        struct Rotating: AWSCredentialProvider {
            let calls = Locked(0)
            func resolve(using transport: any AWSHTTPTransport) async throws -> ExpiringCredentials {
                let call = calls.withLock { $0 += 1; return $0 }
                // Each set expires 10 minutes after the fixed clock: still good for 5 more.
                return ExpiringCredentials(
                    AWSCredentials(accessKeyID: "ASIA\(call)", secretAccessKey: "s", sessionToken: "t\(call)"),
                    expiration: Date(timeIntervalSince1970: 1_700_000_000 + (call == 1 ? 200 : 600)))
            }
            var description: String { "rotating" }
        }
        let provider = Rotating()
        let configuration = AWSConfiguration(region: "us-east-1", credentialProvider: provider,
                                             endpoints: AWSEndpointResolver(globalOverride: TestConfig.endpoint))
        let client = AWSClient(configuration: configuration, transport: ScriptedTransport([]), clock: TestConfig.clock(sleeps: Locked([])))
        #expect(try await client.currentCredentials().accessKeyID == "ASIA1")
        // The first set expires within 5 minutes, so it is replaced; the second is kept.
        #expect(try await client.currentCredentials().accessKeyID == "ASIA2")
        #expect(try await client.currentCredentials().accessKeyID == "ASIA2")
        #expect(provider.calls.current == 2)
    }

    @Test func withClientShutsDownAndRethrows() async throws {
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await AWSClient.withClient(TestConfig.configuration()) { _ in throw Boom() }
        }
        let value = try await AWSClient.withClient(TestConfig.configuration()) { client in client.configuration.region }
        #expect(value == "us-east-1")
    }
}

@Suite("HTTP bodies")
struct AWSHTTPBodyTests {
    @Test func collectStopsAtTheLimit() async throws {
        let (stream, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        for _ in 0..<4 { continuation.yield(ByteBuffer(repeating: 7, count: 100)) }
        continuation.finish()
        let error = await #expect(throws: AWSError.self) { try await AWSHTTPBody(stream: stream).collect(upTo: 250) }
        #expect(error?.code == "BodyTooLarge")
        let whole = try await AWSHTTPBody(bytes: [1, 2, 3]).collect(upTo: 3)
        #expect(Array(whole.readableBytesView) == [1, 2, 3])
        await #expect(throws: AWSError.self) { try await AWSHTTPBody(bytes: [1, 2, 3]).collect(upTo: 2) }
    }
}
