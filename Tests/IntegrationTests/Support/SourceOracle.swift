import BillingModel
import DynamoDB
import DynamoDBModel
import MySQLSource
import Testing

/// What the table must hold given what MySQL holds now: every row of every
/// mapped table through the mapper, compared without the migration's version
/// attribute (a row loaded by the snapshot and one written by the stream carry
/// different versions but say the same thing). Independent of `validate`, so
/// the two check each other.
struct SourceOracle {
    var items: [ItemKey: Item] = [:]

    /// Reads every mapped table in full (test-sized databases only).
    init(connection: MySQLConnection, mapping: Mapping = .billing) async throws {
        let mapper = try ItemMapper(mapping: mapping)
        let database = await connection.configuration.database
        for table in mapping.tables {
            let columns = table.columns.map { PrimaryKeyChunkQuery.identifier($0.name) }.joined(separator: ", ")
            let sql = "SELECT \(columns) FROM \(PrimaryKeyChunkQuery.identifier(database)).\(PrimaryKeyChunkQuery.identifier(table.table))"
            for row in try await connection.query(sql).rows {
                let (key, item) = try mapper.item(table: table.table, row: row, version: "0")
                #expect(items[key] == nil, "two source rows map to \(key)")
                items[key] = Self.data(item)
            }
        }
    }

    /// The row items of the table: tracking items and tombstones left out,
    /// the version attribute dropped.
    static func scan(_ client: DynamoDBClient, table: String) async throws -> [ItemKey: Item] {
        var result: [ItemKey: Item] = [:]
        for item in try await client.parallelScanAll(ScanInput(tableName: table), totalSegments: 4) {
            let key = try #require(ItemKey(item: item))
            if key.pk == TrackingItem.partitionKey || item[MigrationAttribute.deleted] == .bool(true) { continue }
            #expect(result[key] == nil, "a key came back twice: \(key)")
            result[key] = data(item)
        }
        return result
    }

    static func data(_ item: Item) -> Item {
        var item = item
        item[MigrationAttribute.sourceVersion] = nil
        return item
    }

    /// Records each difference (the first `limit`) and returns how many there are.
    @discardableResult
    func verify(_ actual: [ItemKey: Item], limit: Int = 5, sourceLocation: SourceLocation = #_sourceLocation) -> Int {
        var differences: [String] = []
        for (key, expected) in items {
            guard let item = actual[key] else {
                differences.append("missing item \(key)")
                continue
            }
            if !ExpectedTable.equal(item, expected) {
                differences.append("item \(key) differs: got \(item), expected \(expected)")
            }
        }
        for key in actual.keys where items[key] == nil {
            differences.append("unexpected item \(key): \(actual[key]!)")
        }
        for difference in differences.prefix(limit) {
            Issue.record(Comment(rawValue: difference), sourceLocation: sourceLocation)
        }
        if differences.count > limit {
            Issue.record("… and \(differences.count - limit) more differences", sourceLocation: sourceLocation)
        }
        return differences.count
    }
}
