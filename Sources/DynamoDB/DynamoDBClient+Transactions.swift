import AWSCore
import DynamoDBModel
import NIOCore

extension DynamoDBClient {
    /// One put of a `TransactWriteItems` call, conditional when a condition is given.
    public struct TransactPut: Sendable {
        public var item: Item
        public var condition: Expression?

        public init(item: Item, condition: Expression? = nil) {
            self.item = item
            self.condition = condition
        }
    }

    /// Writes up to 100 puts atomically: all or none. A failed condition on any
    /// of them (or a conflicting transaction) is `.conditionFailed`, not an error.
    @discardableResult
    public func transactWriteItems(_ tableName: String, puts: [TransactPut]) async throws -> ConditionalWriteOutcome {
        do {
            _ = try await call(.transactWriteItems) { writer in
                writer.key("TransactItems")
                writer.beginArray()
                for put in puts {
                    writer.beginObject()
                    writer.key("Put")
                    writer.beginObject()
                    writer.field("TableName", tableName)
                    writer.key("Item")
                    writer.item(put.item)
                    Self.writeCondition(&writer, put.condition, returnExisting: false)
                    writer.endObject()
                    writer.endObject()
                }
                writer.endArray()
            }
            return .applied
        } catch let error as AWSError where error.code == "TransactionCanceledException" && Self.cancelledByCondition(error) {
            return .conditionFailed(existingItem: nil)
        }
    }

    /// Whether a cancelled transaction failed a condition (rather than being
    /// throttled or conflicting with another transaction, which a retry can fix).
    static func cancelledByCondition(_ error: AWSError) -> Bool {
        let text = error.responseBody.map { String(buffer: $0) } ?? error.description
        return text.contains("ConditionalCheckFailed")
    }
}
