import DynamoDBModel

/// Where reverse replication (`billmig reverse-stream`) stands, published for the
/// cutover commands: saved under the run's state (`reverse/progress.json`) and as
/// the control item `MIGRATION#STATUS / CONTROL#REVERSE` of the table, at every
/// checkpoint and when the run ends.
///
/// A rollback holds writes, then waits for `isDrained(since:)`: a round over
/// every shard that found nothing new, which began after writes were held (less
/// the stream's visibility margin), means every DynamoDB write is in MySQL.
/// DynamoDB Streams gives no backlog count, so the lag is measured in time
/// (`lagSeconds`) and by `caughtUp`.
public struct ReverseStreamProgress: Sendable, Hashable, Codable {
    public var streamArn: String
    /// The DynamoDB epoch whose writes are copied.
    public var epoch: SwitchEpoch
    /// Per shard, the sequence number of the last record applied (the checkpoint).
    public var checkpoints: [String: String]
    /// The last round read every shard to its end without finding a new record.
    public var caughtUp: Bool
    /// Every DynamoDB change made at or before this moment (milliseconds since
    /// 1970) is in MySQL: the start of the last caught-up round less
    /// `visibilityMargin`; and the same moment as ISO-8601 text.
    public var caughtUpThroughMilliseconds: Int64?
    public var caughtUpAt: String?
    /// Now minus the creation time of the newest record applied; 0 when caught up;
    /// nil before any record was seen.
    public var lagSeconds: Double?
    /// Records read from the stream and not yet committed to MySQL.
    public var pendingRecords: Int
    /// The newest applied record's `ApproximateCreationDateTime` (seconds since 1970).
    public var newestRecordSeconds: Double?
    public var records: Int
    public var rowWrites: Int
    public var deadLettered: Int
    public var updatedAtSeconds: Double
    public var updatedAt: String

    public init(
        streamArn: String, epoch: SwitchEpoch, checkpoints: [String: String] = [:], caughtUp: Bool = false,
        caughtUpThroughMilliseconds: Int64? = nil, caughtUpAt: String? = nil, lagSeconds: Double? = nil, pendingRecords: Int = 0,
        newestRecordSeconds: Double? = nil, records: Int = 0, rowWrites: Int = 0, deadLettered: Int = 0,
        updatedAtSeconds: Double, updatedAt: String
    ) {
        self.streamArn = streamArn
        self.epoch = epoch
        self.checkpoints = checkpoints
        self.caughtUp = caughtUp
        self.caughtUpThroughMilliseconds = caughtUpThroughMilliseconds
        self.caughtUpAt = caughtUpAt
        self.lagSeconds = lagSeconds
        self.pendingRecords = pendingRecords
        self.newestRecordSeconds = newestRecordSeconds
        self.records = records
        self.rowWrites = rowWrites
        self.deadLettered = deadLettered
        self.updatedAtSeconds = updatedAtSeconds
        self.updatedAt = updatedAt
    }

    /// How long a write may take to show in its stream: a round only vouches for
    /// changes made this much before it began (DynamoDB Streams is near real time,
    /// with no bound it promises).
    public static let visibilityMargin: Duration = .seconds(1)

    /// True when everything written at or before `pausedAtMilliseconds` (the
    /// moment writes were held) is in MySQL: the reverse lag is zero for them.
    public func isDrained(since pausedAtMilliseconds: Int64) -> Bool {
        guard let caughtUpThroughMilliseconds else { return false }
        return caughtUpThroughMilliseconds >= pausedAtMilliseconds
    }
}

extension ControlItems {
    /// The reverse stream's progress as its control item: `CaughtUpThrough` (N,
    /// milliseconds), `LagMilliseconds` (N), `Checkpoints` (M of S) and `UpdatedAt`
    /// (S), which `billmig cutover` reads, and the rest of `ReverseStreamProgress`.
    public static func reverseProgress(_ progress: ReverseStreamProgress) -> Item {
        var item: Item = [
            ItemKey.partitionKeyName: .s(partitionKey),
            ItemKey.sortKeyName: .s(reverseSortKey),
            "StreamArn": .s(progress.streamArn),
            "Epoch": .n(String(progress.epoch.number)),
            "Checkpoints": .m(progress.checkpoints.mapValues { .s($0) }),
            "CaughtUp": .bool(progress.caughtUp),
            "PendingRecords": .n(String(progress.pendingRecords)),
            "Records": .n(String(progress.records)),
            "RowWrites": .n(String(progress.rowWrites)),
            "DeadLettered": .n(String(progress.deadLettered)),
            "UpdatedAtSeconds": .n(String(progress.updatedAtSeconds)),
            "UpdatedAt": .s(progress.updatedAt),
        ]
        if let value = progress.caughtUpThroughMilliseconds { item["CaughtUpThrough"] = .n(String(value)) }
        if let value = progress.caughtUpAt { item["CaughtUpAt"] = .s(value) }
        if let value = progress.lagSeconds {
            item["LagSeconds"] = .n(String(value))
            item["LagMilliseconds"] = .n(String((value * 1000).rounded()))
        }
        if let value = progress.newestRecordSeconds { item["NewestRecordSeconds"] = .n(String(value)) }
        return item
    }

    /// Reads the control item back; nil when it is not a reverse progress item.
    public static func reverseProgress(from item: Item) -> ReverseStreamProgress? {
        func number(_ name: String) -> Double? { item[name]?.numberValue.flatMap(Double.init) }
        func integer(_ name: String) -> Int { item[name]?.numberValue.flatMap(Int.init) ?? 0 }
        guard item[ItemKey.sortKeyName]?.stringValue == reverseSortKey, let arn = item["StreamArn"]?.stringValue,
            let epoch = item["Epoch"]?.numberValue.flatMap(UInt32.init), let updatedAtSeconds = number("UpdatedAtSeconds")
        else { return nil }
        var checkpoints: [String: String] = [:]
        if case .m(let map)? = item["Checkpoints"] {
            for (shard, value) in map { if let sequence = value.stringValue { checkpoints[shard] = sequence } }
        }
        return ReverseStreamProgress(
            streamArn: arn, epoch: SwitchEpoch(epoch), checkpoints: checkpoints, caughtUp: item["CaughtUp"]?.boolValue ?? false,
            caughtUpThroughMilliseconds: item["CaughtUpThrough"]?.numberValue.flatMap(Int64.init), caughtUpAt: item["CaughtUpAt"]?.stringValue, lagSeconds: number("LagSeconds"),
            pendingRecords: integer("PendingRecords"), newestRecordSeconds: number("NewestRecordSeconds"), records: integer("Records"),
            rowWrites: integer("RowWrites"), deadLettered: integer("DeadLettered"), updatedAtSeconds: updatedAtSeconds,
            updatedAt: item["UpdatedAt"]?.stringValue ?? "")
    }
}
