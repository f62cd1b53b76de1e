import BillingModel
import Foundation
import Logging
import MigrationCore
import Synchronization

/// Whether the table can be reached, as the writes find it: since when every
/// write has failed with a transient error (a cut network, 5xx, timeouts)
/// without a success in between, and the last error. One per applier, shared
/// by its lanes and batches, read by progress lines; past the tolerance the
/// next failure ends the run with `WriteTargetUnavailable` instead of
/// dead-lettering everything during a network cut.
public final class TargetOutage: Sendable {
    public struct Status: Sendable, Hashable, CustomStringConvertible {
        /// When the first failure of this outage happened (wall clock, for people).
        public var since: Date
        public var seconds: Double
        public var lastError: String
        public var target: String
        public var tolerance: Duration

        public var description: String {
            "\(target) UNREACHABLE for \(Int(seconds)) s (since \(DateTimeText.iso8601(epochMilliseconds: Int64(since.timeIntervalSince1970 * 1000)))): "
                + "\(lastError); retrying, giving up after \(Int(tolerance.seconds)) s"
        }
    }

    public let tolerance: Duration
    public let target: String
    private let clock = ContinuousClock()
    private let state = Mutex<(start: ContinuousClock.Instant, since: Date, lastError: String)?>(nil)
    /// Whether `state` holds an outage: every successful write asks, and only
    /// the first success after an outage needs the lock.
    private let failing = Atomic<Bool>(false)

    public init(tolerance: Duration, target: String = "the table") {
        self.tolerance = tolerance
        self.target = target
    }

    /// A write got through: the outage, if any, is over.
    func succeeded() {
        guard failing.load(ordering: .relaxed) else { return }
        let ended = state.withLock { state in
            defer {
                state = nil
                failing.store(false, ordering: .relaxed)
            }
            return state.map { (clock.now - $0.start).seconds }
        }
        if let ended {
            Self.logger.notice("outage ended", metadata: ["target": .string(target), "seconds": .stringConvertible(ended)])
        }
    }

    static let logger = Logger(label: "billmig.outage")

    /// A transient failure: fine within the tolerance, the end of the run past it.
    func failed(_ error: WriteTargetError) throws(WriteTargetUnavailable) {
        let now = clock.now
        let (start, began) = state.withLock { state in
            let began = state == nil
            let start = state?.start ?? now
            state = (start, state?.since ?? Date(), error.message)
            failing.store(true, ordering: .relaxed)
            return (start, began)
        }
        if began {
            Self.logger.warning("outage began: retrying", metadata: [
                "target": .string(target), "error": .string(error.message), "toleranceSeconds": .stringConvertible(Int(tolerance.seconds)),
            ])
        }
        if now - start > tolerance { throw WriteTargetUnavailable(target: target, tolerance: tolerance, lastError: error.message) }
    }

    /// The outage now, or nil while the table answers.
    public var current: Status? {
        let now = clock.now
        return state.withLock { state in
            state.map {
                Status(since: $0.since, seconds: (now - $0.start).seconds, lastError: $0.lastError, target: target, tolerance: tolerance)
            }
        }
    }
}

/// The target stayed unreachable longer than the outage tolerance: both appliers
/// stop the run with it (exit status 1); the checkpoints make the stop resumable.
public struct WriteTargetUnavailable: Error, Sendable, CustomStringConvertible {
    public var target: String
    public var tolerance: Duration
    public var lastError: String

    public init(target: String = "the table", tolerance: Duration, lastError: String) {
        self.target = target
        self.tolerance = tolerance
        self.lastError = lastError
    }

    public var description: String {
        "\(target) stayed unreachable longer than the outage tolerance (\(Int(tolerance.seconds)) s; last error: \(lastError)); "
            + "check the network and the endpoint, then run the same command again: it resumes from its checkpoints"
    }
}
