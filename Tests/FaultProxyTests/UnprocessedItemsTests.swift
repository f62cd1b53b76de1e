import Foundation
import Testing

@testable import FaultProxy

@Suite("Unprocessed items")
struct UnprocessedItemsTests {
    /// The write requests of a `RequestItems`/`UnprocessedItems` map, as parsed JSON, by `PK`.
    private func requestsByKey(_ map: Any?, table: String = "BillingSystem") -> [String: NSDictionary] {
        guard let tables = map as? [String: Any], let requests = tables[table] as? [[String: Any]] else { return [:] }
        var result: [String: NSDictionary] = [:]
        for request in requests {
            let item = (request["PutRequest"] as? [String: Any])?["Item"] as? [String: Any]
            if let pk = (item?["PK"] as? [String: Any])?["S"] as? String {
                result[pk] = request as NSDictionary
            }
        }
        return result
    }

    @Test("the items returned as unprocessed are exactly those not forwarded, in their original form")
    func partitionIsExact() async throws {
        let batches = 30
        try await FakeUpstream.withRunning(respond: { _ in FakeResponse(body: #"{"UnprocessedItems":{}}"#) }) { upstream in
            let configuration = FaultProxyConfiguration(
                mode: .forward(ForwardConfiguration(upstream: upstream.endpoint)),
                faults: FaultConfiguration(unprocessedItemsShare: 1, seed: 3))
            try await FaultProxy.withRunning(configuration) { proxy in
                try await withTestClient { client in
                    var withheldTotal = 0
                    var forwardedTotal = 0
                    for batch in 0..<batches {
                        // Unicode, escapes and numbers in the items, so that copying must be exact.
                        let keys = DynamoDBJSON.keys(25, prefix: "BAN#\(batch)-é\\\"-")
                        let body = DynamoDBJSON.batchWrite(keys: keys, padding: batch)
                        let sent = requestsByKey((try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["RequestItems"])
                        #expect(sent.count == 25)

                        let response = try await client.dynamoDB(proxy.endpoint, "BatchWriteItem", body)
                        #expect(response.status == .ok)
                        let unprocessed = requestsByKey(response.json["UnprocessedItems"])
                        let forwardedBody = try #require(upstream.requests.last)
                        let forwardedJSON = try #require(try JSONSerialization.jsonObject(with: Data(forwardedBody.body)) as? [String: Any])
                        let forwarded = requestsByKey(forwardedJSON["RequestItems"])

                        #expect(!unprocessed.isEmpty && !forwarded.isEmpty)
                        #expect(Set(unprocessed.keys).isDisjoint(with: forwarded.keys))
                        #expect(Set(unprocessed.keys).union(forwarded.keys) == Set(sent.keys))
                        for (key, request) in unprocessed { #expect(request == sent[key]) }
                        for (key, request) in forwarded { #expect(request == sent[key]) }
                        // Other members of the request travel on.
                        #expect(forwardedJSON["ReturnConsumedCapacity"] as? String == "NONE")
                        // The rewritten body is what the upstream was told it is.
                        #expect(forwardedBody.headers["content-length"] == [String(forwardedBody.body.count)])
                        withheldTotal += unprocessed.count
                        forwardedTotal += forwarded.count
                    }
                    let stats = proxy.stats
                    #expect(stats.partialBatches == batches)
                    #expect(stats.withheldWriteRequests == withheldTotal)
                    #expect(stats.itemsWritten == forwardedTotal)
                }
            }
        }
    }

    @Test("the upstream's own unprocessed items are kept alongside the proxy's, with its other members")
    func mergedWithUpstreamUnprocessed() async throws {
        // The upstream leaves the first write request it gets unprocessed, on another table too.
        let respond: @Sendable (RecordedRequest) -> FakeResponse = { request in
            let json = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any]
            let requests = (json?["RequestItems"] as? [String: Any])?["BillingSystem"] as? [Any] ?? []
            let first = String(decoding: try! JSONSerialization.data(withJSONObject: requests[0]), as: UTF8.self)
            return FakeResponse(body: #"{"ConsumedCapacity":[{"TableName":"BillingSystem","CapacityUnits":3.0}],"UnprocessedItems":{"BillingSystem":[\#(first)],"Other":[{"DeleteRequest":{"Key":{"PK":{"S":"x"},"SK":{"S":"y"}}}}]}}"#)
        }
        try await FakeUpstream.withRunning(respond: respond) { upstream in
            let configuration = FaultProxyConfiguration(
                mode: .forward(ForwardConfiguration(upstream: upstream.endpoint)),
                faults: FaultConfiguration(unprocessedItemsShare: 1, seed: 5))
            try await FaultProxy.withRunning(configuration) { proxy in
                try await withTestClient { client in
                    let keys = DynamoDBJSON.keys(10)
                    let response = try await client.dynamoDB(proxy.endpoint, "BatchWriteItem", DynamoDBJSON.batchWrite(keys: keys))
                    #expect(response.status == .ok)
                    let forwardedJSON = try #require(try JSONSerialization.jsonObject(with: Data(upstream.requests[0].body)) as? [String: Any])
                    let forwarded = DynamoDBJSON.putKeys(in: forwardedJSON["RequestItems"])
                    let unprocessed = DynamoDBJSON.putKeys(in: response.json["UnprocessedItems"])
                    // Ours (not forwarded) plus the upstream's (the first forwarded one).
                    let expected = Set(keys.map(\.0)).subtracting(forwarded).union([forwarded[0]])
                    #expect(Set(unprocessed) == expected)
                    #expect(unprocessed.count == expected.count)
                    let other = (response.json["UnprocessedItems"] as? [String: Any])?["Other"] as? [Any]
                    #expect(other?.count == 1)
                    #expect((response.json["ConsumedCapacity"] as? [Any])?.count == 1)
                    // Written: what was forwarded less what the upstream says it left (two requests).
                    #expect(proxy.stats.itemsWritten == forwarded.count - 2)
                    // A fresh checksum for the rewritten body.
                    #expect(response.headers["x-amz-crc32"] == [String(CRC32.checksum(response.body))])
                }
            }
        }
    }

    @Test("a batch of one write request is never split")
    func singleRequestBatch() async throws {
        let configuration = FaultProxyConfiguration(mode: .sink(SinkConfiguration()), faults: FaultConfiguration(unprocessedItemsShare: 1))
        try await FaultProxy.withRunning(configuration) { proxy in
            try await withTestClient { client in
                let response = try await client.dynamoDB(proxy.endpoint, "BatchWriteItem", DynamoDBJSON.batchWrite(keys: DynamoDBJSON.keys(1)))
                #expect(response.text == #"{"UnprocessedItems":{}}"#)
                #expect(proxy.stats.partialBatches == 0)
                #expect(proxy.stats.itemsWritten == 1)
            }
        }
    }
}
