import DynamoDBModel

/// What a stream shows of a table's item changes (`StreamViewType`).
public enum StreamViewType: String, Sendable, Hashable {
    case keysOnly = "KEYS_ONLY"
    case newImage = "NEW_IMAGE"
    case oldImage = "OLD_IMAGE"
    case newAndOldImages = "NEW_AND_OLD_IMAGES"
}

public struct StreamSummary: Sendable, Hashable {
    public var streamArn: String
    public var tableName: String?
    public var streamLabel: String?
}

/// A shard of a stream. A closed shard has an ending sequence number; its
/// children (`parentShardId` = its id) continue the same items' changes.
public struct StreamShard: Sendable, Hashable {
    public var shardId: String
    public var parentShardId: String?
    public var startingSequenceNumber: String?
    public var endingSequenceNumber: String?

    public init(shardId: String, parentShardId: String?, startingSequenceNumber: String?, endingSequenceNumber: String?) {
        self.shardId = shardId
        self.parentShardId = parentShardId
        self.startingSequenceNumber = startingSequenceNumber
        self.endingSequenceNumber = endingSequenceNumber
    }

    public var isClosed: Bool { endingSequenceNumber != nil }
}

public struct StreamDescription: Sendable, Hashable {
    public var streamArn: String
    /// ENABLING, ENABLED, DISABLING, DISABLED.
    public var status: String
    public var viewType: StreamViewType?
    public var tableName: String?
    /// Every shard, all pages.
    public var shards: [StreamShard]
}

/// Where `GetShardIterator` starts reading a shard.
public enum ShardIteratorStart: Sendable, Hashable {
    /// The oldest record still kept (24 h).
    case trimHorizon
    case latest
    case atSequenceNumber(String)
    /// Just after a checkpoint.
    case afterSequenceNumber(String)
}

/// One item change.
public struct StreamRecord: Sendable, Hashable {
    public enum EventName: String, Sendable, Hashable {
        case insert = "INSERT"
        case modify = "MODIFY"
        case remove = "REMOVE"
    }

    public var eventID: String
    public var eventName: EventName
    public var sequenceNumber: String
    /// Seconds since 1970 (whole seconds on AWS).
    public var approximateCreationTime: Double?
    public var keys: Item
    public var newImage: Item?
    public var oldImage: Item?
    /// True when DynamoDB's TTL removed the item (a `userIdentity` of `dynamodb.amazonaws.com`).
    public var isTimeToLiveRemoval: Bool
}

public struct StreamRecordPage: Sendable, Hashable {
    public var records: [StreamRecord]
    /// nil: the shard is closed and read to its end.
    public var nextShardIterator: String?
}
