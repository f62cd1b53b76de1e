import AWSCore
import Backoff
import DynamoDBModel

/// One element of a `BatchWriteItem` call.
public enum WriteRequest: Sendable, Hashable {
    case put(Item)
    case delete(key: Item)
}

/// A condition, key condition, filter or projection with the placeholders it uses.
public struct Expression: Sendable, Hashable {
    public var text: String
    /// `#name` placeholders to attribute names.
    public var names: [String: String]
    /// `:value` placeholders to values.
    public var values: [String: AttributeValue]

    public init(_ text: String, names: [String: String] = [:], values: [String: AttributeValue] = [:]) {
        self.text = text
        self.names = names
        self.values = values
    }
}

/// What a conditional write did.
public enum ConditionalWriteOutcome: Sendable, Hashable {
    case applied
    /// The condition was false, nothing was written. `existingItem` is the item that is
    /// there, when it was asked for and DynamoDB returned it.
    case conditionFailed(existingItem: Item?)

    public var isApplied: Bool { self == .applied }
}

public struct ProvisionedThroughput: Sendable, Hashable {
    public var readCapacityUnits: Int
    public var writeCapacityUnits: Int

    public init(readCapacityUnits: Int, writeCapacityUnits: Int) {
        self.readCapacityUnits = readCapacityUnits
        self.writeCapacityUnits = writeCapacityUnits
    }
}

public enum BillingMode: Sendable, Hashable {
    /// `PAY_PER_REQUEST`
    case onDemand
    /// `PROVISIONED` with the table's capacity (indexes default to the same).
    case provisioned(ProvisionedThroughput)
}

public struct GlobalSecondaryIndex: Sendable, Hashable {
    public var name: String
    public var partitionKey: String
    public var sortKey: String?
    /// Only used with provisioned billing; nil takes the table's.
    public var provisionedThroughput: ProvisionedThroughput?

    public init(name: String, partitionKey: String, sortKey: String?, provisionedThroughput: ProvisionedThroughput? = nil) {
        self.name = name
        self.partitionKey = partitionKey
        self.sortKey = sortKey
        self.provisionedThroughput = provisionedThroughput
    }
}

/// A table with string keys and indexes projecting all attributes.
public struct TableDefinition: Sendable, Hashable {
    public var name: String
    public var partitionKey: String
    public var sortKey: String?
    public var globalSecondaryIndexes: [GlobalSecondaryIndex]
    public var billingMode: BillingMode

    public init(
        name: String, partitionKey: String = "PK", sortKey: String? = "SK",
        globalSecondaryIndexes: [GlobalSecondaryIndex] = [], billingMode: BillingMode = .onDemand
    ) {
        self.name = name
        self.partitionKey = partitionKey
        self.sortKey = sortKey
        self.globalSecondaryIndexes = globalSecondaryIndexes
        self.billingMode = billingMode
    }

    /// The contract's single table: `PK`/`SK`, `GSI1` on `GSI1PK`/`GSI1SK`, `GSI2` on `GSI2PK`/`GSI2SK`.
    public static func billingSystem(name: String = "BillingSystem", billingMode: BillingMode = .onDemand) -> TableDefinition {
        TableDefinition(
            name: name,
            globalSecondaryIndexes: [
                GlobalSecondaryIndex(name: "GSI1", partitionKey: "GSI1PK", sortKey: "GSI1SK"),
                GlobalSecondaryIndex(name: "GSI2", partitionKey: "GSI2PK", sortKey: "GSI2SK"),
            ],
            billingMode: billingMode)
    }
}

/// `CREATING`, `ACTIVE`, ... kept open for values this code does not know.
public struct ResourceStatus: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let creating = ResourceStatus(rawValue: "CREATING")
    public static let active = ResourceStatus(rawValue: "ACTIVE")
    public static let updating = ResourceStatus(rawValue: "UPDATING")
    public static let deleting = ResourceStatus(rawValue: "DELETING")
    public var description: String { rawValue }
}

public struct IndexDescription: Sendable, Hashable {
    public var name: String
    public var status: ResourceStatus
    public var partitionKey: String?
    public var sortKey: String?
    public var itemCount: Int?
    public var provisionedThroughput: ProvisionedThroughput?
    /// True while DynamoDB fills a new index from existing items.
    public var isBackfilling: Bool
}

public struct TableDescription: Sendable, Hashable {
    public var name: String
    public var arn: String?
    public var status: ResourceStatus
    public var partitionKey: String?
    public var sortKey: String?
    /// Approximate: DynamoDB refreshes it about every six hours.
    public var itemCount: Int?
    public var sizeBytes: Int?
    /// `onDemand` or `provisioned` with the table's capacity.
    public var billingMode: BillingMode
    public var globalSecondaryIndexes: [IndexDescription]
    /// The table's current stream (`LatestStreamArn`) when one is enabled, and what it shows.
    public var latestStreamArn: String? = nil
    public var streamViewType: StreamViewType? = nil

    /// The table and all its indexes are ACTIVE.
    public var isActive: Bool {
        status == .active && globalSecondaryIndexes.allSatisfy { $0.status == .active && !$0.isBackfilling }
    }

    public func index(_ name: String) -> IndexDescription? {
        globalSecondaryIndexes.first { $0.name == name }
    }

    /// The write units per second a provisioned table takes: the least of the
    /// table's and its indexes' (a write to the table also writes each index
    /// that projects the item, from the index's own capacity). Nil on demand.
    public var provisionedWriteCapacity: Int? {
        guard case .provisioned(let throughput) = billingMode, throughput.writeCapacityUnits > 0 else { return nil }
        let indexes = globalSecondaryIndexes.compactMap { $0.provisionedThroughput?.writeCapacityUnits }.filter { $0 > 0 }
        return ([throughput.writeCapacityUnits] + indexes).min()
    }
}

public struct TimeToLiveDescription: Sendable, Hashable {
    /// `ENABLED`, `ENABLING`, `DISABLED`, `DISABLING`.
    public var status: String
    public var attributeName: String?
}

/// A page of Query or Scan results.
public struct ItemPage: Sendable {
    public var items: [Item]
    /// Where the next page starts; nil on the last page.
    public var lastEvaluatedKey: Item?
    public var count: Int
    public var scannedCount: Int
    public var consumedCapacity: Double?
}

/// A Query or Scan request, which pages with `ExclusiveStartKey`.
public protocol PagedInput: Sendable {
    var exclusiveStartKey: Item? { get set }
}

public struct QueryInput: PagedInput {
    public var tableName: String
    public var indexName: String?
    public var keyCondition: String
    public var filter: String?
    public var projection: String?
    /// Placeholders of every expression of the query.
    public var names: [String: String]
    public var values: [String: AttributeValue]
    /// Items evaluated per page (before the filter).
    public var limit: Int?
    public var consistentRead: Bool
    public var scanIndexForward: Bool
    public var exclusiveStartKey: Item?
    /// `COUNT` to get counts only; nil for items.
    public var select: String?

    public init(
        tableName: String, indexName: String? = nil, keyCondition: String, filter: String? = nil,
        projection: String? = nil, names: [String: String] = [:], values: [String: AttributeValue] = [:],
        limit: Int? = nil, consistentRead: Bool = false, scanIndexForward: Bool = true,
        exclusiveStartKey: Item? = nil, select: String? = nil
    ) {
        self.tableName = tableName
        self.indexName = indexName
        self.keyCondition = keyCondition
        self.filter = filter
        self.projection = projection
        self.names = names
        self.values = values
        self.limit = limit
        self.consistentRead = consistentRead
        self.scanIndexForward = scanIndexForward
        self.exclusiveStartKey = exclusiveStartKey
        self.select = select
    }
}

public struct ScanInput: PagedInput {
    public var tableName: String
    public var indexName: String?
    public var filter: String?
    public var projection: String?
    public var names: [String: String]
    public var values: [String: AttributeValue]
    public var limit: Int?
    public var consistentRead: Bool
    public var exclusiveStartKey: Item?
    /// For a parallel scan: this worker's segment of `totalSegments`.
    public var segment: Int?
    public var totalSegments: Int?
    public var select: String?

    public init(
        tableName: String, indexName: String? = nil, filter: String? = nil, projection: String? = nil,
        names: [String: String] = [:], values: [String: AttributeValue] = [:], limit: Int? = nil,
        consistentRead: Bool = false, exclusiveStartKey: Item? = nil, segment: Int? = nil,
        totalSegments: Int? = nil, select: String? = nil
    ) {
        self.tableName = tableName
        self.indexName = indexName
        self.filter = filter
        self.projection = projection
        self.names = names
        self.values = values
        self.limit = limit
        self.consistentRead = consistentRead
        self.exclusiveStartKey = exclusiveStartKey
        self.segment = segment
        self.totalSegments = totalSegments
        self.select = select
    }
}

/// One `BatchWriteItem` call's answer.
public struct BatchWriteResult: Sendable {
    /// Requests DynamoDB did not apply (throttled): send them again.
    public var unprocessed: [WriteRequest]
    public var consumedCapacity: Double?
    public var stats: AWSCallStats
}

/// How `batchWriteAll` resends unprocessed requests.
public struct BatchResubmitPolicy: Sendable, Hashable {
    /// Resubmissions after the first call; then what is left is returned.
    public var maxResubmissions: Int
    /// Full jitter: `random × min(maxDelay, baseDelay × 2^(n-1))` before resubmission n.
    public var baseDelay: Duration
    public var maxDelay: Duration

    public init(maxResubmissions: Int = 10, baseDelay: Duration = .milliseconds(50), maxDelay: Duration = .seconds(5)) {
        self.maxResubmissions = maxResubmissions
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    public func delay(beforeResubmission attempt: Int, random: Double) -> Duration {
        ExponentialBackoff(base: baseDelay, cap: maxDelay).jittered(afterAttempt: attempt, random: random)
    }
}

/// A moment `batchWriteAll` met throttling, reported as it happens.
public struct BatchThrottleEvent: Sendable {
    /// Requests left unprocessed by the call (all of them when the call failed).
    public var unprocessedCount: Int
    public var submittedCount: Int
    /// Set when the whole call failed with a throttling or transient error.
    public var error: AWSError?
    /// 1 for the first resubmission that follows.
    public var resubmission: Int
    /// nil when the retry budget is spent and the rest is returned.
    public var delay: Duration?
}

/// What `batchWriteAll` achieved. Nothing is dropped: every request is either
/// counted in `written` or returned in `unwritten`.
public struct BatchWriteAllResult: Sendable {
    public var written: Int
    public var unwritten: [WriteRequest]
    /// Why `unwritten` is not empty: the last error, or nil when the budget ran out on
    /// unprocessed items.
    public var lastError: AWSError?
    /// Calls that came back with unprocessed items or a throttling error, plus throttled
    /// HTTP attempts the AWS client retried inside calls.
    public var throttleEvents: Int
    public var calls: Int
    public var consumedCapacity: Double
}

/// A request this client refuses to send, or a response it cannot read.
public struct DynamoDBClientError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "DynamoDB client: \(message)" }
}
