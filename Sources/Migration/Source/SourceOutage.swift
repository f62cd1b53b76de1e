import BillingModel
import Foundation
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
        state.withLock { $0 = .continuing($0, error: String(describing: error)) }
    }

    func answered() {
        state.withLock { $0 = nil }
    }
}
