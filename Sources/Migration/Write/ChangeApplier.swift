import Backoff
import BillingModel
import DynamoDBModel
import Logging
import MigrationCore

/// Applies the writes of source changes: writes to different keys in parallel,
/// writes to one key strictly in the order submitted, each conditional on its
/// source version (so a replayed or late change never overwrites a newer one),
/// paced by the shared throttle. Throttled and transient failures are retried
/// with backoff; a write that is rejected, or still throttled after the retry
/// budget while the table took nothing else, dead-letters its change with the reason. Nothing is dropped: every
/// submitted change settles as applied, skipped as stale, or dead-lettered.
///
/// Keys are spread over a fixed number of ordered lanes by a stable hash; each
/// lane is one task writing one item at a time, so a lane's order is its keys'
/// order. A primary-key change keeps both its writes (the tombstone at the old
/// key and the put at the new one), each in its key's lane; the change settles
/// when both have.
public struct ChangeApplier: Sendable {
    public struct Configuration: Sendable {
        /// Ordered lanes, and so writes in flight at once.
        public var lanes: Int
        /// Writes a lane may hold before the submitter waits (back-pressure).
        public var laneCapacity: Int
        /// Throttled attempts of one write in a row, while no other write was accepted,
        /// before its change is dead-lettered.
        public var maxAttempts: Int
        /// Exponential backoff with full jitter between attempts.
        public var backoffBase: Duration
        public var backoffCap: Duration
        /// How long transient failures (5xx, timeouts, a cut network) may last
        /// before the run stops; the checkpoints make the stop resumable.
        public var outageTolerance: Duration
        /// How long a tombstone lives (its `TTL`): it must outlast any replay of
        /// older changes of its key.
        public var tombstoneRetentionDays: Int

        public static let defaultTombstoneRetentionDays = 7

        public init(
            lanes: Int = 32,
            laneCapacity: Int = 128,
            maxAttempts: Int = 12,
            backoffBase: Duration = .milliseconds(25),
            backoffCap: Duration = .seconds(5),
            outageTolerance: Duration = .seconds(300),
            tombstoneRetentionDays: Int = Configuration.defaultTombstoneRetentionDays
        ) {
            self.lanes = max(1, lanes)
            self.laneCapacity = max(1, laneCapacity)
            self.maxAttempts = max(1, maxAttempts)
            self.backoffBase = backoffBase
            self.backoffCap = backoffCap
            self.outageTolerance = outageTolerance
            self.tombstoneRetentionDays = tombstoneRetentionDays
        }
    }

    let target: any ItemWriteTarget
    let throttle: WriteThrottle
    public let configuration: Configuration
    /// The clock tombstone expiry is computed from, in epoch seconds (the system
    /// clock unless a test sets one).
    let now: @Sendable () -> Int64

    /// Whether the table answers, shared by every lane.
    public let outage: TargetOutage

    /// - Parameter outage: shared with other writers of the run (a backfill's load); by default one of its own.
    public init(
        target: any ItemWriteTarget, throttle: WriteThrottle, configuration: Configuration = .init(),
        now: (@Sendable () -> Int64)? = nil, outage: TargetOutage? = nil
    ) {
        self.target = target
        self.throttle = throttle
        self.configuration = configuration
        self.now = now ?? { Timestamp.epochSeconds() }
        self.outage = outage ?? TargetOutage(tolerance: configuration.outageTolerance, target: target.targetDescription)
    }

    /// Starts the lanes, runs `body` (which submits changes through the submitter),
    /// then waits until every submitted write is done. The first failure (the
    /// table unreachable beyond the outage tolerance, or an error of `body`) stops
    /// everything and is thrown; what settled before stays in `tracker`.
    public func run<Mark: Sendable, Context: Sendable, Result: Sendable>(
        tracker: ChangeTracker<Mark, Context>,
        _ body: @escaping @Sendable (ChangeSubmitter<Mark, Context>) async throws -> Result
    ) async throws -> Result {
        let lanes = (0..<configuration.lanes).map { _ in ChangeLane(capacity: configuration.laneCapacity) }
        let submitter = ChangeSubmitter(tracker: tracker, lanes: lanes, keyLanes: KeyLanes(count: lanes.count))
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            for lane in lanes {
                group.addTask {
                    for await write in lane.writes {
                        let result = try await apply(write.op)
                        tracker.record(write.ticket, result)
                        lane.room.release()
                    }
                    return nil
                }
            }
            group.addTask {
                // The lanes end when their queues are drained after the last submission.
                defer { for lane in lanes { lane.finish() } }
                return try await body(submitter)
            }
            var result: Result?
            while let next = try await group.next() {
                if let next { result = next }
            }
            return result!
        }
    }

    /// One write, retried until it is applied, found stale, or given up on.
    func apply(_ write: WriteOp) async throws -> ChangeWriteResult {
        let units = Double(Self.writeUnits(write))
        // Throttled attempts in a row while the table took no other write: their budget
        // ends in a dead letter. A table that keeps taking other writes is busy, not
        // refusing this one (the same rule as the load's batches), so under sustained
        // throttling the stream slows down and lags instead of dead-lettering.
        // What the table had taken at the last throttle (read only then: the stream's
        // writes that are never throttled take no lock for it).
        var throttledWithoutProgress = 0
        var acceptedAtLastThrottle: Double?
        // Failed attempts in a row of any kind: the backoff grows with them.
        var failedAttempts = 0
        while true {
            try Task.checkCancellation()
            try await throttle.admit(units: units)
            do {
                let outcome: VersionedWriteOutcome
                switch write.action {
                case .put(let item):
                    outcome = try await target.putIfNewer(item, version: write.version)
                case .tombstone:
                    let ttl = now() + Int64(configuration.tombstoneRetentionDays) * 86_400
                    outcome = try await target.tombstoneIfNewer(key: write.key, version: write.version, ttl: ttl)
                }
                outage.succeeded()
                // A failed condition consumes write capacity too.
                throttle.observe(accepted: units, throttled: 0)
                return outcome == .applied ? .applied : .skippedStale
            } catch {
                try Task.checkCancellation()
                switch error.kind {
                case .throttled:
                    throttle.observe(accepted: 0, throttled: units)
                    failedAttempts += 1
                    let acceptedNow = throttle.acceptedUnits
                    if let before = acceptedAtLastThrottle, acceptedNow <= before {
                        throttledWithoutProgress += 1
                    } else {
                        throttledWithoutProgress = 1
                    }
                    acceptedAtLastThrottle = acceptedNow
                    if throttledWithoutProgress >= configuration.maxAttempts {
                        return Self.failed(
                            "\(write.key): still throttled after \(throttledWithoutProgress) attempts in a row while the table took no other write",
                            entity: write.entity)
                    }
                case .transient:
                    try outage.failed(error)
                    failedAttempts += 1
                case .missingTable:
                    throw error
                case .rejected:
                    return Self.failed("\(write.key): rejected by DynamoDB: \(error.message)", entity: write.entity)
                }
            }
            try await Task.sleep(for: backoff(attempt: max(1, failedAttempts)))
        }
    }

    /// Full jitter: uniformly random up to min(cap, base * 2^attempt).
    func backoff(attempt: Int) -> Duration {
        ExponentialBackoff(base: configuration.backoffBase, cap: configuration.backoffCap).jittered(afterAttempt: attempt + 1)
    }

    static let logger = Logger(label: "billmig.write")

    /// A write given up on: its change will be dead-lettered (and logged as such when stored).
    static func failed(_ reason: String, entity: String) -> ChangeWriteResult {
        logger.warning("change write failed", metadata: ["entity": .string(entity), "reason": .string(reason)])
        return .failed(reason: reason)
    }

    /// Write capacity units of a write: 1 per started KB of the item; a tombstone is small.
    static func writeUnits(_ write: WriteOp) -> Int {
        switch write.action {
        case .put(let item): return max(1, (ItemSize.of(item) + 1023) / 1024)
        case .tombstone: return 1
        }
    }
}

/// Hands changes to the lanes of a running `ChangeApplier`. Use it from one
/// task: the order of submissions is the order of writes to each key.
public struct ChangeSubmitter<Mark: Sendable, Context: Sendable>: Sendable {
    let tracker: ChangeTracker<Mark, Context>
    let lanes: [ChangeLane]
    let keyLanes: KeyLanes

    /// Submits the writes of one change (in their order: for a primary-key change
    /// the tombstone first). Waits while a lane it needs is full.
    public func submit(_ writes: [WriteOp], entity: String, mark: Mark, context: Context) async throws {
        guard !writes.isEmpty else {
            // Nothing to write (the mapper never returns this): the change counts as stale.
            let ticket = tracker.open(mark: mark, entity: entity, context: context, writes: 1)
            tracker.record(ticket, .skippedStale)
            return
        }
        let ticket = tracker.open(mark: mark, entity: entity, context: context, writes: writes.count)
        for write in writes {
            try await lanes[keyLanes.lane(for: write.key)].send(LaneWrite(ticket: ticket, op: write))
        }
    }

    /// A change that cannot be applied (unparsable, unmappable): dead-lettered
    /// with `reason`, in its place in the order.
    public func reject(entity: String, mark: Mark, context: Context, reason: String) {
        tracker.reject(mark: mark, entity: entity, context: context, reason: reason)
    }

    /// A mark with no change, such as the end of a file: it settles once every
    /// change submitted before it has.
    public func mark(_ mark: Mark) {
        tracker.mark(mark)
    }

    /// What settled since the last call (for checkpoints while the run goes on).
    public func takeSettled() -> [ChangeLedger<Mark, Context>.Settled] {
        tracker.takeSettled()
    }
}

struct LaneWrite: Sendable {
    var ticket: Int
    var op: WriteOp
}

/// One ordered lane: a FIFO of writes with room for `capacity` of them.
final class ChangeLane: Sendable {
    let writes: AsyncStream<LaneWrite>
    private let continuation: AsyncStream<LaneWrite>.Continuation
    /// Permits for queued and running writes; the lane releases one per write done.
    let room: ConcurrencyLimiter

    init(capacity: Int) {
        let (writes, continuation) = AsyncStream.makeStream(of: LaneWrite.self)
        self.writes = writes
        self.continuation = continuation
        room = ConcurrencyLimiter(limit: capacity)
    }

    func send(_ write: LaneWrite) async throws {
        try await room.acquire()
        continuation.yield(write)
    }

    func finish() {
        continuation.finish()
    }
}
