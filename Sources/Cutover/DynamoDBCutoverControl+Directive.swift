import BillingModel
import BillingStores
import CutoverCore
import DynamoDB
import DynamoDBModel
import Foundation

/// The replication directive (`CONTROL#REPLICATION`) and each follower's
/// acknowledgement (`CONTROL#REPLICATION#FORWARD`, `#REVERSE`), as JSON.
extension DynamoDBCutoverControl: ReplicationDirectiveStore {
    static func acknowledgementSortKey(_ stream: ReplicatedStream) -> String {
        ControlItems.replicationSortKey + "#" + stream.rawValue.uppercased()
    }

    public func loadDirective() async throws -> ReplicationDirective {
        let key = DynamoDBControlStore.key(ControlItems.replicationSortKey)
        guard let item = try await client.getItem(tableName, key: key, consistentRead: true) else { return .initial }
        return try Self.decoded(ReplicationDirective.self, item[Attribute.directive], item: ControlItems.replicationSortKey)
    }

    public func saveDirective(_ directive: ReplicationDirective) async throws {
        var item = DynamoDBControlStore.key(ControlItems.replicationSortKey)
        item[Attribute.revision] = .n(String(directive.revision))
        item[Attribute.directive] = .s(try Self.json(directive))
        item[Attribute.updatedAt] = .s(Self.now())
        let expected = directive.revision - 1
        let condition = DynamoDBControlStore.still(Attribute.revision, at: expected)
        guard try await client.putItem(tableName, item: item, condition: condition).isApplied else {
            throw CutoverExecutorError(
                "the replication directive moved under this command (expected revision \(expected)): another cutover command changed it; run `billmig cutover status`",
                isConflict: true)
        }
    }

    public func loadAcknowledgement(_ stream: ReplicatedStream) async throws -> ReplicationAcknowledgement? {
        let key = DynamoDBControlStore.key(Self.acknowledgementSortKey(stream))
        guard let item = try await client.getItem(tableName, key: key, consistentRead: true) else { return nil }
        return try Self.decoded(ReplicationAcknowledgement.self, item[Attribute.acknowledgement], item: Self.acknowledgementSortKey(stream))
    }

    public func saveAcknowledgement(_ acknowledgement: ReplicationAcknowledgement) async throws {
        var item = DynamoDBControlStore.key(Self.acknowledgementSortKey(acknowledgement.stream))
        item[Attribute.acknowledgement] = .s(try Self.json(acknowledgement))
        item[Attribute.updatedAt] = .s(Self.now())
        _ = try await client.putItem(tableName, item: item)
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decoded<T: Decodable>(_ type: T.Type, _ value: AttributeValue?, item: String) throws -> T {
        guard let json = value?.stringValue else {
            throw CutoverExecutorError("the control item \(item) was not written by billmig; remove it to start over")
        }
        do {
            return try JSONDecoder().decode(type, from: Data(json.utf8))
        } catch {
            throw CutoverExecutorError("the control item \(item) is unreadable (\(error)): it was not written by this billmig version")
        }
    }

    static func now() -> String {
        DateTimeText.iso8601(epochMilliseconds: Int64(Date().timeIntervalSince1970 * 1000))
    }
}
