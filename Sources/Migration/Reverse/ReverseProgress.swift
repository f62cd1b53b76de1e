import BillingModel
import DynamoDB
import Foundation
import MigrationCore
import Synchronization

/// Live figures of a running reverse stream, shared by the loop, the progress
/// line and the metrics; the same shape it saves and publishes.
public final class ReverseReplicationProgress: Sendable {
    private let state: Mutex<ReverseStreamProgress>

    init(streamArn: String, epoch: SwitchEpoch) {
        state = Mutex(ReverseStreamProgress(streamArn: streamArn, epoch: epoch, updatedAtSeconds: Date().timeIntervalSince1970, updatedAt: Timestamp.now()))
    }

    /// The figures now, the lag measured at this moment.
    public func snapshot() -> ReverseStreamProgress {
        var current = state.withLock { $0 }
        current.refreshLag()
        return current
    }

    func update(_ body: (inout ReverseStreamProgress) -> Void) {
        state.withLock { body(&$0) }
    }
}

extension ReverseStreamProgress {
    /// A page read: its records are pending, and the stream is not caught up.
    mutating func readRecords(_ records: [StreamRecord]) {
        pendingRecords = records.count
        caughtUp = false
    }

    /// A page committed to MySQL (or dead-lettered) and checkpointed.
    mutating func applied(_ records: [StreamRecord], summary: ReverseReplication.Summary, checkpoint: StreamCheckpoint) {
        pendingRecords = 0
        if let newest = records.compactMap(\.approximateCreationTime).max() {
            newestRecordSeconds = max(newestRecordSeconds ?? newest, newest)
        }
        self.records = summary.records
        rowWrites = summary.rowWrites
        deadLettered = summary.deadLettered
        checkpoints = checkpoint.applied.mapValues(\.digits)
        touch()
    }

    /// A round that began at `roundStartedAt` found no new record in any shard.
    mutating func markCaughtUp(roundStartedAt: Double, checkpoint: StreamCheckpoint) {
        caughtUp = true
        pendingRecords = 0
        let through = roundStartedAt - ReverseStreamProgress.visibilityMargin.seconds
        caughtUpThroughMilliseconds = Int64((through * 1000).rounded(.down))
        caughtUpAt = Date(timeIntervalSince1970: through).formatted(.iso8601)
        checkpoints = checkpoint.applied.mapValues(\.digits)
        touch()
    }

    /// The lag at this moment: 0 when caught up, else the newest applied record's age.
    mutating func refreshLag() {
        if caughtUp {
            lagSeconds = 0
        } else if let newestRecordSeconds {
            lagSeconds = max(0, Date().timeIntervalSince1970 - newestRecordSeconds)
        }
    }

    private mutating func touch() {
        updatedAtSeconds = Date().timeIntervalSince1970
        updatedAt = Timestamp.now()
    }

    /// One status line (the executable shows it).
    public var statusLine: String {
        var parts = ["\(records) records, \(rowWrites) row writes"]
        if caughtUp {
            parts.append("caught up (lag 0 s)")
        } else if let lagSeconds {
            parts.append(String(format: "lag %.1f s", lagSeconds))
        } else {
            parts.append("lag -")
        }
        if pendingRecords > 0 { parts.append("\(pendingRecords) pending") }
        if deadLettered > 0 { parts.append("\(deadLettered) dead-lettered") }
        parts.append("\(checkpoints.count) shards checkpointed")
        return parts.joined(separator: " | ")
    }
}
