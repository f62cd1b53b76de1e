import DynamoDBModel

/// A migration batch's progress record, kept in the target table itself:
/// `PK = MIGRATION#STATUS`, `SK = BATCH#{batch_id}` (CONTRACT §2).
///
/// Times are epoch milliseconds here and ISO-8601 UTC strings in the item
/// (`2024-01-15T10:22:31.120Z`); `TTL` is epoch seconds.
public struct TrackingItem: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, CaseIterable, Codable {
        case pending = "PENDING"
        case inProgress = "IN_PROGRESS"
        case completed = "COMPLETED"
        case failed = "FAILED"
    }

    public static let partitionKey = "MIGRATION#STATUS"
    public static let sortKeyPrefix = "BATCH#"

    /// The batch id; it must not be empty or contain `#`.
    public var batchId: String
    /// The source table (entity) the batch loads, e.g. `CHARGE`.
    public var entityType: String
    public var status: Status
    public var recordsProcessed: Int
    public var recordsFailed: Int
    public var startTimeMilliseconds: Int64?
    public var endTimeMilliseconds: Int64?
    public var errorDetails: String?
    /// Expiry in epoch seconds.
    public var ttl: Int64?

    public init(
        batchId: String,
        entityType: String,
        status: Status,
        recordsProcessed: Int = 0,
        recordsFailed: Int = 0,
        startTimeMilliseconds: Int64? = nil,
        endTimeMilliseconds: Int64? = nil,
        errorDetails: String? = nil,
        ttl: Int64? = nil
    ) {
        self.batchId = batchId
        self.entityType = entityType
        self.status = status
        self.recordsProcessed = recordsProcessed
        self.recordsFailed = recordsFailed
        self.startTimeMilliseconds = startTimeMilliseconds
        self.endTimeMilliseconds = endTimeMilliseconds
        self.errorDetails = errorDetails
        self.ttl = ttl
    }

    public var key: ItemKey {
        ItemKey(pk: Self.partitionKey, sk: Self.sortKeyPrefix + batchId)
    }

    /// Attribute names of a tracking item.
    public enum Attribute {
        public static let batchId = "BatchId"
        public static let entityType = "EntityType"
        public static let status = "Status"
        public static let recordsProcessed = "RecordsProcessed"
        public static let recordsFailed = "RecordsFailed"
        public static let startTime = "StartTime"
        public static let endTime = "EndTime"
        public static let errorDetails = "ErrorDetails"
        public static let ttl = "TTL"
    }

    /// The item; absent times, details and TTL are left out.
    public func item(
        partitionKeyAttribute: String = ItemKey.partitionKeyName, sortKeyAttribute: String = ItemKey.sortKeyName
    ) -> Item {
        var item: Item = [
            partitionKeyAttribute: .s(Self.partitionKey),
            sortKeyAttribute: .s(Self.sortKeyPrefix + batchId),
            Attribute.batchId: .s(batchId),
            Attribute.entityType: .s(entityType),
            Attribute.status: .s(status.rawValue),
            Attribute.recordsProcessed: .n(String(recordsProcessed)),
            Attribute.recordsFailed: .n(String(recordsFailed)),
        ]
        if let startTimeMilliseconds {
            item[Attribute.startTime] = .s(DateTimeText.iso8601(epochMilliseconds: startTimeMilliseconds))
        }
        if let endTimeMilliseconds {
            item[Attribute.endTime] = .s(DateTimeText.iso8601(epochMilliseconds: endTimeMilliseconds))
        }
        if let errorDetails { item[Attribute.errorDetails] = .s(errorDetails) }
        if let ttl { item[Attribute.ttl] = .n(String(ttl)) }
        return item
    }

    /// Reads a tracking item back; throws when it is not one or a field is malformed.
    public init(
        item: Item, partitionKeyAttribute: String = ItemKey.partitionKeyName,
        sortKeyAttribute: String = ItemKey.sortKeyName
    ) throws(TrackingItemError) {
        guard item[partitionKeyAttribute]?.stringValue == Self.partitionKey else {
            throw TrackingItemError(reason: "\(partitionKeyAttribute) is not `\(Self.partitionKey)`")
        }
        guard let sortKey = item[sortKeyAttribute]?.stringValue, sortKey.hasPrefix(Self.sortKeyPrefix) else {
            throw TrackingItemError(reason: "\(sortKeyAttribute) does not start with `\(Self.sortKeyPrefix)`")
        }
        func string(_ name: String) throws(TrackingItemError) -> String {
            guard let value = item[name]?.stringValue else {
                throw TrackingItemError(reason: "\(name) is missing or not a string")
            }
            return value
        }
        func integer(_ name: String) throws(TrackingItemError) -> Int64? {
            guard let value = item[name] else { return nil }
            guard let text = value.numberValue, let number = Int64(text) else {
                throw TrackingItemError(reason: "\(name) is not an integer number")
            }
            return number
        }
        func time(_ name: String) throws(TrackingItemError) -> Int64? {
            guard item[name] != nil else { return nil }
            guard let milliseconds = DateTimeText.epochMilliseconds(fromISO8601: try string(name)) else {
                throw TrackingItemError(reason: "\(name) is not an ISO-8601 UTC time")
            }
            return milliseconds
        }

        let batchId = try string(Attribute.batchId)
        guard sortKey == Self.sortKeyPrefix + batchId else {
            throw TrackingItemError(reason: "BatchId `\(batchId)` does not match \(sortKeyAttribute) `\(sortKey)`")
        }
        let statusText = try string(Attribute.status)
        guard let status = Status(rawValue: statusText) else {
            throw TrackingItemError(reason: "unknown Status `\(statusText)`")
        }
        guard let processed = try integer(Attribute.recordsProcessed), let failed = try integer(Attribute.recordsFailed)
        else { throw TrackingItemError(reason: "RecordsProcessed and RecordsFailed are required") }
        self.init(
            batchId: batchId,
            entityType: try string(Attribute.entityType),
            status: status,
            recordsProcessed: Int(processed),
            recordsFailed: Int(failed),
            startTimeMilliseconds: try time(Attribute.startTime),
            endTimeMilliseconds: try time(Attribute.endTime),
            errorDetails: item[Attribute.errorDetails] == nil ? nil : try string(Attribute.errorDetails),
            ttl: try integer(Attribute.ttl))
    }
}

public struct TrackingItemError: Error, Sendable, Hashable, CustomStringConvertible {
    public let reason: String

    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { "not a valid migration tracking item: \(reason)" }
}
