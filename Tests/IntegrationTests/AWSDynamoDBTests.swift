import AWSCore
import DynamoDB
import DynamoDBModel
import Foundation
import Testing
import AWSTestSupport

/// DynamoDBClient against moto with signature checking on.
@Suite("DynamoDB against moto")
struct AWSDynamoDBTests {
    static let table = "BillingSystem"

    /// Charges of two subscribers of one account, an account item, and bills.
    static func sampleItems() -> [Item] {
        var items: [Item] = [["PK": .s("BAN#00000000000000000007"), "SK": .s("ACCOUNT"), "EntityType": .s("BILLING_ACCOUNT"), "ban": .n("7")]]
        for day in 1...30 {
            for (index, subscriber) in ["4165550001", "4165550002"].enumerated() {
                let date = String(format: "2024-01-%02d", day)
                let seq = String(format: "%020d", day * 10 + index)
                items.append([
                    "PK": .s("BAN#00000000000000000007"), "SK": .s("CHARGE#\(seq)#A\(day)"),
                    "GSI1PK": .s("SUB#\(subscriber)"), "GSI1SK": .s("CHARGE#\(date)"),
                    "GSI2PK": .s("CHARGE#\(index == 0 ? "VOICE" : "DATA")"), "GSI2SK": .s(date),
                    "EntityType": .s("CHARGE"), "amount": .n("\(day).25"), "charge_creation_date": .s(date),
                    "description": .s("call, \"quoted\"\nline \(day) ✓"),
                ])
            }
        }
        for cycle in 1...3 {
            items.append([
                "PK": .s("BAN#00000000000000000007"), "SK": .s("BILL#000000000\(cycle)"),
                "GSI2PK": .s("BILL#MONTHLY"), "GSI2SK": .s("2024-0\(cycle)-28"), "EntityType": .s("BILL"),
            ])
        }
        return items
    }

    @Test func tableLifecycleWritesAndReads() async throws {
        try await LocalAWS.withMotoServer(authenticated: true) { env in
            try await AWSClient.withClient(env.configuration) { client in
                let dynamo = DynamoDBClient(client: client)

                // Create with GSIs, wait, TTL.
                let created = try await dynamo.createTable(.billingSystem(name: Self.table))
                #expect(created.name == Self.table)
                let active = try await dynamo.waitUntilActive(Self.table, timeout: .seconds(60), pollInterval: .milliseconds(200))
                #expect(active.isActive)
                #expect(active.partitionKey == "PK")
                #expect(active.sortKey == "SK")
                #expect(active.billingMode == .onDemand)
                #expect(Set(active.globalSecondaryIndexes.map(\.name)) == ["GSI1", "GSI2"])
                #expect(active.index("GSI1")?.partitionKey == "GSI1PK")
                #expect(active.index("GSI2")?.sortKey == "GSI2SK")
                try await dynamo.updateTimeToLive(Self.table, attributeName: "TTL")
                let ttl = try await dynamo.describeTimeToLive(Self.table)
                #expect(ttl.status == "ENABLED")
                #expect(ttl.attributeName == "TTL")
                let existsError = await #expect(throws: AWSError.self) { try await dynamo.createTable(.billingSystem(name: Self.table)) }
                #expect(existsError?.isResourceInUse == true)

                // Batch write: 64 items in three calls, plus deletes of two of them.
                let items = Self.sampleItems()
                let written = try await dynamo.batchWriteAll(Self.table, requests: items.map(WriteRequest.put))
                #expect(written.written == items.count)
                #expect(written.unwritten.isEmpty)
                #expect(written.calls == 3)
                let single = try await dynamo.batchWriteItem(Self.table, requests: [
                    .delete(key: ItemKey(pk: "BAN#00000000000000000007", sk: "BILL#0000000003").attributes),
                    .put(["PK": .s("BAN#00000000000000000008"), "SK": .s("ACCOUNT"), "ban": .n("8")]),
                ])
                #expect(single.unprocessed.isEmpty)
                #expect(try await dynamo.getItem(Self.table, key: ItemKey(pk: "BAN#00000000000000000007", sk: "BILL#0000000003").attributes) == nil)

                // Get, with consistent read and a projection.
                let key = ItemKey(pk: "BAN#00000000000000000007", sk: "CHARGE#00000000000000000050#A5").attributes
                let charge = try #require(try await dynamo.getItem(Self.table, key: key, consistentRead: true))
                #expect(charge["amount"] == .n("5.25"))
                #expect(charge["description"] == .s("call, \"quoted\"\nline 5 ✓"))
                let projected = try #require(try await dynamo.getItem(
                    Self.table, key: key, projection: Expression("#a, SK", names: ["#a": "amount"])))
                #expect(Set(projected.keys) == ["amount", "SK"])
                #expect(try await dynamo.getItem(Self.table, key: ItemKey(pk: "BAN#nobody", sk: "ACCOUNT").attributes) == nil)

                // Conditional writes: success, then ConditionalCheckFailed as an outcome.
                let versioned: Item = ["PK": .s("BAN#9"), "SK": .s("ACCOUNT"), "Version": .n("5")]
                let newerOnly = { (version: String) in
                    Expression("attribute_not_exists(PK) OR #v < :v", names: ["#v": "Version"], values: [":v": .n(version)])
                }
                #expect(try await dynamo.putItem(Self.table, item: versioned, condition: newerOnly("5")) == .applied)
                let stale = try await dynamo.putItem(
                    Self.table, item: versioned.merging(["Version": .n("4")]) { _, new in new }, condition: newerOnly("4"),
                    returnExistingOnConditionFailure: true)
                guard case .conditionFailed = stale else {
                    Issue.record("an older version overwrote a newer one: \(stale)")
                    return
                }
                #expect(try await dynamo.putItem(Self.table, item: versioned.merging(["Version": .n("6")]) { _, new in new }, condition: newerOnly("6")) == .applied)
                #expect(try await dynamo.getItem(Self.table, key: ItemKey(pk: "BAN#9", sk: "ACCOUNT").attributes)?["Version"] == .n("6"))

                // Delete: conditional miss, then hit.
                let deleteKey = ItemKey(pk: "BAN#9", sk: "ACCOUNT").attributes
                let missed = try await dynamo.deleteItem(Self.table, key: deleteKey, condition: Expression("#v = :v", names: ["#v": "Version"], values: [":v": .n("1")]))
                #expect(missed == .conditionFailed(existingItem: nil))
                #expect(try await dynamo.deleteItem(Self.table, key: deleteKey, condition: Expression("attribute_exists(PK)")) == .applied)
                #expect(try await dynamo.getItem(Self.table, key: deleteKey) == nil)

                // A malformed request is a typed client error.
                let invalid = await #expect(throws: AWSError.self) {
                    try await dynamo.query(QueryInput(tableName: Self.table, keyCondition: "PK = :missing"))
                }
                #expect(invalid?.isValidationError == true)
                #expect(invalid?.kind == .client)
            }
        }
    }

    @Test func queriesScansAndPagination() async throws {
        try await LocalAWS.withMotoServer(authenticated: true) { env in
            try await AWSClient.withClient(env.configuration) { client in
                let dynamo = DynamoDBClient(client: client)
                try await dynamo.createTable(.billingSystem(name: Self.table, billingMode: .provisioned(.init(readCapacityUnits: 5, writeCapacityUnits: 7))))
                let described = try await dynamo.waitUntilActive(Self.table, timeout: .seconds(60), pollInterval: .milliseconds(200))
                #expect(described.billingMode == .provisioned(.init(readCapacityUnits: 5, writeCapacityUnits: 7)))
                #expect(described.index("GSI1")?.provisionedThroughput == .init(readCapacityUnits: 5, writeCapacityUnits: 7))
                let items = Self.sampleItems()
                let written = try await dynamo.batchWriteAll(Self.table, requests: items.map(WriteRequest.put))
                #expect(written.unwritten.isEmpty)
                #expect(try await dynamo.describeTable(Self.table).itemCount == items.count)
                let account = ":pk"
                let accountKey: [String: AttributeValue] = [account: .s("BAN#00000000000000000007")]

                // Access pattern 1: the whole account, in pages of 7.
                var pages = 0
                var all: [Item] = []
                try await dynamo.forEachQueryPage(QueryInput(tableName: Self.table, keyCondition: "PK = :pk", values: accountKey, limit: 7)) { page in
                    pages += 1
                    all += page.items
                    #expect(page.items.count <= 7)
                }
                #expect(all.count == items.count)
                #expect(pages >= 9)
                let sortKeys = all.compactMap { $0["SK"]?.stringValue }
                #expect(sortKeys == sortKeys.sorted())

                // begins_with on the base table, and a filter.
                let bills = try await dynamo.queryAll(QueryInput(
                    tableName: Self.table, keyCondition: "PK = :pk AND begins_with(SK, :prefix)",
                    values: accountKey.merging([":prefix": .s("BILL#")]) { a, _ in a }))
                #expect(bills.count == 3)
                let bigCharges = try await dynamo.queryAll(QueryInput(
                    tableName: Self.table, keyCondition: "PK = :pk AND begins_with(SK, :prefix)", filter: "#amount > :min",
                    names: ["#amount": "amount"],
                    values: accountKey.merging([":prefix": .s("CHARGE#"), ":min": .n("25.5")]) { a, _ in a }))
                #expect(bigCharges.count == 10) // days 26...30, two subscribers

                // Access pattern 4: a subscriber's charges in a date range, GSI1 BETWEEN, paginated.
                var gsiPages = 0
                var ranged: [Item] = []
                try await dynamo.forEachQueryPage(QueryInput(
                    tableName: Self.table, indexName: "GSI1",
                    keyCondition: "GSI1PK = :sub AND GSI1SK BETWEEN :from AND :to",
                    values: [":sub": .s("SUB#4165550001"), ":from": .s("CHARGE#2024-01-10"), ":to": .s("CHARGE#2024-01-19")],
                    limit: 4)) { page in
                    gsiPages += 1
                    ranged += page.items
                }
                #expect(ranged.count == 10)
                #expect(gsiPages >= 3)
                #expect(ranged.allSatisfy { $0["GSI1PK"] == .s("SUB#4165550001") })
                #expect(ranged.first?["GSI1SK"] == .s("CHARGE#2024-01-10"))
                #expect(ranged.last?["GSI1SK"] == .s("CHARGE#2024-01-19"))

                // Access pattern 5 and 6: GSI2, descending.
                let monthly = try await dynamo.queryAll(QueryInput(
                    tableName: Self.table, indexName: "GSI2", keyCondition: "GSI2PK = :cycle AND GSI2SK BETWEEN :from AND :to",
                    values: [":cycle": .s("BILL#MONTHLY"), ":from": .s("2024-02-01"), ":to": .s("2024-03-31")], scanIndexForward: false))
                #expect(monthly.compactMap { $0["GSI2SK"]?.stringValue } == ["2024-03-28", "2024-02-28"])
                let data = try await dynamo.queryAll(QueryInput(
                    tableName: Self.table, indexName: "GSI2", keyCondition: "GSI2PK = :f AND GSI2SK BETWEEN :from AND :to",
                    values: [":f": .s("CHARGE#DATA"), ":from": .s("2024-01-01"), ":to": .s("2024-01-05")]))
                #expect(data.count == 5)

                // Count only.
                let counted = try await dynamo.query(QueryInput(tableName: Self.table, keyCondition: "PK = :pk", values: accountKey, select: "COUNT"))
                #expect(counted.count == items.count)
                #expect(counted.items.isEmpty)

                // Scans: paginated and parallel see every item exactly once.
                var scanned: [Item] = []
                try await dynamo.forEachScanPage(ScanInput(tableName: Self.table, limit: 10)) { scanned += $0.items }
                #expect(scanned.count == items.count)
                let parallel = try await dynamo.parallelScanAll(ScanInput(tableName: Self.table, limit: 9), totalSegments: 4)
                let keys = parallel.compactMap(ItemKey.init(item:))
                #expect(keys.count == items.count)
                #expect(Set(keys) == Set(items.compactMap(ItemKey.init(item:))))
                let segmentsSeen = Locked<Set<Int>>([])
                let perSegmentCount = Locked(0)
                try await dynamo.parallelScan(ScanInput(tableName: Self.table, filter: "EntityType = :t", values: [":t": .s("CHARGE")]), totalSegments: 3) { segment, page in
                    segmentsSeen.withLock { _ = $0.insert(segment) }
                    perSegmentCount.withLock { $0 += page.items.count }
                }
                #expect(perSegmentCount.current == 60)
                #expect(segmentsSeen.current == [0, 1, 2])
            }
        }
    }
}
