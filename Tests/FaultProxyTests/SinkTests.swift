import Foundation
import NIOCore
import NIOHTTP1
import Testing

@testable import FaultProxy

/// Accepts requests carrying `X-Test-Signature: good`: stands in for a real verifier to test
/// how the sink uses one.
struct HeaderSignatureVerifier: SignatureVerifier {
    func verify(head: HTTPRequestHead, body: ByteBuffer) -> SignatureVerdict {
        switch head.headers.first(name: "x-test-signature") {
        case nil: .missingAuthentication
        case "good": .valid
        case "stranger": .unknownAccessKey("AKIDSTRANGER")
        default: .invalidSignature("test signature mismatch")
        }
    }
}

@Suite("Sink mode")
struct SinkTests {
    private let sink = FaultProxyConfiguration(mode: .sink(SinkConfiguration(tables: ["BillingSystem"])))

    @Test("a request with a bad signature gets 403 InvalidSignatureException; a good one is acknowledged")
    func signatureChecks() async throws {
        let configuration = FaultProxyConfiguration(mode: .sink(SinkConfiguration(signatureVerifier: HeaderSignatureVerifier())))
        try await FaultProxy.withRunning(configuration) { proxy in
            try await withTestClient { client in
                let body = DynamoDBJSON.batchWrite(keys: DynamoDBJSON.keys(3))
                let bad = try await client.dynamoDB(proxy.endpoint, "BatchWriteItem", body, headers: [("X-Test-Signature", "forged")])
                #expect(bad.status == .forbidden)
                #expect(bad.errorType == "InvalidSignatureException")
                let stranger = try await client.dynamoDB(proxy.endpoint, "BatchWriteItem", body, headers: [("X-Test-Signature", "stranger")])
                #expect(stranger.status == .badRequest)
                #expect(stranger.errorType == "UnrecognizedClientException")
                let unsigned = try await client.dynamoDB(proxy.endpoint, "BatchWriteItem", body)
                #expect(unsigned.errorType == "MissingAuthenticationTokenException")
                let good = try await client.dynamoDB(proxy.endpoint, "BatchWriteItem", body, headers: [("X-Test-Signature", "good")])
                #expect(good.status == .ok)
                #expect(good.text == #"{"UnprocessedItems":{}}"#)
                let stats = proxy.stats
                #expect(stats.signatureRejections == 3)
                #expect(stats.itemsWritten == 3)
                #expect(stats.writeRequests == 1)
            }
        }
    }

    @Test("BatchWriteItem requests that break DynamoDB's rules get 400 ValidationException", arguments: [
        ("26 write requests", DynamoDBJSON.batchWrite(keys: DynamoDBJSON.keys(26))),
        ("no write requests", #"{"RequestItems":{}}"#),
        ("an empty table list", #"{"RequestItems":{"BillingSystem":[]}}"#),
        ("a duplicate key", DynamoDBJSON.batchWrite(keys: [("BAN#1", "ACCOUNT"), ("BAN#2", "ACCOUNT"), ("BAN#1", "ACCOUNT")])),
        ("a put without SK", #"{"RequestItems":{"T":[{"PutRequest":{"Item":{"PK":{"S":"a"},"x":{"N":"1"}}}}]}}"#),
        ("a numeric SK", #"{"RequestItems":{"T":[{"PutRequest":{"Item":{"PK":{"S":"a"},"SK":{"N":"1"}}}}]}}"#),
        ("an empty PK", #"{"RequestItems":{"T":[{"PutRequest":{"Item":{"PK":{"S":""},"SK":{"S":"b"}}}}]}}"#),
        ("a delete without SK", #"{"RequestItems":{"T":[{"DeleteRequest":{"Key":{"PK":{"S":"a"}}}}]}}"#),
        ("an item over 400 KB", DynamoDBJSON.batchWrite(keys: [("a", "b")], padding: 400 * 1024)),
        ("two types in one value", #"{"RequestItems":{"T":[{"PutRequest":{"Item":{"PK":{"S":"a"},"SK":{"S":"b"},"x":{"S":"1","N":"1"}}}}]}}"#),
        ("put and delete in one request", #"{"RequestItems":{"T":[{"PutRequest":{"Item":{"PK":{"S":"a"},"SK":{"S":"b"}}},"DeleteRequest":{"Key":{"PK":{"S":"a"},"SK":{"S":"b"}}}}]}}"#),
        ("no RequestItems", #"{"ReturnConsumedCapacity":"NONE"}"#),
    ])
    func shapeRejections(_ name: String, _ body: String) async throws {
        try await FaultProxy.withRunning(sink) { proxy in
            try await withTestClient { client in
                let response = try await client.dynamoDB(proxy.endpoint, "BatchWriteItem", body)
                #expect(response.status == .badRequest, "\(name)")
                #expect(response.errorType == "ValidationException", "\(name): \(response.text)")
                #expect(proxy.stats.validationRejections == 1)
                #expect(proxy.stats.itemsWritten == 0)
            }
        }
    }

    @Test("malformed JSON gets SerializationException; well-formed writes of every kind are acknowledged")
    func serializationAndAcceptance() async throws {
        try await FaultProxy.withRunning(sink) { proxy in
            try await withTestClient { client in
                let broken = try await client.dynamoDB(proxy.endpoint, "BatchWriteItem", #"{"RequestItems":{"T":[{"PutRequest":"#)
                #expect(broken.errorType == "SerializationException")

                let limit = DynamoDBJSON.batchWrite(keys: DynamoDBJSON.keys(25), padding: 300 * 1024 / 25)
                let accepted = try await client.dynamoDB(proxy.endpoint, "BatchWriteItem", limit)
                #expect(accepted.text == #"{"UnprocessedItems":{}}"#)
                // The same key in two tables is not a duplicate; deletes count as items.
                let twoTables = #"{"RequestItems":{"A":[{"PutRequest":{"Item":{"PK":{"S":"k"},"SK":{"S":"s"},"L":{"L":[{"N":"1"},{"M":{"x":{"BOOL":true}}}]}}}}],"B":[{"PutRequest":{"Item":{"PK":{"S":"k"},"SK":{"S":"s"},"B":{"B":"AAEC"},"NULL":{"NULL":true}}}},{"DeleteRequest":{"Key":{"PK":{"S":"k2"},"SK":{"S":"s"}}}}]}}"#
                let both = try await client.dynamoDB(proxy.endpoint, "BatchWriteItem", twoTables)
                #expect(both.status == .ok)
                let put = try await client.dynamoDB(proxy.endpoint, "PutItem", #"{"TableName":"BillingSystem","Item":{"PK":{"S":"a"},"SK":{"S":"b"}},"ConditionExpression":"attribute_not_exists(PK)"}"#)
                #expect(put.status == .ok)
                let update = try await client.dynamoDB(proxy.endpoint, "UpdateItem", #"{"TableName":"BillingSystem","Key":{"PK":{"S":"a"},"SK":{"S":"b"}},"UpdateExpression":"SET x = :x","ExpressionAttributeValues":{":x":{"S":"y"}}}"#)
                #expect(update.status == .ok)
                let keyless = try await client.dynamoDB(proxy.endpoint, "DeleteItem", #"{"TableName":"BillingSystem","Key":{"PK":{"S":"a"}}}"#)
                #expect(keyless.errorType == "ValidationException")
                let stats = proxy.stats
                #expect(stats.itemsWritten == 25 + 3 + 2)
                #expect(stats.writeRequests == 4)
                #expect(stats.validationRejections == 2)
                #expect(stats.requests == 6)
            }
        }
    }

    @Test("table create, describe and TTL behave as billmig's table command expects")
    func tableLifecycle() async throws {
        let configuration = FaultProxyConfiguration(mode: .sink(SinkConfiguration()))
        try await FaultProxy.withRunning(configuration) { proxy in
            try await withTestClient { client in
                let missing = try await client.dynamoDB(proxy.endpoint, "DescribeTable", #"{"TableName":"BillingSystem"}"#)
                #expect(missing.errorType == "ResourceNotFoundException")

                let create = #"{"TableName":"BillingSystem","BillingMode":"PAY_PER_REQUEST","KeySchema":[{"AttributeName":"PK","KeyType":"HASH"},{"AttributeName":"SK","KeyType":"RANGE"}],"AttributeDefinitions":[{"AttributeName":"PK","AttributeType":"S"},{"AttributeName":"SK","AttributeType":"S"},{"AttributeName":"GSI1PK","AttributeType":"S"},{"AttributeName":"GSI1SK","AttributeType":"S"}],"GlobalSecondaryIndexes":[{"IndexName":"GSI1","KeySchema":[{"AttributeName":"GSI1PK","KeyType":"HASH"},{"AttributeName":"GSI1SK","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"}}]}"#
                let created = try await client.dynamoDB(proxy.endpoint, "CreateTable", create)
                #expect(created.status == .ok)
                let createdDescription = try #require(created.json["TableDescription"] as? [String: Any])
                #expect(createdDescription["TableStatus"] as? String == "ACTIVE")

                let described = try await client.dynamoDB(proxy.endpoint, "DescribeTable", #"{"TableName":"BillingSystem"}"#)
                let table = try #require(described.json["Table"] as? [String: Any])
                #expect(table["TableName"] as? String == "BillingSystem")
                #expect(table["TableStatus"] as? String == "ACTIVE")
                #expect((table["KeySchema"] as? [[String: String]])?.map { $0["AttributeName"] ?? "" } == ["PK", "SK"])
                #expect((table["BillingModeSummary"] as? [String: String])?["BillingMode"] == "PAY_PER_REQUEST")
                let indexes = try #require(table["GlobalSecondaryIndexes"] as? [[String: Any]])
                #expect(indexes.map { $0["IndexName"] as? String } == ["GSI1"])
                #expect(indexes.map { $0["IndexStatus"] as? String } == ["ACTIVE"])

                let again = try await client.dynamoDB(proxy.endpoint, "CreateTable", create)
                #expect(again.errorType == "ResourceInUseException")

                let ttlOff = try await client.dynamoDB(proxy.endpoint, "DescribeTimeToLive", #"{"TableName":"BillingSystem"}"#)
                #expect((ttlOff.json["TimeToLiveDescription"] as? [String: String])?["TimeToLiveStatus"] == "DISABLED")
                let ttl = try await client.dynamoDB(proxy.endpoint, "UpdateTimeToLive", #"{"TableName":"BillingSystem","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"TTL"}}"#)
                #expect((ttl.json["TimeToLiveSpecification"] as? [String: Any])?["AttributeName"] as? String == "TTL")
                let ttlOn = try await client.dynamoDB(proxy.endpoint, "DescribeTimeToLive", #"{"TableName":"BillingSystem"}"#)
                #expect((ttlOn.json["TimeToLiveDescription"] as? [String: String]) == ["TimeToLiveStatus": "ENABLED", "AttributeName": "TTL"])

                let list = try await client.dynamoDB(proxy.endpoint, "ListTables", "{}")
                #expect(list.json["TableNames"] as? [String] == ["BillingSystem"])
            }
        }
    }

    @Test("tables given in the configuration exist from the start with the contract's schema")
    func preconfiguredTable() async throws {
        try await FaultProxy.withRunning(sink) { proxy in
            try await withTestClient { client in
                let described = try await client.dynamoDB(proxy.endpoint, "DescribeTable", #"{"TableName":"BillingSystem"}"#)
                let table = try #require(described.json["Table"] as? [String: Any])
                let indexes = (table["GlobalSecondaryIndexes"] as? [[String: Any]])?.compactMap { $0["IndexName"] as? String }
                #expect(indexes == ["GSI1", "GSI2"])
                let ttl = try await client.dynamoDB(proxy.endpoint, "DescribeTimeToLive", #"{"TableName":"BillingSystem"}"#)
                #expect((ttl.json["TimeToLiveDescription"] as? [String: String])?["AttributeName"] == "TTL")
            }
        }
    }

    @Test("reads find nothing: GetItem without Item, Query and Scan empty, BatchGetItem empty per table")
    func emptyReads() async throws {
        try await FaultProxy.withRunning(sink) { proxy in
            try await withTestClient { client in
                let get = try await client.dynamoDB(proxy.endpoint, "GetItem", #"{"TableName":"BillingSystem","Key":{"PK":{"S":"a"},"SK":{"S":"b"}}}"#)
                #expect(get.status == .ok)
                #expect(get.json["Item"] == nil)
                let query = try await client.dynamoDB(proxy.endpoint, "Query", #"{"TableName":"BillingSystem","KeyConditionExpression":"PK = :pk"}"#)
                #expect(query.json["Count"] as? Int == 0)
                #expect((query.json["Items"] as? [Any])?.isEmpty == true)
                let scan = try await client.dynamoDB(proxy.endpoint, "Scan", #"{"TableName":"BillingSystem"}"#)
                #expect(scan.json["ScannedCount"] as? Int == 0)
                let batchGet = try await client.dynamoDB(proxy.endpoint, "BatchGetItem", #"{"RequestItems":{"BillingSystem":{"Keys":[{"PK":{"S":"a"},"SK":{"S":"b"}}]}}}"#)
                #expect((batchGet.json["Responses"] as? [String: [Any]])?["BillingSystem"]?.isEmpty == true)
                #expect(get.headers["x-amz-crc32"] == [String(CRC32.checksum(get.body))])
            }
        }
    }

    @Test("a forwarding proxy in front of the sink: faults upstream of a checked, counting endpoint")
    func chained() async throws {
        let sinkConfiguration = FaultProxyConfiguration(mode: .sink(SinkConfiguration(signatureVerifier: HeaderSignatureVerifier())))
        try await FaultProxy.withRunning(sinkConfiguration) { sink in
            let front = FaultProxyConfiguration(
                mode: .forward(ForwardConfiguration(upstream: sink.endpoint)),
                faults: FaultConfiguration(unprocessedItemsShare: 0.5, seed: 11))
            try await FaultProxy.withRunning(front) { proxy in
                try await withTestClient { client in
                    var withheld = 0
                    for call in 0..<20 {
                        let body = DynamoDBJSON.batchWrite(keys: DynamoDBJSON.keys(10, prefix: "K\(call)#"))
                        let response = try await client.dynamoDB(proxy.endpoint, "BatchWriteItem", body, headers: [("X-Test-Signature", "good")])
                        #expect(response.status == .ok)
                        withheld += DynamoDBJSON.putKeys(in: response.json["UnprocessedItems"]).count
                    }
                    #expect(withheld > 0)
                    #expect(sink.stats.itemsWritten == 200 - withheld)
                    #expect(proxy.stats.itemsWritten == 200 - withheld)
                    #expect(sink.stats.signatureRejections == 0)
                }
            }
        }
    }
}
