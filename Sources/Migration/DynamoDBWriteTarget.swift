import AWSCore
import DynamoDB
import DynamoDBModel

/// The applier's seam over the DynamoDB client: one table, unconditional puts.
public struct DynamoDBWriteTarget: ItemWriteTarget {
    let client: DynamoDBClient
    let tableName: String

    /// - Parameter aws: the client whose connections the writes share. Its retry loop
    ///   is not used for writes: the applier paces and retries them itself (with the
    ///   throttle in the loop), and a second, uncoordinated backoff underneath would
    ///   stall write slots and blur what the throttle measures.
    public init(aws: AWSClient, tableName: String) {
        var configuration = aws.configuration
        configuration.retryPolicy = .none
        self.client = DynamoDBClient(client: AWSClient(configuration: configuration, transport: aws.transport, logger: aws.logger))
        self.tableName = tableName
    }

    public func batchPut(_ items: [Item]) async throws(WriteTargetError) -> [Item] {
        do {
            let result = try await client.batchWriteItem(tableName, requests: items.map(WriteRequest.put))
            return result.unprocessed.compactMap {
                if case .put(let item) = $0 { return item }
                return nil
            }
        } catch {
            throw Self.classify(error)
        }
    }

    public func put(_ item: Item) async throws(WriteTargetError) {
        do {
            try await client.putItem(tableName, item: item)
        } catch {
            throw Self.classify(error)
        }
    }

    /// AWS error kinds in the applier's terms. The AWS client has already spent
    /// its own retry attempts when an error reaches here.
    static func classify(_ error: any Error) -> WriteTargetError {
        guard let error = error as? AWSError else {
            // Connection failures that never produced a response are transient.
            return WriteTargetError(.transient, String(describing: error))
        }
        switch error.kind {
        case .throttling: return WriteTargetError(.throttled, error.description)
        case .transient, .server: return WriteTargetError(.transient, error.description)
        case .client, .authentication: return WriteTargetError(.rejected, error.description)
        }
    }
}
