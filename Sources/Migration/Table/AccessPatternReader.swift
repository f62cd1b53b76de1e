import BillingModel
import DynamoDB
import DynamoDBModel

/// Answers the contract's access patterns from the table: the key queries of
/// `AccessPattern` sent as Query (paginated) or, for one entity, GetItem.
/// Tombstones are never returned.
public struct AccessPatternReader: Sendable {
    let client: DynamoDBClient
    let tableName: String

    public init(client: DynamoDBClient, tableName: String) {
        self.client = client
        self.tableName = tableName
    }

    public func items(_ pattern: AccessPattern) async throws -> [Item] {
        if case .accountEntity(let ban, let sortKey) = pattern {
            let key = ItemKey(pk: "BAN#\(ban)", sk: sortKey)
            guard let item = try await client.getItem(tableName, key: key.attributes),
                  item[MigrationAttribute.deleted] == nil else { return [] }
            return [item]
        }
        var items: [Item] = []
        for query in pattern.queries {
            items += try await client.queryAll(QueryInput(
                tableName: tableName,
                indexName: query.table.indexName,
                keyCondition: query.keyConditionExpression,
                filter: query.filterExpression,
                names: query.expressionAttributeNames,
                values: query.expressionAttributeValues.mapValues(AttributeValue.s)))
        }
        return items
    }

    /// Some billing account in the table (for demos): scans until an account item shows up.
    public func anyAccount() async throws -> UInt64? {
        var found: UInt64?
        do {
            try await client.forEachScanPage(ScanInput(
            tableName: tableName, filter: "#sk = :account", names: ["#sk": "SK"], values: [":account": .s("ACCOUNT")],
            limit: 200
            )) { page in
                if let ban = page.items.first?["ban"]?.numberValue { found = UInt64(ban) }
                if found != nil { throw StopScan() }
            }
        } catch is StopScan {}
        return found
    }

    private struct StopScan: Error {}
}
