import Testing

@testable import FaultProxy

@Suite("Dropped connections")
struct DroppedConnectionTests {
    private static func rawBatchWrite() -> String {
        let body = DynamoDBJSON.batchWrite(keys: DynamoDBJSON.keys(3))
        return "POST / HTTP/1.1\r\nHost: dynamodb.us-east-1.amazonaws.com\r\nX-Amz-Target: DynamoDB_20120810.BatchWriteItem\r\n"
            + "Content-Type: application/x-amz-json-1.0\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
    }

    @Test("dropped before forwarding: the socket closes with no answer and the upstream never hears of it")
    func dropBeforeForward() async throws {
        try await FakeUpstream.withRunning { upstream in
            let configuration = FaultProxyConfiguration(
                mode: .forward(ForwardConfiguration(upstream: upstream.endpoint)),
                faults: FaultConfiguration(dropBeforeForwardShare: 1))
            try await FaultProxy.withRunning(configuration) { proxy in
                let exchange = try await rawExchange(port: proxy.port, request: Self.rawBatchWrite())
                #expect(exchange.closedByServer)
                #expect(exchange.received.isEmpty)
                #expect(upstream.requests.isEmpty)
                #expect(proxy.stats.droppedBeforeForward == 1)
                #expect(proxy.stats.itemsWritten == 0)
            }
        }
    }

    @Test("dropped after forwarding: the write reached the upstream, yet the client gets no answer")
    func dropAfterForward() async throws {
        try await FakeUpstream.withRunning(respond: { _ in FakeResponse(body: #"{"UnprocessedItems":{}}"#) }) { upstream in
            let configuration = FaultProxyConfiguration(
                mode: .forward(ForwardConfiguration(upstream: upstream.endpoint)),
                faults: FaultConfiguration(dropAfterForwardShare: 1))
            try await FaultProxy.withRunning(configuration) { proxy in
                let exchange = try await rawExchange(port: proxy.port, request: Self.rawBatchWrite())
                #expect(exchange.closedByServer)
                #expect(exchange.received.isEmpty)
                #expect(upstream.requests.count == 1)
                #expect(proxy.stats.droppedAfterForward == 1)
                #expect(proxy.stats.itemsWritten == 3)
            }
        }
    }

    @Test("without faults the same raw request gets its answer and the connection stays open")
    func controlExchange() async throws {
        let configuration = FaultProxyConfiguration(mode: .sink(SinkConfiguration()))
        try await FaultProxy.withRunning(configuration) { proxy in
            let exchange = try await rawExchange(port: proxy.port, request: Self.rawBatchWrite(), timeout: .milliseconds(500))
            let text = String(decoding: exchange.received, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 200 OK"))
            #expect(text.hasSuffix(#"{"UnprocessedItems":{}}"#))
            #expect(!exchange.closedByServer)
        }
    }

    @Test("a dropped connection is seen by an HTTP client as an error, and the next call works")
    func clientSeesError() async throws {
        let configuration = FaultProxyConfiguration(
            mode: .sink(SinkConfiguration()),
            faults: FaultConfiguration(dropBeforeForwardShare: 0.5, seed: 1))
        try await FaultProxy.withRunning(configuration) { proxy in
            try await withTestClient { client in
                var lost = 0
                var answered = 0
                for call in 0..<40 {
                    switch await observeBatchWrite(client, proxy.endpoint, keys: DynamoDBJSON.keys(2, prefix: "D\(call)#")) {
                    case .connectionLost: lost += 1
                    case .ok: answered += 1
                    default: Issue.record("unexpected outcome")
                    }
                }
                #expect(lost == proxy.stats.droppedBeforeForward)
                #expect(lost + answered == 40)
                #expect(lost > 5 && answered > 5)
            }
        }
    }
}
