import Foundation
import MigrationCore
import Synchronization

/// Live counters of a running load, shared by the file workers and read by the
/// progress reporter. Checkpoints hold the durable counts; these are for display.
public final class LoadProgress: Sendable {
    public struct Snapshot: Sendable {
        public var perEntity: [String: EntityCounts]
        public var bytesDone: Int64
        public var bytesTotal: Int64
        public var filesDone: Int
        public var filesTotal: Int
        public var writeRate: Double?
    }

    private struct State {
        var perEntity: [String: EntityCounts] = [:]
        var bytesDone: Int64 = 0
        var bytesTotal: Int64 = 0
        var filesDone = 0
        var filesTotal = 0
    }

    private let state = Mutex(State())

    public init() {}

    public func setTotals(files: Int, bytes: Int64) {
        state.withLock {
            $0.filesTotal = files
            $0.bytesTotal = bytes
        }
    }

    public func add(_ counts: EntityCounts, to entity: String) {
        state.withLock { $0.perEntity[entity, default: EntityCounts()] += counts }
    }

    public func addBytes(_ bytes: Int64) {
        state.withLock { $0.bytesDone += bytes }
    }

    public func fileDone() {
        state.withLock { $0.filesDone += 1 }
    }

    public func snapshot(writeRate: Double? = nil) -> Snapshot {
        state.withLock {
            Snapshot(
                perEntity: $0.perEntity, bytesDone: $0.bytesDone, bytesTotal: $0.bytesTotal,
                filesDone: $0.filesDone, filesTotal: $0.filesTotal, writeRate: writeRate)
        }
    }
}

extension LoadProgress.Snapshot {
    /// One status line (the executable shows it). Pure, so its format is tested.
    public func statusLine(rowsPerSecond: Double, elapsed: Duration) -> String {
        let snapshot = self
        let total = snapshot.perEntity.values.reduce(EntityCounts(), +)
        var parts = [
            "\(total.rowsRead) rows",
            "\(Int(rowsPerSecond.rounded())) rows/s",
            "files \(snapshot.filesDone)/\(snapshot.filesTotal)",
        ]
        if total.deadLettered > 0 { parts.append("\(total.deadLettered) dead-lettered") }
        if let rate = snapshot.writeRate { parts.append("throttled to \(Int(rate)) WCU/s") }
        if snapshot.bytesTotal > 0, snapshot.bytesDone > 0 {
            let done = Double(snapshot.bytesDone) / Double(snapshot.bytesTotal)
            parts.append(String(format: "%.0f%%", min(done, 1) * 100))
            if done < 1 {
                let remaining = elapsed.seconds / done * (1 - done)
                parts.append("ETA \(Self.formatSeconds(remaining))")
            }
        }
        let entities = snapshot.perEntity.keys.sorted().map { name in
            "\(name) \(snapshot.perEntity[name]!.rowsRead)"
        }
        return parts.joined(separator: " | ") + (entities.isEmpty ? "" : " | " + entities.joined(separator: " "))
    }

    static func formatSeconds(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 3600
            ? String(format: "%dh%02dm", total / 3600, total % 3600 / 60)
            : String(format: "%dm%02ds", total / 60, total % 60)
    }
}
