import BillingModel
import Foundation

/// What a long-running command (`stream`, `load`) last said about itself: saved
/// under its state every few seconds while it runs and once when it ends, so
/// that `billmig status`, from anywhere, can tell a running command from a
/// paused one (its source or its table unreachable, since when, the last error)
/// and from one that stopped or died.
public struct RunActivity: Sendable, Codable, Equatable {
    /// The command (`stream`, `load`).
    public var command: String
    /// ISO-8601 UTC times (milliseconds): when the run started, and when it last wrote this.
    public var startedAt: String
    public var updatedAt: String
    /// Seconds between two writes while it runs: a record older than a few of
    /// these belongs to a run that is gone (killed, or its host lost).
    public var intervalSeconds: Double
    /// The run ended (and wrote so): how, in a word (`completed`, `failed`, `stopped`).
    public var ended: String?
    public var sourceUnreachable: Outage?
    public var targetUnreachable: Outage?
    /// How fast it reads the source now, and the share of the link's declared capacity.
    public var sourceLink: LinkUse?
    /// The last check of the accounts changed around an outage, once one ended.
    public var afterOutage: OutageCheck?

    /// Something the command cannot reach.
    public struct Outage: Sendable, Codable, Equatable {
        /// What (`the source mysql://...`, `DynamoDB table T at ENDPOINT`).
        public var what: String
        /// ISO-8601 UTC time of the first failure of this outage.
        public var since: String
        public var lastError: String

        public init(what: String, since: String, lastError: String) {
            self.what = what
            self.since = since
            self.lastError = lastError
        }
    }

    public init(
        command: String, startedAt: String, updatedAt: String, intervalSeconds: Double, ended: String? = nil,
        sourceUnreachable: Outage? = nil, targetUnreachable: Outage? = nil, sourceLink: LinkUse? = nil, afterOutage: OutageCheck? = nil
    ) {
        self.command = command
        self.startedAt = startedAt
        self.updatedAt = updatedAt
        self.intervalSeconds = intervalSeconds
        self.ended = ended
        self.sourceUnreachable = sourceUnreachable
        self.targetUnreachable = targetUnreachable
        self.sourceLink = sourceLink
        self.afterOutage = afterOutage
    }

    /// Where the run stands, judged at `now`.
    public enum Standing: Sendable, Equatable {
        case running
        /// Running, and waiting for what it cannot reach.
        case paused
        case ended(String)
        /// No word for more than three intervals: killed, or its host lost.
        case silent(secondsSinceUpdate: Double)
    }

    public func standing(at now: Date) -> Standing {
        if let ended { return .ended(ended) }
        let updated = DateTimeText.epochMilliseconds(fromISO8601: updatedAt).map { Date(timeIntervalSince1970: Double($0) / 1000) } ?? .distantPast
        let age = now.timeIntervalSince(updated)
        if age > max(3 * intervalSeconds, 15) { return .silent(secondsSinceUpdate: age) }
        return sourceUnreachable != nil || targetUnreachable != nil ? .paused : .running
    }

    /// One line for `status`, and one more for the check after an outage.
    public func line(at now: Date) -> String {
        ([standingLine(at: now)] + (afterOutage.map { ["  " + $0.summaryLine] } ?? [])).joined(separator: "\n")
    }

    func standingLine(at now: Date) -> String {
        let head = "\(command) (started \(startedAt))"
        switch standing(at: now) {
        case .running:
            return "\(head): running" + (sourceLink.map { ", \($0.description)" } ?? "") + ", last heard \(updatedAt)"
        case .paused:
            let outages = [sourceUnreachable, targetUnreachable].compactMap { $0 }
                .map { "\($0.what) UNREACHABLE since \($0.since) (last error: \($0.lastError))" }
            return "\(head): PAUSED, " + outages.joined(separator: "; ") + "; retrying, last heard \(updatedAt)"
        case .ended(let how):
            return "\(head): ended \(how) at \(updatedAt)"
        case .silent(let seconds):
            return "\(head): no word for \(Int(seconds)) s (last \(updatedAt)): not running, or killed; run it again to resume"
        }
    }
}
