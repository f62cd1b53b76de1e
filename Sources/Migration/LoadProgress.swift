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
