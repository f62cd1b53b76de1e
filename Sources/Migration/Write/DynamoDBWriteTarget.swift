import AWSCore
import BillingModel
import DynamoDB
import DynamoDBModel

/// The appliers' seam over the DynamoDB client: one table; batches of
/// unconditional puts for the full load, single puts conditional on the source
/// version for changes.
public struct DynamoDBWriteTarget: ItemWriteTarget {
    let client: DynamoDBClient
    let tableName: String
    let partitionKeyAttribute: String
    let sortKeyAttribute: String

    /// - Parameter aws: the client whose connections the writes share. Its retry loop
    ///   is not used for writes: the applier paces and retries them itself (with the
    ///   throttle in the loop), and a second, uncoordinated backoff underneath would
    ///   stall write slots and blur what the throttle measures.
    public init(
        aws: AWSClient, tableName: String,
        partitionKeyAttribute: String = ItemKey.partitionKeyName, sortKeyAttribute: String = ItemKey.sortKeyName
    ) {
        self.client = Self.unretriedClient(aws)
        let configuration = aws.configuration
        self.tableName = tableName
        self.partitionKeyAttribute = partitionKeyAttribute
        self.sortKeyAttribute = sortKeyAttribute
        self.targetDescription = "DynamoDB table \(tableName) at \(configuration.endpoint(for: .dynamoDB))"
    }

    public let targetDescription: String

    public func batchPut(_ items: [Item]) async throws(WriteTargetError) -> [Item] {
        do {
            return Self.unprocessedItems(try await client.batchWriteItem(tableName, requests: items.map(WriteRequest.put)))
        } catch {
            throw Self.classify(error, table: tableName, target: targetDescription)
        }
    }

    public func batchPut(encoded requests: [EncodedPutRequest]) async throws(WriteTargetError) -> [Item] {
        do {
            return Self.unprocessedItems(try await client.batchWriteItem(tableName, encodedPuts: requests))
        } catch {
            throw Self.classify(error, table: tableName, target: targetDescription)
        }
    }

    static func unprocessedItems(_ result: BatchWriteResult) -> [Item] {
        result.unprocessed.compactMap {
            if case .put(let item) = $0 { return item }
            return nil
        }
    }

    public func put(_ item: Item) async throws(WriteTargetError) {
        do {
            try await client.putItem(tableName, item: item)
        } catch {
            throw Self.classify(error, table: tableName, target: targetDescription)
        }
    }

    public func putIfNewer(_ item: Item, version: String) async throws(WriteTargetError) -> VersionedWriteOutcome {
        do {
            let outcome = try await client.putItem(tableName, item: item, condition: versionCondition(version))
            return outcome.isApplied ? .applied : .skippedNewer
        } catch {
            throw Self.classify(error, table: tableName, target: targetDescription)
        }
    }

    public func tombstoneIfNewer(key: ItemKey, version: String, ttl: Int64) async throws(WriteTargetError)
        -> VersionedWriteOutcome
    {
        let item = VersionedItems.tombstone(
            key: key, version: version, ttl: ttl,
            partitionKeyAttribute: partitionKeyAttribute, sortKeyAttribute: sortKeyAttribute)
        return try await putIfNewer(item, version: version)
    }

    /// No item at the key yet, or an older version there. A false condition means a
    /// newer change (or this one, replayed) is already applied.
    func versionCondition(_ version: String) -> DynamoDB.Expression {
        DynamoDB.Expression(
            "attribute_not_exists(#pk) OR #version < :version",
            names: ["#pk": partitionKeyAttribute, "#version": MigrationAttribute.sourceVersion],
            values: [":version": .s(version)])
    }

    /// A client on `aws`'s connections without its retry loop: the caller retries
    /// under the outage tolerance (the writes, the stream's read of the switch epochs).
    public static func unretriedClient(_ aws: AWSClient) -> DynamoDBClient {
        var configuration = aws.configuration
        configuration.retryPolicy = .none
        return DynamoDBClient(client: AWSClient(configuration: configuration, transport: aws.transport, logger: aws.logger))
    }

    /// AWS error kinds in the applier's terms. The AWS client has already spent
    /// its own retry attempts when an error reaches here.
    /// - Parameters: table, target: named in the message when the table is missing.
    static func classify(_ error: any Error, table: String? = nil, target: String? = nil) -> WriteTargetError {
        guard let error = error as? AWSError else {
            // Connection failures that never produced a response are transient.
            return WriteTargetError(.transient, String(describing: error))
        }
        if error.code == "ResourceNotFoundException" {
            return WriteTargetError(
                .missingTable,
                "\(target ?? "the table") does not exist (\(error.code)): create it with "
                    + "`billmig table create --table \(table ?? "NAME")`, or check the table name, the region and the endpoint")
        }
        switch error.kind {
        case .throttling: return WriteTargetError(.throttled, error.description)
        case .transient, .server: return WriteTargetError(.transient, error.description)
        case .client, .authentication: return WriteTargetError(.rejected, error.description)
        }
    }
}
