import DynamoDBModel

/// A target that accepts everything and stores nothing: `load --dry-run`
/// measures reading and mapping alone.
public struct DiscardingWriteTarget: ItemWriteTarget {
    public init() {}
    public func batchPut(_ items: [Item]) async throws(WriteTargetError) -> [Item] { [] }
    public func batchPut(encoded requests: [EncodedPutRequest]) async throws(WriteTargetError) -> [Item] { [] }
    public func put(_ item: Item) async throws(WriteTargetError) {}
    public func putIfNewer(_ item: Item, version: String) async throws(WriteTargetError) -> VersionedWriteOutcome {
        .applied
    }
    public func tombstoneIfNewer(key: ItemKey, version: String, ttl: Int64) async throws(WriteTargetError)
        -> VersionedWriteOutcome
    { .applied }
}
