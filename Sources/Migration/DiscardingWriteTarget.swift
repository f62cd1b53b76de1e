import DynamoDBModel

/// A target that accepts everything and stores nothing: `load --dry-run`
/// measures reading and mapping alone.
public struct DiscardingWriteTarget: ItemWriteTarget {
    public init() {}
    public func batchPut(_ items: [Item]) async throws(WriteTargetError) -> [Item] { [] }
    public func put(_ item: Item) async throws(WriteTargetError) {}
}
