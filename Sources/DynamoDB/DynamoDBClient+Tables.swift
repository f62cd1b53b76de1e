import AWSCore
import DynamoDBModel
import NIOCore
import NIOHTTP1

extension DynamoDBClient {
    // MARK: Tables

    @discardableResult
    public func createTable(_ definition: TableDefinition) async throws -> TableDescription {
        let (json, _) = try await call(.createTable, body: Self.createTableBody(definition))
        return try Self.tableDescription(json["TableDescription"])
    }

    /// The `CreateTable` request body for `definition`. `billmig infra render` embeds the
    /// same JSON in the CloudFormation table, so the stack and `table create` cannot differ.
    public static func createTableBody(_ definition: TableDefinition) -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("TableName", definition.name)
        var attributes = [definition.partitionKey]
        if let sortKey = definition.sortKey { attributes.append(sortKey) }
        for index in definition.globalSecondaryIndexes {
            attributes.append(index.partitionKey)
            if let sortKey = index.sortKey { attributes.append(sortKey) }
        }
        var seen = Set<String>()
        writer.key("AttributeDefinitions")
        writer.beginArray()
        for name in attributes where seen.insert(name).inserted {
            writer.beginObject()
            writer.field("AttributeName", name)
            writer.field("AttributeType", "S")
            writer.endObject()
        }
        writer.endArray()
        writer.key("KeySchema")
        Self.writeKeySchema(&writer, partitionKey: definition.partitionKey, sortKey: definition.sortKey)
        var tableThroughput: ProvisionedThroughput?
        switch definition.billingMode {
        case .onDemand:
            writer.field("BillingMode", "PAY_PER_REQUEST")
        case .provisioned(let throughput):
            tableThroughput = throughput
            writer.field("BillingMode", "PROVISIONED")
            writer.key("ProvisionedThroughput")
            Self.writeThroughput(&writer, throughput)
        }
        if !definition.globalSecondaryIndexes.isEmpty {
            writer.key("GlobalSecondaryIndexes")
            writer.beginArray()
            for index in definition.globalSecondaryIndexes {
                writer.beginObject()
                writer.field("IndexName", index.name)
                writer.key("KeySchema")
                Self.writeKeySchema(&writer, partitionKey: index.partitionKey, sortKey: index.sortKey)
                writer.key("Projection")
                writer.beginObject()
                writer.field("ProjectionType", "ALL")
                writer.endObject()
                if let throughput = index.provisionedThroughput ?? tableThroughput {
                    writer.key("ProvisionedThroughput")
                    Self.writeThroughput(&writer, throughput)
                }
                writer.endObject()
            }
            writer.endArray()
        }
        writer.endObject()
        return writer.bytes
    }

    public func describeTable(_ tableName: String) async throws -> TableDescription {
        let (json, _) = try await call(.describeTable) { $0.field("TableName", tableName) }
        return try Self.tableDescription(json["Table"])
    }

    public func deleteTable(_ tableName: String) async throws {
        _ = try await call(.deleteTable) { $0.field("TableName", tableName) }
    }

    /// Table names, all pages.
    public func listTables() async throws -> [String] {
        var names: [String] = []
        var start: String?
        repeat {
            let (json, _) = try await call(.listTables) { writer in
                if let start { writer.field("ExclusiveStartTableName", start) }
            }
            names += json["TableNames"]?.arrayValue?.compactMap(\.stringValue) ?? []
            start = json["LastEvaluatedTableName"]?.stringValue
        } while start != nil
        return names
    }

    /// Polls `DescribeTable` until the table and all its indexes are ACTIVE.
    /// Throws `DynamoDBClientError` when `timeout` passes first.
    @discardableResult
    public func waitUntilActive(
        _ tableName: String, timeout: Duration = .seconds(600), pollInterval: Duration = .seconds(2)
    ) async throws -> TableDescription {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            let description = try await describeTable(tableName)
            if description.isActive { return description }
            guard clock.now + pollInterval <= deadline else {
                throw DynamoDBClientError(
                    "table \(tableName) not ACTIVE after \(timeout): table \(description.status), indexes "
                        + description.globalSecondaryIndexes.map { "\($0.name) \($0.status)" }.joined(separator: ", "))
            }
            try await client.clock.sleep(pollInterval)
        }
    }

    public func updateTimeToLive(_ tableName: String, attributeName: String, enabled: Bool = true) async throws {
        _ = try await call(.updateTimeToLive) { writer in
            writer.field("TableName", tableName)
            writer.key("TimeToLiveSpecification")
            writer.beginObject()
            writer.field("AttributeName", attributeName)
            writer.key("Enabled")
            writer.bool(enabled)
            writer.endObject()
        }
    }

    public func describeTimeToLive(_ tableName: String) async throws -> TimeToLiveDescription {
        let (json, _) = try await call(.describeTimeToLive) { $0.field("TableName", tableName) }
        let description = json["TimeToLiveDescription"]
        return TimeToLiveDescription(
            status: description?["TimeToLiveStatus"]?.stringValue ?? "DISABLED",
            attributeName: description?["AttributeName"]?.stringValue)
    }
}
