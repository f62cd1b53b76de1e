import AWSCore
import DynamoDBModel
import NIOCore
import NIOHTTP1

extension DynamoDBClient {
    // MARK: Single items

    /// Writes an item, conditionally when a condition is given. A false condition is
    /// an outcome, not an error; every other failure throws `AWSError`.
    @discardableResult
    public func putItem(
        _ tableName: String, item: Item, condition: Expression? = nil, returnExistingOnConditionFailure: Bool = false
    ) async throws -> ConditionalWriteOutcome {
        try await conditionalWrite(.putItem) { writer in
            writer.field("TableName", tableName)
            writer.key("Item")
            writer.item(item)
            Self.writeCondition(&writer, condition, returnExisting: returnExistingOnConditionFailure)
        }
    }

    /// Deletes an item by key, conditionally when a condition is given.
    @discardableResult
    public func deleteItem(
        _ tableName: String, key: Item, condition: Expression? = nil, returnExistingOnConditionFailure: Bool = false
    ) async throws -> ConditionalWriteOutcome {
        try await conditionalWrite(.deleteItem) { writer in
            writer.field("TableName", tableName)
            writer.key("Key")
            writer.item(key)
            Self.writeCondition(&writer, condition, returnExisting: returnExistingOnConditionFailure)
        }
    }

    private func conditionalWrite(_ operation: Operation, _ build: (inout JSONWriter) -> Void) async throws -> ConditionalWriteOutcome {
        do {
            _ = try await call(operation, build)
            return .applied
        } catch let error as AWSError where error.isConditionalCheckFailed {
            return .conditionFailed(existingItem: Self.existingItem(fromConditionFailure: error))
        }
    }

    /// The item DynamoDB returns with `ReturnValuesOnConditionCheckFailure=ALL_OLD`.
    private static func existingItem(fromConditionFailure error: AWSError) -> Item? {
        guard let body = error.responseBody, let json = try? JSONValue.parse(Array(body.readableBytesView)),
              let item = json["Item"] else { return nil }
        return try? DynamoDBJSON.item(from: item)
    }

    public func getItem(
        _ tableName: String, key: Item, consistentRead: Bool = false, projection: Expression? = nil
    ) async throws -> Item? {
        let (json, _) = try await call(.getItem) { writer in
            writer.field("TableName", tableName)
            writer.key("Key")
            writer.item(key)
            if consistentRead {
                writer.key("ConsistentRead")
                writer.bool(true)
            }
            if let projection {
                writer.field("ProjectionExpression", projection.text)
                Self.writePlaceholders(&writer, names: projection.names, values: [:])
            }
        }
        guard let item = json["Item"] else { return nil }
        return try DynamoDBJSON.item(from: item)
    }
}
