import BillingModel
import Foundation
import Logging
import Synchronization

/// The source unreachable: since when (wall clock for people, the monotonic
/// clock for the figure) and the last error.
public struct SourceOutage: Sendable, CustomStringConvertible {
    public var since: Date
    public var started: ContinuousClock.Instant
    public var lastError: String

    public init(since: Date, started: ContinuousClock.Instant, lastError: String) {
        self.since = since
        self.started = started
        self.lastError = lastError
    }

    /// The outage after one more failure: its start kept, its error the newest.
    public static func continuing(_ outage: SourceOutage?, error: String) -> SourceOutage {
        SourceOutage(since: outage?.since ?? Date(), started: outage?.started ?? .now, lastError: error)
    }

    public var seconds: Double { (ContinuousClock.now - started).seconds }

    /// What a progress line says.
    public var description: String {
        "source UNREACHABLE for \(Int(seconds)) s (since "
            + "\(DateTimeText.iso8601(epochMilliseconds: Int64(since.timeIntervalSince1970 * 1000))))"
    }
}

/// Whether the source answers, as a reader finds it: shared by the reader that
/// retries and the progress line and metrics that show it.
public final class SourceReachability: Sendable {
    private let state = Mutex<SourceOutage?>(nil)

    public init() {}

    /// The outage now, or nil while the source answers.
    public var outage: SourceOutage? { state.withLock { $0 } }

    func failed(_ error: any Error) {
        let began = state.withLock { state in
            defer { state = .continuing(state, error: String(describing: error)) }
            return state == nil
        }
        if began { TargetOutage.logger.warning("source outage began: retrying", metadata: ["error": .string(String(describing: error))]) }
    }

    func answered() {
        let ended = state.withLock { state in
            defer { state = nil }
            return state != nil
        }
        if ended { TargetOutage.logger.notice("source outage ended") }
    }
}
