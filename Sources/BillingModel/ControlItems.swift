import DynamoDBModel

/// Items the billing service and the change stream share in the target table,
/// in the `MIGRATION#STATUS` partition so validation and the access patterns
/// never take them for data:
/// - `CONTROL#FLAGS`: the service's runtime flags, changed only by a
///   conditional update on `FlagsVersion`;
/// - `CONTROL#STREAM`: the forward change stream's applied position, written
///   at every checkpoint save, which read-your-writes compares writes against;
/// - `CONTROL#REVERSE`: reverse replication's progress and lag
///   (`ReverseStreamProgress`), which a rollback waits on;
/// - `CONTROL#CUTOVER` and `CONTROL#REPLICATION`: the cutover's state and which
///   stream it lets run.
public enum ControlItems {
    public static let partitionKey = TrackingItem.partitionKey
    public static let flagsSortKey = "CONTROL#FLAGS"
    public static let streamSortKey = "CONTROL#STREAM"
    /// The cutover's state and audit trail (`billmig cutover`), conditional on its `Revision`.
    public static let cutoverSortKey = "CONTROL#CUTOVER"
    /// Reverse replication's progress: `CaughtUpThrough` (milliseconds since 1970:
    /// every DynamoDB change made by then is in MySQL), optional `LagMilliseconds`,
    /// `Checkpoints` (a map of shard id to sequence number), `UpdatedAt`.
    public static let reverseSortKey = "CONTROL#REVERSE"
    /// Which stream runs (`ReplicationDirective`, JSON), conditional on its `Revision`;
    /// the streams following it acknowledge under `replicationSortKey#FORWARD` and `#REVERSE`.
    public static let replicationSortKey = "CONTROL#REPLICATION"

    /// The applied-position item: `Position` is a `SourcePosition.orderingKey`.
    public static func streamPosition(_ position: SourcePosition, updatedAt: String) -> Item {
        [
            ItemKey.partitionKeyName: .s(partitionKey),
            ItemKey.sortKeyName: .s(streamSortKey),
            "Position": .s(position.orderingKey),
            "UpdatedAt": .s(updatedAt),
        ]
    }
}
