import BillingModel
import DynamoDBModel
import MigrationCore
import Migration
import Synchronization

/// Paces batch writes per entity under a ceiling of table write units per
/// second (`load --plan`, `--entity-max-wcu`), so an entity whose index key
/// is hot is loaded no faster than that key's partition accepts, while the
/// other entities run at the load's own rate. A decorator over the target:
/// the load's adaptive throttle still sees every write's outcome.
public struct EntityPacedWriteTarget: ItemWriteTarget {
    let base: any ItemWriteTarget
    let buckets: SharedBuckets
    let clock: any Clock<Duration>
    let now: @Sendable () -> ContinuousClock.Instant

    public init(base: any ItemWriteTarget, limits: [String: Double]) {
        self.init(base: base, limits: limits, clock: ContinuousClock(), now: { ContinuousClock.now })
    }

    init(base: any ItemWriteTarget, limits: [String: Double], clock: any Clock<Duration>, now: @escaping @Sendable () -> ContinuousClock.Instant) {
        self.base = base
        self.clock = clock
        self.now = now
        let start = now()
        // One second of burst: a batch of 25 large items still fits a low rate's bucket over time.
        self.buckets = SharedBuckets(limits.filter { $0.value > 0 }.mapValues { TokenBucket(ratePerSecond: $0, burstSeconds: 1, now: start) })
    }

    /// How long a batch of this entity's items waits before it may be sent.
    func delay(for items: [Item]) -> Duration {
        guard let entity = items.first?[MigrationAttribute.entityType]?.stringValue, buckets.limited.contains(entity) else {
            return .zero
        }
        let units = items.reduce(0) { $0 + ItemSize.writeUnits(bytes: ItemSize.of($1)) }
        let instant = now()
        return buckets.state.withLock { $0[entity]!.reserve(Double(units), now: instant) }
    }

    public func batchPut(_ items: [Item]) async throws(WriteTargetError) -> [Item] {
        let wait = delay(for: items)
        if wait > .zero {
            do { try await clock.sleep(for: wait, tolerance: nil) } catch { throw WriteTargetError(.transient, "cancelled while pacing") }
        }
        return try await base.batchPut(items)
    }

    public func put(_ item: Item) async throws(WriteTargetError) {
        try await base.put(item)
    }

    public func putIfNewer(_ item: Item, version: String) async throws(WriteTargetError) -> VersionedWriteOutcome {
        try await base.putIfNewer(item, version: version)
    }

    public func tombstoneIfNewer(key: ItemKey, version: String, ttl: Int64) async throws(WriteTargetError) -> VersionedWriteOutcome {
        try await base.tombstoneIfNewer(key: key, version: version, ttl: ttl)
    }
}

/// The entities' buckets, shared by every copy of the target.
final class SharedBuckets: Sendable {
    let limited: Set<String>
    let state: Mutex<[String: TokenBucket]>

    init(_ buckets: [String: TokenBucket]) {
        limited = Set(buckets.keys)
        state = Mutex(buckets)
    }
}
