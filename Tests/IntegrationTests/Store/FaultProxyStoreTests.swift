import AWSCore
import DynamoDB
import DynamoDBModel
import FaultProxy
import Foundation
import Testing

/// The fault proxy's store mode against moto_server: the same writes to both, then the same
/// reads must answer the same items, page by page for Query and as sets for parallel Scan.
@Suite("FaultProxy store against moto_server")
struct FaultProxyStoreTests {
    /// Sort keys around the edges of begins_with and BETWEEN: prefixes, a prefix followed by
    /// DEL, multi-byte characters whose UTF-8 order differs from their UTF-16 order.
    static let sortKeys = [
        "A", "A#", "A#1", "A#10", "A#2", "A#9", "A#\u{7F}", "A$", "A#é", "A#\u{FF61}", "A#😀",
        "ACCOUNT", "B", "B#2024-01-01", "B#2024-01-31", "B#2024-02-01", "a", "é",
    ]
    static let numbers = ["-10", "-2.5", "-0.5", "0", "0.25", "1", "1.5", "2", "10", "100", "1e3", "12345678901234567890"]
    /// Binary values whose byte order matches the order of their base64 text, which is how
    /// moto orders binary (DynamoDB orders the bytes; the store-only check below covers that).
    static let binaries: [[UInt8]] = [[0x00], [0x00, 0x01], [0x01], [0x7F], [0x80], [0x80, 0x00], [0xCF]]

    static func contractItems() -> [Item] {
        var items: [Item] = []
        for partition in 1...4 {
            for (position, sortKey) in sortKeys.enumerated() {
                var item: Item = [
                    "PK": .s("BAN#\(partition)"), "SK": .s(sortKey),
                    "Amount": .n(numbers[(position + partition) % numbers.count]),
                    "Blob": .b(binaries[position % binaries.count]),
                    "Flags": .l([.bool(position % 2 == 0), .null]),
                    "Info": .m(["position": .n(String(position)), "name": .s("item \(position)")]),
                ]
                // Sparse indexes: not every item is in GSI1 or GSI2.
                if position % 3 != 0 {
                    item["GSI1PK"] = .s("SUB#\(position % 4)")
                    item["GSI1SK"] = .s("2024-01-\(String(format: "%02d", position + 1))#\(partition)")
                }
                if position % 2 == 0 {
                    item["GSI2PK"] = .s("CYCLE#\(partition % 2)")
                    item["GSI2SK"] = .s(sortKey)
                }
                items.append(item)
            }
        }
        return items
    }

    static func typedItems() -> [Item] {
        var items: [Item] = []
        for partition in 1...2 {
            for (position, number) in numbers.enumerated() {
                items.append([
                    "P": .s("P#\(partition)"), "N": .n(number),
                    "G": .s("G"), "GB": .b(binaries[position % binaries.count] + [UInt8(partition), UInt8(position)]),
                ])
            }
        }
        return items
    }

    /// `P` (S) and `N` (N) as the table's keys; index `ByBytes` on `G` (S) and `GB` (B).
    static func createTypedTable(_ client: DynamoDBClient) async throws {
        let body = #"""
            {"TableName":"Typed","BillingMode":"PAY_PER_REQUEST",
             "AttributeDefinitions":[{"AttributeName":"P","AttributeType":"S"},{"AttributeName":"N","AttributeType":"N"},
               {"AttributeName":"G","AttributeType":"S"},{"AttributeName":"GB","AttributeType":"B"}],
             "KeySchema":[{"AttributeName":"P","KeyType":"HASH"},{"AttributeName":"N","KeyType":"RANGE"}],
             "GlobalSecondaryIndexes":[{"IndexName":"ByBytes","KeySchema":[{"AttributeName":"G","KeyType":"HASH"},
               {"AttributeName":"GB","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"}}]}
            """#
        _ = try await client.call(.createTable, body: Array(body.utf8))
    }

    /// Writes the same things to a table set: batches of puts, a batch delete, an overwrite
    /// and conditional writes as billmig sends them. Returns the conditional outcomes.
    static func write(_ client: DynamoDBClient) async throws -> [ConditionalWriteOutcome] {
        _ = try await client.createTable(.billingSystem(name: "Store"))
        try await createTypedTable(client)
        for (table, items) in [("Store", contractItems()), ("Typed", typedItems())] {
            for start in stride(from: 0, to: items.count, by: 25) {
                let result = try await client.batchWriteItem(table, requests: items[start..<min(start + 25, items.count)].map { .put($0) })
                #expect(result.unprocessed.isEmpty)
            }
        }
        // An item deleted, an item overwritten.
        _ = try await client.batchWriteItem("Store", requests: [.delete(key: ["PK": .s("BAN#2"), "SK": .s("A#2")])])
        var overwritten = contractItems()[5]
        overwritten["Amount"] = .n("-99.5")
        overwritten["GSI1PK"] = .s("SUB#moved")
        overwritten["_v"] = .s("0002")
        try await client.putItem("Store", item: overwritten)

        // The stream's version check, and the repair's conditional delete.
        let newer = DynamoDB.Expression(
            "attribute_not_exists(#pk) OR #version < :version", names: ["#pk": "PK", "#version": "_v"], values: [":version": .s("0001")])
        var outcomes: [ConditionalWriteOutcome] = []
        outcomes.append(try await client.putItem("Store", item: overwritten.merging(["Amount": .n("1")]) { $1 }, condition: newer, returnExistingOnConditionFailure: true))
        let fresh: Item = ["PK": .s("BAN#9"), "SK": .s("ACCOUNT"), "_v": .s("0001")]
        outcomes.append(try await client.putItem("Store", item: fresh, condition: newer))
        let older = DynamoDB.Expression(
            "attribute_not_exists(#version) OR #version < :version", names: ["#version": "_v"], values: [":version": .s("0001")])
        outcomes.append(try await client.deleteItem("Store", key: ["PK": .s("BAN#1"), "SK": .s("A#")], condition: older))
        outcomes.append(try await client.deleteItem("Store", key: ["PK": .s("BAN#9"), "SK": .s("ACCOUNT")], condition: older, returnExistingOnConditionFailure: true))
        return outcomes
    }

    /// Every page of a query: its items and where the next starts. A last page that is
    /// empty is dropped with the key pointing at it: whether a page that reached its Limit
    /// at the end has a LastEvaluatedKey differs (DynamoDB always gives one, moto when
    /// another item of the partition follows, matching or not), and both are allowed.
    static func pages(_ client: DynamoDBClient, _ input: QueryInput) async throws -> [[Item?]] {
        var pages: [[Item?]] = []
        try await client.forEachQueryPage(input) { page in pages.append(page.items + [page.lastEvaluatedKey]) }
        if pages.count > 1, pages.last == [nil] {
            pages.removeLast()
            pages[pages.count - 1][pages[pages.count - 1].count - 1] = nil
        }
        return pages
    }

    static func queries() -> [QueryInput] {
        var inputs: [QueryInput] = []
        let names = ["#pk": "PK", "#sk": "SK"]
        let sortConditions: [(String, [String: AttributeValue])] = [
            ("", [:]),
            (" AND #sk = :a", [":a": .s("A#")]),
            (" AND #sk < :a", [":a": .s("A#2")]),
            (" AND #sk <= :a", [":a": .s("A#2")]),
            (" AND #sk > :a", [":a": .s("A#\u{7F}")]),
            (" AND #sk >= :a", [":a": .s("A$")]),
            (" AND #sk BETWEEN :a AND :b", [":a": .s("A#1"), ":b": .s("A#9")]),
            (" AND #sk BETWEEN :a AND :b", [":a": .s("A#"), ":b": .s("A#")]),
            (" AND #sk BETWEEN :a AND :b", [":a": .s("B#2024-01-01"), ":b": .s("B#2024-01-31")]),
            (" AND begins_with(#sk, :a)", [":a": .s("A#")]),
            (" AND begins_with(#sk, :a)", [":a": .s("A")]),
            (" AND begins_with(#sk, :a)", [":a": .s("A#1")]),
            (" AND begins_with(#sk, :a)", [":a": .s("é")]),
        ]
        for forward in [true, false] {
            for (condition, values) in sortConditions {
                for partition in ["BAN#1", "BAN#2"] {
                    inputs.append(QueryInput(
                        tableName: "Store", keyCondition: "#pk = :p" + condition, names: names,
                        values: values.merging([":p": .s(partition)]) { $1 }, limit: 3, scanIndexForward: forward))
                }
            }
            for index in ["GSI1", "GSI2"] {
                let indexNames = ["#pk": "\(index)PK", "#sk": "\(index)SK"]
                for partition in index == "GSI1" ? ["SUB#1", "SUB#2", "SUB#moved"] : ["CYCLE#0", "CYCLE#1"] {
                    inputs.append(QueryInput(
                        tableName: "Store", indexName: index, keyCondition: "#pk = :p", names: indexNames,
                        values: [":p": .s(partition)], limit: 2, scanIndexForward: forward))
                }
                let bound = index == "GSI1" ? "2024-01-05" : "A#"
                inputs.append(QueryInput(
                    tableName: "Store", indexName: index, keyCondition: "#pk = :p AND #sk >= :b", names: indexNames,
                    values: [":p": .s(index == "GSI1" ? "SUB#1" : "CYCLE#1"), ":b": .s(bound)], limit: 2, scanIndexForward: forward))
                inputs.append(QueryInput(
                    tableName: "Store", indexName: index, keyCondition: "#pk = :p AND begins_with(#sk, :b)", names: indexNames,
                    values: [":p": .s(index == "GSI1" ? "SUB#2" : "CYCLE#0"), ":b": .s(index == "GSI1" ? "2024-01-1" : "A#")], limit: 2, scanIndexForward: forward))
            }
            let typedNames = ["#p": "P", "#n": "N"]
            inputs.append(QueryInput(tableName: "Typed", keyCondition: "#p = :p", names: typedNames, values: [":p": .s("P#1")], limit: 5, scanIndexForward: forward))
            inputs.append(QueryInput(
                tableName: "Typed", keyCondition: "#p = :p AND #n BETWEEN :a AND :b", names: typedNames,
                values: [":p": .s("P#2"), ":a": .n("-2.5"), ":b": .n("10.0")], limit: 3, scanIndexForward: forward))
            inputs.append(QueryInput(
                tableName: "Typed", keyCondition: "#p = :p AND #n > :a", names: typedNames,
                values: [":p": .s("P#1"), ":a": .n("1.50")], limit: 4, scanIndexForward: forward))
            inputs.append(QueryInput(
                tableName: "Typed", indexName: "ByBytes", keyCondition: "#g = :g", names: ["#g": "G"],
                values: [":g": .s("G")], limit: 5, scanIndexForward: forward))
            inputs.append(QueryInput(
                tableName: "Typed", indexName: "ByBytes", keyCondition: "#g = :g AND begins_with(#b, :b)", names: ["#g": "G", "#b": "GB"],
                values: [":g": .s("G"), ":b": .b([0x80])], limit: 2, scanIndexForward: forward))
            inputs.append(QueryInput(
                tableName: "Typed", indexName: "ByBytes", keyCondition: "#g = :g AND #b < :b", names: ["#g": "G", "#b": "GB"],
                values: [":g": .s("G"), ":b": .b([0x7F])], limit: 3, scanIndexForward: forward))
        }
        // DynamoDB refuses placeholders an expression does not use.
        return inputs.map { input in
            var used = input
            used.names = input.names.filter { input.keyCondition.contains($0.key) }
            return used
        }
    }

    static func scans() -> [(input: ScanInput, segments: Int)] {
        [
            (ScanInput(tableName: "Store", limit: 7), 1),
            (ScanInput(tableName: "Store", limit: 4), 3),
            (ScanInput(tableName: "Store", indexName: "GSI1", limit: 5), 2),
            (ScanInput(tableName: "Store", indexName: "GSI2"), 4),
            (ScanInput(tableName: "Store", filter: "#sk = :account", names: ["#sk": "SK"], values: [":account": .s("ACCOUNT")], limit: 10), 2),
            (ScanInput(tableName: "Typed", limit: 3), 2),
            (ScanInput(tableName: "Typed", indexName: "ByBytes", limit: 6), 3),
        ]
    }

    /// A parallel scan's items per segment, after checking the segments' pages do not
    /// overlap and every page but the last respects the limit.
    static func parallelScan(_ client: DynamoDBClient, _ input: ScanInput, segments: Int) async throws -> [Item] {
        var all: [Item] = []
        for segment in 0..<segments {
            var segmentInput = input
            segmentInput.segment = segments > 1 ? segment : nil
            segmentInput.totalSegments = segments > 1 ? segments : nil
            try await client.forEachScanPage(segmentInput) { page in
                if let limit = input.limit { #expect(page.scannedCount <= limit) }
                all += page.items
            }
        }
        #expect(Set(all).count == all.count, "an item came twice in one full scan")
        return all
    }

    @Test("Query (table, both GSIs, both directions, across pages) and parallel Scan answer what moto answers")
    func storeAnswersAsMotoDoes() async throws {
        try await LocalAWS.withMotoServer(authenticated: false) { aws in
            let verifier = SigV4SignatureVerifier(credentials: [aws.credentials])
            let configuration = FaultProxyConfiguration(mode: .store(SinkConfiguration(signatureVerifier: verifier)))
            try await FaultProxy.withRunning(configuration) { proxy in
                var viaStore = aws.configuration
                viaStore.endpoints.serviceOverrides["DYNAMODB"] = AWSEndpoint(url: "http://127.0.0.1:\(proxy.port)")!
                try await AWSClient.withClient(aws.configuration) { motoAWS in
                    try await AWSClient.withClient(viaStore) { storeAWS in
                        let moto = DynamoDBClient(client: motoAWS)
                        let store = DynamoDBClient(client: storeAWS)
                        let motoOutcomes = try await Self.write(moto)
                        let storeOutcomes = try await Self.write(store)
                        #expect(storeOutcomes == motoOutcomes)
                        #expect(storeOutcomes.map(\.isApplied) == [false, true, true, false])

                        var pagesCompared = 0
                        for input in Self.queries() {
                            let expected = try await Self.pages(moto, input)
                            let answered = try await Self.pages(store, input)
                            #expect(answered == expected, "\(input.indexName ?? "table") \(input.keyCondition) \(input.values) forward \(input.scanIndexForward)")
                            pagesCompared += expected.count
                        }
                        #expect(pagesCompared > Self.queries().count, "no query crossed a page")

                        for (input, segments) in Self.scans() {
                            let expected = try await Self.parallelScan(moto, input, segments: segments)
                            let answered = try await Self.parallelScan(store, input, segments: segments)
                            #expect(Set(answered) == Set(expected), "scan \(input.tableName) \(input.indexName ?? "") \(segments) segments")
                            #expect(answered.count == expected.count)
                        }

                        let key: Item = ["PK": .s("BAN#3"), "SK": .s("A#😀")]
                        #expect(try await store.getItem("Store", key: key) == (try await moto.getItem("Store", key: key)))
                        #expect(try await store.getItem("Store", key: ["PK": .s("BAN#2"), "SK": .s("A#2")]) == nil)
                        #expect(proxy.stats.signatureRejections == 0)
                    }
                }
            }
        }
    }

    @Test("the store orders binary keys by their bytes, as DynamoDB does (moto orders their base64 text)")
    func binaryKeysSortByBytes() async throws {
        try await StoreProxy.withClient { aws in
            let client = DynamoDBClient(client: aws)
            try await Self.createTypedTable(client)
            let bytes: [[UInt8]] = [[0xFF], [0x00], [0x80], [0x7F], [0xFF, 0x00], [0xD0]]
            let items: [Item] = bytes.enumerated().map { ["P": .s("P"), "N": .n(String($0.offset)), "G": .s("G"), "GB": .b($0.element)] }
            _ = try await client.batchWriteItem("Typed", requests: items.map { .put($0) })
            let answered = try await client.queryAll(QueryInput(
                tableName: "Typed", indexName: "ByBytes", keyCondition: "G = :g", values: [":g": .s("G")], limit: 2))
            #expect(answered.map { $0["GB"] } == [[0x00], [0x7F], [0x80], [0xD0], [0xFF], [0xFF, 0x00]].map { AttributeValue.b($0) })
        }
    }
}
