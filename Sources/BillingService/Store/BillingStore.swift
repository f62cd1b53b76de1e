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
/// epoch, then a hybrid logical clock in microseconds. Its ordering key starts
/// with `X`, which sorts after every `SourcePosition.orderingKey` (`0`, `B`,
/// `F`, `S`), so a late replicated change of the previous epoch never
/// overwrites an application write; issue 12 raises the epoch at every write
/// switch and prefixes replicated positions with it the same way.
public struct ApplicationVersion: Sendable, Hashable, Comparable {
    public var epoch: UInt32
    public var clock: UInt64

    public init(epoch: UInt32, clock: UInt64) {
        self.epoch = epoch
        self.clock = clock
    }

    public var orderingKey: String {
        let e = String(epoch)
        let c = String(clock)
        return "X" + String(repeating: "0", count: 10 - e.count) + e + String(repeating: "0", count: 20 - c.count) + c
    }

    public init?(orderingKey: String) {
        guard orderingKey.hasPrefix("X"), orderingKey.utf8.count == 31,
            let epoch = UInt32(orderingKey.dropFirst().prefix(10)), let clock = UInt64(orderingKey.suffix(20))
        else { return nil }
        self.init(epoch: epoch, clock: clock)
    }

    /// The smallest version after both this one and an existing item's (so a
    /// write always moves an item's version forward, whatever the clocks say).
    public func after(existing orderingKey: String?) -> ApplicationVersion {
        guard let orderingKey, let existing = ApplicationVersion(orderingKey: orderingKey), existing.epoch == epoch,
            existing.clock >= clock
        else { return self }
        return ApplicationVersion(epoch: epoch, clock: existing.clock + 1)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.orderingKey < rhs.orderingKey }
}
