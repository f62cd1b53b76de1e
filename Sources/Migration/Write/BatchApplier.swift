import Backoff
import BillingModel
import DynamoDBModel
import Logging
import MigrationCore

/// Writes batches of full-load items: paced by the throttle, unprocessed items
/// resent with backoff, a rejected batch split to find the bad item. Every item
/// ends written or returned as failed with its reason: none is dropped.
public struct BatchApplier: Sendable {
    public struct Configuration: Sendable {
        /// Calls in a row that may write none of the items left before those are
        /// dead-lettered (a call that writes some starts the count again).
        public var maxAttempts: Int
        /// Exponential backoff with full jitter between resubmissions.
        public var backoffBase: Duration
        public var backoffCap: Duration
        /// How long transient failures (5xx, timeouts, a cut network) may last
        /// before the load stops; the checkpoints make the stop resumable.
        public var outageTolerance: Duration

        public init(
            maxAttempts: Int = 12,
            backoffBase: Duration = .milliseconds(25),
            backoffCap: Duration = .seconds(5),
            outageTolerance: Duration = .seconds(300)
        ) {
            self.maxAttempts = maxAttempts
            self.backoffBase = backoffBase
            self.backoffCap = backoffCap
            self.outageTolerance = outageTolerance
        }
    }

    public struct Outcome: Sendable {
        /// Puts written: counted, not kept (a load writes millions, and only counts them).
        public var written = 0
        public var failed: [(put: PendingPut, reason: String)] = []
        /// A backfill's puts not made because the table holds a newer version (`BackfillWrites`).
        public var keptNewer: [PendingPut] = []
        /// Calls sent again after throttling or a transient failure.
        public var resubmissions = 0
    }

    static let logger = Logger(label: "billmig.write")

    let target: any ItemWriteTarget
    let throttle: WriteThrottle
    /// Per-entity ceilings (`load --plan`), before the throttle; nil: none.
    let pacer: EntityWritePacer?
    let configuration: Configuration
    /// Whether the table answers, shared by every batch of the run.
    public let outage: TargetOutage

    /// - Parameter outage: shared with the other appliers of the run; by default one of its own.
    public init(
        target: any ItemWriteTarget, throttle: WriteThrottle, pacer: EntityWritePacer? = nil, configuration: Configuration = .init(),
        outage: TargetOutage? = nil
    ) {
        self.target = target
        self.throttle = throttle
        self.pacer = pacer
        self.configuration = configuration
        self.outage = outage ?? TargetOutage(tolerance: configuration.outageTolerance, target: target.targetDescription)
    }

    /// Writes a batch; one that needed resubmissions or left items failed is
    /// logged (with the batch id of the caller's `LogContext`).
    public func apply(_ batch: [PendingPut]) async throws -> Outcome {
        var outcome = Outcome()
        try await apply(batch, into: &outcome)
        if !outcome.failed.isEmpty {
            Self.logger.warning("batch items failed (dead-lettered)", metadata: [
                "items": .stringConvertible(batch.count), "failed": .stringConvertible(outcome.failed.count),
                "resubmissions": .stringConvertible(outcome.resubmissions), "reason": .string(outcome.failed[0].reason),
            ])
        } else if outcome.resubmissions > 0 {
            Self.logger.info("batch written after resubmissions (throttled or transient failures)", metadata: [
                "items": .stringConvertible(batch.count), "resubmissions": .stringConvertible(outcome.resubmissions),
            ])
        }
        return outcome
    }

    private func apply(_ batch: [PendingPut], into outcome: inout Outcome) async throws {
        var remaining = batch
        // Calls in a row that wrote nothing (throttled): their budget ends in dead letters.
        // A call that wrote part of the batch starts it again: a table that takes some of
        // every call is busy, not refusing these items, and a load into a table at its
        // capacity must slow down, not dead-letter.
        var attempt = 0
        // Consecutive failed calls of any kind: the backoff grows with them.
        var failures = 0

        while !remaining.isEmpty {
            let units = Double(remaining.reduce(0) { $0 + $1.writeUnits })
            try await pacer?.admit(remaining)
            try await throttle.admit(units: units)
            do {
                let unprocessed = try await target.batchPut(encoded: remaining.map(\.request))
                outage.succeeded()
                let left = Self.pending(remaining, matching: unprocessed)
                let leftUnits = Double(left.reduce(0) { $0 + $1.writeUnits })
                throttle.observe(accepted: units - leftUnits, throttled: leftUnits)
                // `left` is the part of `remaining` not written (a batch's keys are distinct).
                outcome.written += remaining.count - left.count
                if left.isEmpty {
                    return
                } else if left.count < remaining.count {
                    failures = 0
                    attempt = 0
                } else {
                    attempt += 1
                }
                remaining = left
                if remaining.isEmpty { return }
            } catch {
                switch error.kind {
                case .throttled:
                    throttle.observe(accepted: 0, throttled: units)
                    attempt += 1
                case .transient:
                    try outage.failed(error)
                case .missingTable:
                    throw error
                case .rejected:
                    guard remaining.count > 1 else {
                        outcome.failed.append((remaining[0], "rejected by DynamoDB: \(error.message)"))
                        return
                    }
                    // One bad item fails the whole call: write them one by one to find it.
                    for put in remaining {
                        try await apply([put], into: &outcome)
                    }
                    return
                }
            }
            if attempt >= configuration.maxAttempts {
                for put in remaining {
                    outcome.failed.append((put, "still unprocessed (throttled) after \(attempt) calls in a row that wrote none of them"))
                }
                return
            }
            failures += 1
            outcome.resubmissions += 1
            try await Task.sleep(for: backoff(attempt: failures))
        }
    }

    /// One bookkeeping item (a unit's tracking item): paced by the throttle and
    /// retried like a batch, so a table at its capacity delays it instead of
    /// ending the load on the client's last retry.
    public func put(_ item: Item) async throws {
        let units = Double(max(1, (ItemSize.of(item) + 1023) / 1024))
        var attempt = 0
        while true {
            try await throttle.admit(units: units)
            do {
                try await target.put(item)
                outage.succeeded()
                throttle.observe(accepted: units, throttled: 0)
                return
            } catch {
                switch error.kind {
                case .throttled:
                    throttle.observe(accepted: 0, throttled: units)
                    if attempt + 1 >= configuration.maxAttempts { throw error }
                case .transient:
                    try outage.failed(error)
                case .rejected, .missingTable:
                    throw error
                }
            }
            attempt += 1
            try await Task.sleep(for: backoff(attempt: attempt))
        }
    }

    /// Full jitter: uniformly random up to min(cap, base * 2^attempt).
    func backoff(attempt: Int) -> Duration {
        ExponentialBackoff(base: configuration.backoffBase, cap: configuration.backoffCap).jittered(afterAttempt: attempt + 1)
    }

    /// The pending puts whose items came back unprocessed, matched by key.
    static func pending(_ batch: [PendingPut], matching unprocessed: [Item]) -> [PendingPut] {
        guard !unprocessed.isEmpty else { return [] }
        let keys = Set(unprocessed.compactMap(ItemKey.init(item:)))
        return batch.filter { keys.contains($0.key) }
    }
}
