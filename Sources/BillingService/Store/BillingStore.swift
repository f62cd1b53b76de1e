import BillingModel

/// One store the service reads and writes: MySQL (blue) or DynamoDB (green).
/// Both answer every access pattern with the same records in the same order
/// and the same pages, and apply a write atomically.
public protocol BillingStore: Sendable {
    var name: StoreName { get }

    /// At most `limit` records after `after`, in `PagePosition` order.
    func page(_ query: BillingQuery, after: PagePosition?, limit: Int) async throws(StoreError) -> StorePage

    /// Applies a write atomically; conflicting or impossible writes throw `.notFound` / `.conflict`.
    func execute(_ write: BillingWrite, context: WriteContext) async throws(StoreError) -> WriteReceipt

    /// A cheap round trip (readiness).
    func ping() async throws(StoreError)
}

/// What a write needs besides its content: the time to stamp and the version for items.
public struct WriteContext: Sendable, Hashable {
    public var now: BillingTimestamp
    public var version: ApplicationVersion

    public init(now: BillingTimestamp, version: ApplicationVersion) {
        self.now = now
        self.version = version
    }
}

/// An acknowledged write: the partition keys it touched (for invalidation and
/// read-your-writes) and, from MySQL, the binlog position replication must pass
/// before DynamoDB shows it.
public struct WriteReceipt: Sendable, Hashable {
    public var records: [BillingRecord]
    public var partitionKeys: Set<String>
    public var position: ReplicationPosition?

    public init(records: [BillingRecord], partitionKeys: Set<String>, position: ReplicationPosition?) {
        self.records = records
        self.partitionKeys = partitionKeys
        self.position = position
    }
}

/// Why a store call failed, in the terms the service answers with.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// 404: a row the write or read needs does not exist.
        case notFound
        /// 409: the write conflicts with the current state (exists already, changed meanwhile).
        case conflict
        /// 400: the write's content is invalid for the schema.
        case invalid
        /// 503: the store did not answer; counts against its breaker.
        case unavailable
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// Whether the failure says the store is unhealthy (not the request).
    public var countsAgainstStore: Bool { kind == .unavailable }
}

/// The version an application write gives its items in DynamoDB: the switch
/// epoch, then a hybrid logical clock in microseconds, as the one version order
/// has it (`ItemVersion` with `.applicationClock`: `V` + epoch + `A` + clock).
/// The epoch comes first, so a MySQL change of a later epoch (after a rollback)
/// wins over this write, and this write over every replicated change of an
/// earlier epoch; within the epoch the clock orders the service's writes.
public struct ApplicationVersion: Sendable, Hashable, Comparable {
    public var epoch: UInt32
    public var clock: UInt64

    public init(epoch: UInt32, clock: UInt64) {
        self.epoch = epoch
        self.clock = clock
    }

    public var itemVersion: ItemVersion {
        ItemVersion(epoch: SwitchEpoch(epoch), position: .applicationClock(clock))
    }

    public var orderingKey: String { itemVersion.orderingKey }

    /// The application write a stored `SourceVersion` names; nil for a replicated change's key.
    public init?(orderingKey: String) {
        guard let version = ItemVersion(applicationWriteKey: orderingKey), case .applicationClock(let clock) = version.position
        else { return nil }
        self.init(epoch: version.epoch.number, clock: clock)
    }

    /// The smallest version after both this one and an existing item's (so a
    /// write always moves an item's version forward, whatever the clocks say).
    public func after(existing orderingKey: String?) -> ApplicationVersion {
        guard let orderingKey, let existing = ApplicationVersion(orderingKey: orderingKey), existing.epoch == epoch,
            existing.clock >= clock
        else { return self }
        return ApplicationVersion(epoch: epoch, clock: existing.clock + 1)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.itemVersion < rhs.itemVersion }
}
