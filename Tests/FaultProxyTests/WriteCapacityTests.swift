import Foundation
import NIOConcurrencyHelpers
import Testing

@testable import FaultProxy

@Suite("Write capacity")
struct WriteCapacityTests {
    @Test("the bucket admits about N WCU per second (plus the burst) under sustained load")
    func sustainedRate() async throws {
        let rate = 100.0
        let duration = Duration.seconds(3)
        let configuration = FaultProxyConfiguration(
            mode: .sink(SinkConfiguration()),
            writeCapacity: WriteCapacityConfiguration(unitsPerSecond: rate))
        try await FaultProxy.withRunning(configuration) { proxy in
            try await withTestClient { client in
                let accepted = NIOLockedValueBox(0)
                let throttled = NIOLockedValueBox(0)
                let clock = ContinuousClock()
                let end = clock.now + duration
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for worker in 0..<4 {
                        group.addTask {
                            var call = 0
                            while clock.now < end {
                                call += 1
                                let keys = DynamoDBJSON.keys(25, prefix: "W\(worker)-\(call)#")
                                let response = try await client.dynamoDB(proxy.endpoint, "BatchWriteItem", DynamoDBJSON.batchWrite(keys: keys))
                                if response.status == .ok {
                                    let unprocessed = DynamoDBJSON.putKeys(in: response.json["UnprocessedItems"]).count
                                    accepted.withLockedValue { $0 += 25 - unprocessed }
                                } else {
                                    #expect(response.errorType == "ProvisionedThroughputExceededException")
                                    throttled.withLockedValue { $0 += 1 }
                                    try await Task.sleep(for: .milliseconds(20))
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let admitted = accepted.withLockedValue { $0 }
                let stats = proxy.stats
                // One WCU per small item: burst (100) + 3 s at 100/s = 400.
                let expected = rate + rate * 3
                #expect(Double(admitted) >= expected * 0.8)
                #expect(Double(admitted) <= expected * 1.2)
                #expect(stats.consumedWriteUnits == admitted)
                #expect(stats.itemsWritten == admitted)
                #expect(stats.capacityThrottledRequests == throttled.withLockedValue { $0 })
                #expect(stats.capacityThrottledRequests > 0)
                #expect(stats.capacityUnprocessedWriteRequests > 0)
                // After the first second (which spends the burst too), each whole second holds
                // about one second's worth.
                let perSecond = stats.consumedWriteUnitsPerSecond
                #expect(perSecond.count >= 3)
                #expect(perSecond.reduce(0, +) == admitted)
                for second in perSecond.dropFirst().prefix(2) {
                    #expect(Double(second) >= rate * 0.7)
                    #expect(Double(second) <= rate * 1.3)
                }
            }
        }
    }

    @Test("single writes cost one WCU per started KB and are throttled when the bucket is short")
    func singleWrites() async throws {
        let configuration = FaultProxyConfiguration(
            mode: .sink(SinkConfiguration()),
            writeCapacity: WriteCapacityConfiguration(unitsPerSecond: 0.001, burst: 10))
        try await FaultProxy.withRunning(configuration) { proxy in
            try await withTestClient { client in
                // PK, SK and a 2,500-byte attribute: a little over 2 KB, so 3 WCU.
                let padding = String(repeating: "p", count: 2500)
                let put = #"{"TableName":"T","Item":{"PK":{"S":"a"},"SK":{"S":"b"},"Pad":{"S":"\#(padding)"}}}"#
                for _ in 0..<3 {
                    let response = try await client.dynamoDB(proxy.endpoint, "PutItem", put)
                    #expect(response.status == .ok)
                }
                #expect(proxy.stats.consumedWriteUnits == 9)
                let refused = try await client.dynamoDB(proxy.endpoint, "PutItem", put)
                #expect(refused.status == .badRequest)
                #expect(refused.errorType == "ProvisionedThroughputExceededException")
                // A delete costs one unit, which is still there.
                let delete = try await client.dynamoDB(proxy.endpoint, "DeleteItem", #"{"TableName":"T","Key":{"PK":{"S":"a"},"SK":{"S":"b"}}}"#)
                #expect(delete.status == .ok)
                let stats = proxy.stats
                #expect(stats.consumedWriteUnits == 10)
                #expect(stats.capacityThrottledRequests == 1)
                #expect(stats.itemsWritten == 4)
            }
        }
    }

    @Test("a batch takes the write requests that fit and returns the rest as unprocessed")
    func batchSplitByCapacity() async throws {
        let configuration = FaultProxyConfiguration(
            mode: .sink(SinkConfiguration()),
            writeCapacity: WriteCapacityConfiguration(unitsPerSecond: 0.001, burst: 7))
        try await FaultProxy.withRunning(configuration) { proxy in
            try await withTestClient { client in
                let response = try await client.dynamoDB(proxy.endpoint, "BatchWriteItem", DynamoDBJSON.batchWrite(keys: DynamoDBJSON.keys(10)))
                let unprocessed = DynamoDBJSON.putKeys(in: response.json["UnprocessedItems"])
                #expect(unprocessed == (7..<10).map { "BAN#\($0)" })
                // Nothing left: the next batch fails as a whole, as DynamoDB's does.
                let next = try await client.dynamoDB(proxy.endpoint, "BatchWriteItem", DynamoDBJSON.batchWrite(keys: DynamoDBJSON.keys(3)))
                #expect(next.errorType == "ProvisionedThroughputExceededException")
                let stats = proxy.stats
                #expect(stats.capacityUnprocessedWriteRequests == 3)
                #expect(stats.capacityThrottledRequests == 1)
                #expect(stats.itemsWritten == 7)
            }
        }
    }

    @Test("token bucket arithmetic: refill, burst cap, and debt for an item dearer than the burst")
    func bucketArithmetic() {
        var bucket = WriteCapacityBucket(WriteCapacityConfiguration(unitsPerSecond: 10, burst: 20), nowNanoseconds: 0)
        let first = bucket.take(15)
        let tooMuch = bucket.take(6)
        #expect(first && !tooMuch)
        bucket.refill(nowNanoseconds: 100_000_000)  // +1
        let afterRefill = bucket.take(6)
        #expect(afterRefill)
        #expect(bucket.available == 0)
        bucket.refill(nowNanoseconds: 10_000_000_000)  // long idle: capped at the burst
        #expect(bucket.available == 20)
        let oversized = bucket.take(50)  // a full bucket lets one oversized write through
        #expect(oversized)
        #expect(bucket.available == -30)
        let inDebt = bucket.take(1)
        #expect(!inDebt)
    }
}
