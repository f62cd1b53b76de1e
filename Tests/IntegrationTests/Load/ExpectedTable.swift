import AWSCore
import BillingModel
import DynamoDB
import DynamoDBModel
import SampleData
import Testing

/// What the table must hold after loading a generated data set: the mapper's item
/// of every good row, and nothing else but tracking items.
struct ExpectedTable {
    var items: [ItemKey: Item] = [:]

    init(_ data: SampleDataSet, mapping: Mapping = .billing) throws {
        let mapper = try ItemMapper(mapping: mapping)
        let bad = Set(data.badRows.map(\.values))
        for table in SampleTable.allCases {
            for row in data.rows(of: table) where !bad.contains(row) {
                let (key, item) = try mapper.item(table: table.name, row: row, version: "0")
                items[key] = item
            }
        }
    }

    /// Every data item of the table (tracking items left out), by parallel Scan.
    static func scan(_ client: DynamoDBClient, table: String) async throws -> [ItemKey: Item] {
        var result: [ItemKey: Item] = [:]
        for item in try await client.parallelScanAll(ScanInput(tableName: table), totalSegments: 4) {
            let key = try #require(ItemKey(item: item))
            if key.pk == TrackingItem.partitionKey { continue }
            #expect(result[key] == nil, "a key came back twice: \(key)")
            result[key] = item
        }
        return result
    }

    /// The table as `scan` reads it, plus any expected item the Scan did not return
    /// but a consistent GetItem finds: moto_server's paginated parallel Scan has been
    /// seen one item short after a killed load, and a row that is in the table is not
    /// lost. Each such item is printed, so the emulator's miss stays visible.
    func scanConfirmingMisses(_ client: DynamoDBClient, table: String) async throws -> [ItemKey: Item] {
        var actual = try await Self.scan(client, table: table)
        for key in items.keys where actual[key] == nil {
            if let item = try await client.getItem(table, key: [ItemKey.partitionKeyName: .s(key.pk), ItemKey.sortKeyName: .s(key.sk)], consistentRead: true) {
                print("ExpectedTable: the Scan of \(table) did not return \(key); GetItem found it")
                actual[key] = item
            }
        }
        return actual
    }

    /// Compares the table to the expectation, numbers as decimal values; records at
    /// most a few differences so a failure stays readable.
    func verify(_ actual: [ItemKey: Item], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.count == items.count, "items in the table vs expected", sourceLocation: sourceLocation)
        var reported = 0
        for (key, expected) in items where reported < 5 {
            guard let item = actual[key] else {
                Issue.record("missing item \(key)", sourceLocation: sourceLocation)
                reported += 1
                continue
            }
            if !Self.equal(item, expected) {
                Issue.record("item \(key) differs: got \(item), expected \(expected)", sourceLocation: sourceLocation)
                reported += 1
            }
        }
        for key in actual.keys where items[key] == nil && reported < 5 {
            Issue.record("unexpected item \(key)", sourceLocation: sourceLocation)
            reported += 1
        }
    }

    static func equal(_ lhs: Item, _ rhs: Item) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (name, value) in lhs {
            guard let other = rhs[name] else { return false }
            switch (value, other) {
            case (.n(let a), .n(let b)): if !DecimalText.equal(a, b) { return false }
            default: if value != other { return false }
            }
        }
        return true
    }
}
