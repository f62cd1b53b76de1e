/// Where a read goes, decided from the flags, the breakers and what this
/// instance (or the client) wrote that replication has not yet passed. Pure.
public struct ReadRouting: Sendable {
    public enum Decision: Sendable, Hashable {
        /// Serve from `store`; when `shadowCompare`, also compare against DynamoDB off the request path.
        case serve(StoreName, shadowCompare: Bool, reason: Reason)
        /// Neither store may answer correctly now: 503 with `Retry-After`.
        case unavailable(retryAfter: Duration, reason: String)
    }

    public enum Reason: String, Sendable, Hashable {
        case readMode = "read_mode"
        /// Routed to the write primary until replication passes a recent write.
        case readYourWrites = "read_your_writes"
        /// DynamoDB's breaker is open and MySQL is the primary: graceful degradation.
        case fallback
    }

    /// The store holding every acknowledged write. While writes are paused the
    /// primary is still MySQL: the cutover flips it after the pause (issue 12).
    public static func primary(_ flags: ServiceFlags) -> StoreName {
        flags.writePrimary == .dynamodb ? .dynamodb : .mysql
    }

    public static func decide(
        flags: ServiceFlags,
        unreplicatedWrite: Bool,
        refusing: (StoreName) -> Duration?,
        sampled: Bool
    ) -> Decision {
        let primary = primary(flags)
        var store: StoreName = flags.readMode == .dynamodb ? .dynamodb : .mysql
        var reason = Reason.readMode
        if store != primary && unreplicatedWrite {
            store = primary
            reason = .readYourWrites
        }
        if let retryAfter = refusing(store) {
            // Only the primary has every write; the other store may serve only
            // when it is MySQL while MySQL is primary, i.e. never wrong data.
            if store == .dynamodb && primary == .mysql && refusing(.mysql) == nil {
                return .serve(.mysql, shadowCompare: false, reason: .fallback)
            }
            return .unavailable(retryAfter: retryAfter, reason: "the \(store.rawValue) store's circuit breaker is open")
        }
        let compare = flags.readMode == .shadow && store == .mysql && sampled && refusing(.dynamodb) == nil
        return .serve(store, shadowCompare: compare, reason: reason)
    }
}

/// The partition keys this instance wrote under, with the replication
/// position each write needs before the other store shows it. Pure.
///
/// Bounded: past `capacity` keys (replication stalled under many writes) the
/// keys are dropped for one position that holds every read back until
/// replication passes it: coarser, never wrong.
public struct RecentWrites: Sendable {
    private var pending: [String: ReplicationPosition] = [:]
    private var everything: ReplicationPosition?
    private var highest: ReplicationPosition?
    public let capacity: Int

    public init(capacity: Int = 100_000) { self.capacity = capacity }

    public mutating func record(partitionKeys: some Sequence<String>, at position: ReplicationPosition) {
        highest = max(highest ?? position, position)
        for key in partitionKeys {
            if let existing = pending[key], position <= existing { continue }
            pending[key] = position
        }
        if pending.count > capacity {
            pending = [:]
            everything = highest
        }
    }

    /// Whether a read of these partition keys could miss a write, given the applied position.
    /// The keys are computed only when some write is pending (every read asks).
    public func isUnreplicated(_ partitionKeys: @autoclosure () -> [String], replicated: ReplicationPosition?) -> Bool {
        func passed(_ needed: ReplicationPosition) -> Bool { replicated.map { !($0 < needed) } ?? false }
        if let everything, !passed(everything) { return true }
        guard !pending.isEmpty else { return false }
        return partitionKeys().contains { key in pending[key].map { !passed($0) } ?? false }
    }

    /// Forgets writes replication has passed.
    public mutating func prune(replicated: ReplicationPosition) {
        pending = pending.filter { replicated < $0.value }
        if let position = everything, !(replicated < position) { everything = nil }
    }

    public var count: Int { pending.count }
}
