import AWSCore
import DynamoDB
import DynamoDBModel
import Testing
import AWSTestSupport

/// `batchWriteAll` against scripted answers: moto never leaves items unprocessed, so the
/// resubmission logic is driven here.
@Suite("DynamoDB batchWriteAll resubmission")
struct AWSDynamoDBBatchLogicTests {
    static func requests(_ count: Int) -> [WriteRequest] {
        (0..<count).map { index in
            index % 5 == 4
                ? .delete(key: ItemKey(pk: "BAN#\(index)", sk: "ACCOUNT").attributes)
                : .put(ItemKey(pk: "BAN#\(index)", sk: "ACCOUNT").attributes.merging(["n": .n("\(index)")]) { a, _ in a })
        }
    }

    /// An answer leaving the given requests unprocessed.
    static func unprocessed(_ requests: [WriteRequest]) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("UnprocessedItems")
        writer.beginObject()
        writer.key("T")
        writer.beginArray()
        for request in requests {
            writer.beginObject()
            switch request {
            case .put(let item):
                writer.key("PutRequest"); writer.beginObject(); writer.key("Item"); writer.item(item); writer.endObject()
            case .delete(let key):
                writer.key("DeleteRequest"); writer.beginObject(); writer.key("Key"); writer.item(key); writer.endObject()
            }
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        writer.key("ConsumedCapacity")
        writer.beginArray()
        writer.beginObject()
        writer.field("TableName", "T")
        writer.key("CapacityUnits")
        writer.number(requests.isEmpty ? 25 : 10)
        writer.endObject()
        writer.endArray()
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test func resendsUnprocessedItemsUntilWritten() async throws {
        let all = Self.requests(30)
        let transport = ScriptedTransport([
            ScriptedTransport.status(200, Self.unprocessed(Array(all[20..<25]))), // first 25: 5 left
            ScriptedTransport.status(200, Self.unprocessed(Array(all[23..<25]))), // resend 5: 2 left
            ScriptedTransport.status(200, Self.unprocessed([])),                  // resend 2: done
            ScriptedTransport.status(200, Self.unprocessed([])),                  // last 5
        ])
        let sleeps = Locked<[Duration]>([])
        let events = Locked<[BatchThrottleEvent]>([])
        let dynamo = DynamoDBClient(client: transport.client(sleeps: sleeps))
        let result = try await dynamo.batchWriteAll(
            "T", requests: all, policy: BatchResubmitPolicy(maxResubmissions: 5, baseDelay: .milliseconds(50), maxDelay: .seconds(1)),
            onThrottle: { event in events.withLock { $0.append(event) } })
        #expect(result.written == 30)
        #expect(result.unwritten.isEmpty)
        #expect(result.calls == 4)
        #expect(result.throttleEvents == 2)
        #expect(events.current.map(\.unprocessedCount) == [5, 2])
        #expect(sleeps.current == [.milliseconds(50), .milliseconds(100)])
        // What was resent is exactly what came back unprocessed.
        let bodies = transport.requestBodies
        #expect(bodies.count == 4)
        #expect(bodies[1].components(separatedBy: "PutRequest").count - 1 + bodies[1].components(separatedBy: "DeleteRequest").count - 1 == 5)
        #expect(bodies[2].contains("\"BAN#23\"") && bodies[2].contains("\"BAN#24\"") && !bodies[2].contains("\"BAN#22\""))
        #expect(bodies[3].contains("\"BAN#29\""))
    }

    @Test func returnsWhatIsLeftWhenTheBudgetIsSpent() async throws {
        let all = Self.requests(3)
        let stuck = Self.unprocessed(Array(all[1...]))
        let transport = ScriptedTransport(Array(repeating: ScriptedTransport.status(200, stuck), count: 3))
        let events = Locked<[BatchThrottleEvent]>([])
        let dynamo = DynamoDBClient(client: transport.client())
        let result = try await dynamo.batchWriteAll(
            "T", requests: all, policy: BatchResubmitPolicy(maxResubmissions: 2),
            onThrottle: { event in events.withLock { $0.append(event) } })
        #expect(result.written == 1)
        #expect(Set(result.unwritten) == Set(all[1...]))
        #expect(result.calls == 3)
        #expect(events.current.last?.delay == nil)
        #expect(result.lastError == nil)
    }

    @Test func aThrottledCallIsResentWhole() async throws {
        let all = Self.requests(4)
        let transport = ScriptedTransport([
            ScriptedTransport.status(400, #"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow"}"#),
            ScriptedTransport.status(200, Self.unprocessed([])),
        ])
        let events = Locked<[BatchThrottleEvent]>([])
        let dynamo = DynamoDBClient(client: transport.client(maxAttempts: 1))
        let result = try await dynamo.batchWriteAll("T", requests: all, onThrottle: { event in events.withLock { $0.append(event) } })
        #expect(result.written == 4)
        #expect(result.throttleEvents == 1)
        #expect(events.current.first?.error?.code == "ProvisionedThroughputExceededException")
        #expect(events.current.first?.unprocessedCount == 4)
    }

    @Test func aValidationErrorReturnsEverythingNotWrittenWithTheError() async throws {
        let all = Self.requests(60)
        let transport = ScriptedTransport([
            ScriptedTransport.status(200, Self.unprocessed([])),
            ScriptedTransport.status(400, #"{"__type":"com.amazon.coral.validate#ValidationException","message":"Provided list of item keys contains duplicates"}"#),
        ])
        let dynamo = DynamoDBClient(client: transport.client())
        let result = try await dynamo.batchWriteAll("T", requests: all)
        #expect(result.written == 25)
        #expect(result.unwritten == Array(all[25...]))
        #expect(result.lastError?.isValidationError == true)
    }

    @Test func refusesMoreThan25InOneCall() async throws {
        let dynamo = DynamoDBClient(client: ScriptedTransport([]).client())
        await #expect(throws: DynamoDBClientError.self) { try await dynamo.batchWriteItem("T", requests: Self.requests(26)) }
    }

    @Test func conditionFailureIsAnOutcomeWithTheExistingItem() async throws {
        let transport = ScriptedTransport([
            ScriptedTransport.status(400, #"{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed","Item":{"PK":{"S":"BAN#1"},"SK":{"S":"ACCOUNT"},"v":{"N":"9"}}}"#),
        ])
        let dynamo = DynamoDBClient(client: transport.client())
        let outcome = try await dynamo.putItem(
            "T", item: ["PK": .s("BAN#1"), "SK": .s("ACCOUNT"), "v": .n("5")],
            condition: Expression("attribute_not_exists(PK) OR #v < :v", names: ["#v": "v"], values: [":v": .n("5")]),
            returnExistingOnConditionFailure: true)
        #expect(outcome == .conditionFailed(existingItem: ["PK": .s("BAN#1"), "SK": .s("ACCOUNT"), "v": .n("9")]))
        let body = transport.requestBodies.first ?? ""
        #expect(body.contains(##""ConditionExpression":"attribute_not_exists(PK) OR #v < :v""##))
        #expect(body.contains(##""ExpressionAttributeNames":{"#v":"v"}"##))
        #expect(body.contains(#""ExpressionAttributeValues":{":v":{"N":"5"}}"#))
        #expect(body.contains(#""ReturnValuesOnConditionCheckFailure":"ALL_OLD""#))
    }
}
