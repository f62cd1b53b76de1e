import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Testing

@testable import FaultProxy

/// What one call came to, as the client saw it.
enum Observed: Hashable {
    case ok, partial, throttled, internalError, unavailable, connectionLost, other(UInt)
}

/// Sends a `BatchWriteItem` and classifies the answer.
func observeBatchWrite(_ client: HTTPClient, _ endpoint: String, keys: [(String, String)]) async -> Observed {
    do {
        let response = try await client.dynamoDB(endpoint, "BatchWriteItem", DynamoDBJSON.batchWrite(keys: keys))
        switch (response.status, response.errorType) {
        case (.ok, _):
            let unprocessed = DynamoDBJSON.putKeys(in: response.json["UnprocessedItems"])
            return unprocessed.isEmpty ? .ok : .partial
        case (.badRequest, "ProvisionedThroughputExceededException"): return .throttled
        case (.internalServerError, "InternalServerError"): return .internalError
        case (.serviceUnavailable, "ServiceUnavailableException"): return .unavailable
        default: return .other(response.status.code)
        }
    } catch {
        return .connectionLost
    }
}

@Suite("Fault shares")
struct FaultShareTests {
    static let faults = FaultConfiguration(
        throttleShare: 0.10,
        unprocessedItemsShare: 0.10,
        internalErrorShare: 0.05,
        serviceUnavailableShare: 0.05,
        dropBeforeForwardShare: 0.05,
        dropAfterForwardShare: 0.05,
        seed: 42)

    private func run(_ faults: FaultConfiguration, calls: Int) async throws -> (observed: [Observed], stats: FaultProxyStats, upstreamCalls: Int) {
        try await FakeUpstream.withRunning(respond: { _ in FakeResponse(body: #"{"UnprocessedItems":{}}"#) }) { upstream in
            let configuration = FaultProxyConfiguration(mode: .forward(ForwardConfiguration(upstream: upstream.endpoint)), faults: faults)
            return try await FaultProxy.withRunning(configuration) { proxy in
                try await withTestClient { client in
                    var observed: [Observed] = []
                    for call in 0..<calls {
                        observed.append(await observeBatchWrite(client, proxy.endpoint, keys: DynamoDBJSON.keys(5, prefix: "C\(call)#")))
                    }
                    return (observed, proxy.stats, upstream.requests.count)
                }
            }
        }
    }

    @Test("each fault kind hits about its share of calls, and the stats count exactly what clients saw")
    func sharesAndStats() async throws {
        let calls = 1000
        let (observed, stats, upstreamCalls) = try await run(Self.faults, calls: calls)
        func count(_ kind: Observed) -> Int { observed.filter { $0 == kind }.count }

        // Binomial spread at n = 1000: sd is about 9.5 for 10 % and 6.9 for 5 %; allow ~4 sd.
        #expect((60...140).contains(count(.throttled)))
        #expect((60...140).contains(count(.partial)))
        #expect((25...75).contains(count(.internalError)))
        #expect((25...75).contains(count(.unavailable)))
        #expect((50...150).contains(count(.connectionLost)))
        #expect((500...800).contains(count(.ok)))
        #expect(observed.allSatisfy { if case .other = $0 { false } else { true } })

        #expect(stats.requests == calls)
        #expect(stats.throttledRequests == count(.throttled))
        #expect(stats.partialBatches == count(.partial))
        #expect(stats.internalErrors == count(.internalError))
        #expect(stats.serviceUnavailableErrors == count(.unavailable))
        #expect(stats.droppedBeforeForward + stats.droppedAfterForward == count(.connectionLost))
        #expect((25...75).contains(stats.droppedBeforeForward))
        #expect((25...75).contains(stats.droppedAfterForward))
        // Everything but the calls failed before forwarding reached the upstream.
        let failedBefore = stats.throttledRequests + stats.internalErrors + stats.serviceUnavailableErrors + stats.droppedBeforeForward
        #expect(upstreamCalls == calls - failedBefore)
        #expect(stats.forwardedRequests == upstreamCalls)
    }

    @Test("the same seed gives the same faults in the same order; another seed does not")
    func deterministicWithSeed() async throws {
        var faults = Self.faults
        faults.dropBeforeForwardShare = 0
        faults.dropAfterForwardShare = 0
        let first = try await run(faults, calls: 150).observed
        let second = try await run(faults, calls: 150).observed
        faults.seed = 43
        let third = try await run(faults, calls: 150).observed
        #expect(first == second)
        #expect(first != third)
        #expect(Set(first).count >= 4)
    }

    @Test("a scope limited to some DynamoDB operations leaves other calls alone")
    func scopedToOperations() async throws {
        let faults = FaultConfiguration(throttleShare: 1, scope: .dynamoDB(operations: ["PutItem"]))
        try await FakeUpstream.withRunning { upstream in
            let configuration = FaultProxyConfiguration(mode: .forward(ForwardConfiguration(upstream: upstream.endpoint)), faults: faults)
            try await FaultProxy.withRunning(configuration) { proxy in
                try await withTestClient { client in
                    let put = try await client.dynamoDB(proxy.endpoint, "PutItem", #"{"TableName":"T","Item":{"PK":{"S":"a"},"SK":{"S":"b"}}}"#)
                    #expect(put.status == .badRequest)
                    #expect(put.errorType == "ProvisionedThroughputExceededException")
                    let batch = try await client.dynamoDB(proxy.endpoint, "BatchWriteItem", DynamoDBJSON.batchWrite(keys: DynamoDBJSON.keys(2)))
                    #expect(batch.status == .ok)
                    let object = try await client.send(.GET, proxy.endpoint + "/bucket/key")
                    #expect(object.status == .ok)
                    #expect(proxy.stats.throttledRequests == 1)
                    #expect(upstream.requests.count == 2)
                }
            }
        }
    }

    @Test("S3 calls get S3's XML errors: SlowDown for throttling")
    func s3Errors() async throws {
        try await FakeUpstream.withRunning { upstream in
            let faults = FaultConfiguration(throttleShare: 1, scope: .s3)
            let configuration = FaultProxyConfiguration(mode: .forward(ForwardConfiguration(upstream: upstream.endpoint)), faults: faults)
            try await FaultProxy.withRunning(configuration) { proxy in
                try await withTestClient { client in
                    let response = try await client.send(.PUT, proxy.endpoint + "/bucket/LOAD00000001.csv", body: Array("1,2\n".utf8))
                    #expect(response.status == .serviceUnavailable)
                    #expect(response.text.contains("<Code>SlowDown</Code>"))
                    let dynamo = try await client.dynamoDB(proxy.endpoint, "DescribeTable", #"{"TableName":"T"}"#)
                    #expect(dynamo.status == .ok)
                    #expect(upstream.requests.count == 1)
                }
            }
        }
    }

    @Test("latency: a fixed delay slows every call by at least that much")
    func fixedLatency() async throws {
        let faults = FaultConfiguration(latency: LatencyFault(share: 1, fixed: .milliseconds(150)))
        let configuration = FaultProxyConfiguration(mode: .sink(SinkConfiguration()), faults: faults)
        try await FaultProxy.withRunning(configuration) { proxy in
            try await withTestClient { client in
                let clock = ContinuousClock()
                let elapsed = try await clock.measure {
                    for _ in 0..<3 {
                        let response = try await client.dynamoDB(proxy.endpoint, "GetItem", #"{"TableName":"T","Key":{"PK":{"S":"a"},"SK":{"S":"b"}}}"#)
                        #expect(response.status == .ok)
                    }
                }
                #expect(elapsed >= .milliseconds(450))
                #expect(proxy.stats.delayedRequests == 3)
            }
        }
    }

    @Test("latency: a share of calls is delayed by a value within the range")
    func rangedLatency() async throws {
        let faults = FaultConfiguration(latency: LatencyFault(share: 0.5, minimum: .milliseconds(60), maximum: .milliseconds(120)), seed: 9)
        let configuration = FaultProxyConfiguration(mode: .sink(SinkConfiguration()), faults: faults)
        try await FaultProxy.withRunning(configuration) { proxy in
            try await withTestClient { client in
                let clock = ContinuousClock()
                var slow = 0
                for _ in 0..<40 {
                    let elapsed = try await clock.measure {
                        _ = try await client.dynamoDB(proxy.endpoint, "Query", #"{"TableName":"T"}"#)
                    }
                    if elapsed >= .milliseconds(60) { slow += 1 }
                }
                let delayed = proxy.stats.delayedRequests
                #expect((8...32).contains(delayed))
                // Every delayed call took at least the minimum. (Undelayed calls can be slow
                // too on a busy machine, so the converse is not checked.)
                #expect(slow >= delayed)
            }
        }
    }
}
