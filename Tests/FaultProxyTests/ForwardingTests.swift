import Foundation
import NIOHTTP1
import Testing

@testable import FaultProxy

@Suite("Forwarding")
struct ForwardingTests {
    private func forwardConfiguration(_ upstream: FakeUpstream, faults: FaultConfiguration = FaultConfiguration()) -> FaultProxyConfiguration {
        FaultProxyConfiguration(mode: .forward(ForwardConfiguration(upstream: upstream.endpoint)), faults: faults)
    }

    @Test("method, path, query, headers (Host as signed) and body reach the upstream unchanged")
    func requestIsPreserved() async throws {
        try await FakeUpstream.withRunning { upstream in
            try await FaultProxy.withRunning(forwardConfiguration(upstream)) { proxy in
                try await withTestClient { client in
                    let body = Array(#"{"TableName":"BillingSystem","Key":{"PK":{"S":"BAN#1"},"SK":{"S":"ACCOUNT"}}}"#.utf8)
                    _ = try await client.send(
                        .POST, proxy.endpoint + "/some/path%20x?b=2&a=%2F1",
                        headers: [
                            ("Host", "dynamodb.us-east-1.amazonaws.com"),
                            ("X-Amz-Target", "DynamoDB_20120810.GetItem"),
                            ("X-Amz-Date", "20240115T102231Z"),
                            ("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20240115/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=abc"),
                            ("X-Custom", "one"), ("X-Custom", "two"),
                        ],
                        body: body)
                    let received = try #require(upstream.requests.first)
                    #expect(received.method == .POST)
                    #expect(received.uri == "/some/path%20x?b=2&a=%2F1")
                    #expect(received.headers["host"] == ["dynamodb.us-east-1.amazonaws.com"])
                    #expect(received.headers["x-amz-target"] == ["DynamoDB_20120810.GetItem"])
                    #expect(received.headers["x-amz-date"] == ["20240115T102231Z"])
                    #expect(received.headers["authorization"].first?.hasSuffix("Signature=abc") == true)
                    #expect(received.headers["x-custom"] == ["one", "two"])
                    #expect(received.headers["content-length"] == [String(body.count)])
                    #expect(received.body == body)
                }
            }
        }
    }

    @Test("status, headers and body of the upstream's answer reach the client unchanged")
    func responseIsPreserved() async throws {
        let respond: @Sendable (RecordedRequest) -> FakeResponse = { request in
            FakeResponse(status: .created, headers: [("X-Upstream", "yes"), ("ETag", "\"abc\"")], body: "echo:" + request.bodyText)
        }
        try await FakeUpstream.withRunning(respond: respond) { upstream in
            try await FaultProxy.withRunning(forwardConfiguration(upstream)) { proxy in
                try await withTestClient { client in
                    let response = try await client.send(.PUT, proxy.endpoint + "/bucket/key", body: Array("payload".utf8))
                    #expect(response.status == .created)
                    #expect(response.headers["x-upstream"] == ["yes"])
                    #expect(response.headers["etag"] == ["\"abc\""])
                    #expect(response.text == "echo:payload")
                }
            }
        }
    }

    @Test("a large binary body goes through byte for byte, both ways")
    func binaryBody() async throws {
        let respond: @Sendable (RecordedRequest) -> FakeResponse = { request in
            var response = FakeResponse()
            response.body = request.body.reversed()
            return response
        }
        var generator = SeededGenerator(seed: 7)
        let payload = (0..<(3 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try await FakeUpstream.withRunning(respond: respond) { upstream in
            try await FaultProxy.withRunning(forwardConfiguration(upstream)) { proxy in
                try await withTestClient { client in
                    let response = try await client.send(.PUT, proxy.endpoint + "/bucket/object.csv.gz", body: payload)
                    #expect(upstream.requests.first?.body == payload)
                    #expect(response.body == payload.reversed())
                }
            }
        }
    }

    @Test("a HEAD answer keeps the upstream's Content-Length")
    func headKeepsContentLength() async throws {
        let respond: @Sendable (RecordedRequest) -> FakeResponse = { _ in FakeResponse(body: String(repeating: "z", count: 1234)) }
        try await FakeUpstream.withRunning(respond: respond) { upstream in
            try await FaultProxy.withRunning(forwardConfiguration(upstream)) { proxy in
                try await withTestClient { client in
                    let response = try await client.send(.HEAD, proxy.endpoint + "/bucket/key")
                    #expect(response.status == .ok)
                    #expect(response.headers["content-length"] == ["1234"])
                    #expect(response.body.isEmpty)
                }
            }
        }
    }

    @Test("an upstream that is not there gives 502 and counts as an upstream failure")
    func upstreamDown() async throws {
        // Bind and release a port, so that nothing listens on it.
        let closedPort = try await FakeUpstream.withRunning { $0.port }
        let configuration = FaultProxyConfiguration(mode: .forward(ForwardConfiguration(upstream: "http://127.0.0.1:\(closedPort)")))
        try await FaultProxy.withRunning(configuration) { proxy in
            try await withTestClient { client in
                let response = try await client.send(.GET, proxy.endpoint + "/")
                #expect(response.status == .badGateway)
                #expect(proxy.stats.upstreamFailures == 1)
            }
        }
    }

    @Test("stats are served as JSON at /__proxy/stats and reset over HTTP")
    func statsOverHTTP() async throws {
        try await FakeUpstream.withRunning { upstream in
            try await FaultProxy.withRunning(forwardConfiguration(upstream)) { proxy in
                try await withTestClient { client in
                    for index in 0..<3 {
                        _ = try await client.dynamoDB(proxy.endpoint, "BatchWriteItem", DynamoDBJSON.batchWrite(keys: DynamoDBJSON.keys(4, prefix: "B\(index)#")))
                    }
                    _ = try await client.send(.GET, proxy.endpoint + "/bucket/key")
                    let served = try await client.send(.GET, proxy.endpoint + "/__proxy/stats")
                    #expect(served.headers["content-type"] == ["application/json"])
                    let decoded = try JSONDecoder().decode(FaultProxyStats.self, from: Data(served.body))
                    #expect(decoded.requests == 4)
                    #expect(decoded.requestsByOperation == ["BatchWriteItem": 3, "S3": 1])
                    #expect(decoded.forwardedRequests == 4)
                    #expect(decoded.writeRequests == 3)
                    #expect(decoded.itemsWritten == 12)
                    #expect(decoded.consumedWriteUnits == 12)
                    #expect(decoded.consumedWriteUnitsPerSecond.reduce(0, +) == 12)
                    var inProcess = proxy.stats
                    inProcess.elapsedSeconds = decoded.elapsedSeconds
                    #expect(inProcess == decoded)

                    let reset = try await client.send(.POST, proxy.endpoint + "/__proxy/stats/reset")
                    let before = try JSONDecoder().decode(FaultProxyStats.self, from: Data(reset.body))
                    #expect(before.requests == 4)
                    #expect(proxy.stats.requests == 0)
                    #expect(proxy.stats.itemsWritten == 0)
                    #expect(proxy.stats.consumedWriteUnitsPerSecond.isEmpty)
                }
            }
        }
    }

    @Test("configurations that cannot work are refused before anything starts")
    func invalidConfigurations() async throws {
        let upstream = ForwardConfiguration(upstream: "http://127.0.0.1:1")
        let tooMuch = FaultProxyConfiguration(mode: .forward(upstream), faults: FaultConfiguration(throttleShare: 0.7, internalErrorShare: 0.5))
        await #expect(throws: FaultProxyConfigurationError.self) {
            try await FaultProxy.withRunning(tooMuch) { _ in }
        }
        let remote = FaultProxyConfiguration(mode: .forward(ForwardConfiguration(upstream: "http://dynamodb.us-east-1.amazonaws.com")))
        await #expect(throws: FaultProxyConfigurationError.self) {
            try await FaultProxy.withRunning(remote) { _ in }
        }
        let negative = FaultProxyConfiguration(mode: .sink(SinkConfiguration()), faults: FaultConfiguration(throttleShare: -0.1))
        await #expect(throws: FaultProxyConfigurationError.self) {
            try await FaultProxy.withRunning(negative) { _ in }
        }
    }
}
