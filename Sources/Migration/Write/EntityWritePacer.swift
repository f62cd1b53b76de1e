import MigrationCore
import Synchronization

/// Paces batch writes per entity under a ceiling of table write units per
/// second (`load --plan`, `--entity-max-wcu`), so an entity whose index key is
/// hot is loaded no faster than that key's partition accepts, while the other
/// entities run at the load's own rate. The batch applier asks it before every
/// call, from the puts' entities and write units, so the encoded requests go
/// out as they are (a decorator over the target would have to decode them to
/// find either); the adaptive throttle still sees every call's outcome.
public final class EntityWritePacer: Sendable {
    private let buckets: Mutex<[String: TokenBucket]>
    private let clock: any Clock<Duration>
    private let now: @Sendable () -> ContinuousClock.Instant

    /// `unitsPerSecond`: the ceilings by entity type; nil when there is none.
    public convenience init?(unitsPerSecond: [String: Double]) {
        self.init(unitsPerSecond: unitsPerSecond, clock: ContinuousClock(), now: { ContinuousClock.now })
    }

    init?(unitsPerSecond: [String: Double], clock: any Clock<Duration>, now: @escaping @Sendable () -> ContinuousClock.Instant) {
        let start = now()
        // One second of burst: a batch of 25 large items still fits a low rate's bucket over time.
        let buckets = unitsPerSecond.filter { $0.value > 0 }.mapValues { TokenBucket(ratePerSecond: $0, burstSeconds: 1, now: start) }
        guard !buckets.isEmpty else { return nil }
        self.buckets = Mutex(buckets)
        self.clock = clock
        self.now = now
    }

    /// How long a call writing `puts` waits before it is sent: the units of each
    /// limited entity among them are reserved in that entity's bucket.
    func delay(for puts: [PendingPut]) -> Duration {
        let instant = now()
        var wait = Duration.zero
        // A batch holds one table's rows, so nearly always one entity: summed by run.
        var index = puts.startIndex
        while index < puts.endIndex {
            let entity = puts[index].entity
            var units = 0
            while index < puts.endIndex, puts[index].entity == entity {
                units += puts[index].writeUnits
                index += 1
            }
            let reserved = buckets.withLock { $0[entity]?.reserve(Double(units), now: instant) }
            wait = max(wait, reserved ?? .zero)
        }
        return wait
    }

    /// Waits until a call writing `puts` may be sent.
    func admit(_ puts: [PendingPut]) async throws {
        let wait = delay(for: puts)
        if wait > .zero { try await clock.sleep(for: wait, tolerance: nil) }
    }
}
