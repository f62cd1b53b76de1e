import MigrationCore
import Synchronization

/// What `stage` has written so far, per table: snapshot rows and binlog
/// changes, for its metrics (the progress lines print the same).
public final class StageProgress: Sendable {
    private let state = Mutex<(snapshotRows: [String: Int], changes: [String: Int])>(([:], [:]))

    public init() {}

    func snapshotRows(_ rows: Int, of table: String) {
        state.withLock { $0.snapshotRows[table] = rows }
    }

    func changesWritten(_ counts: [String: Int]) {
        state.withLock { $0.changes = counts }
    }

    /// Rows and changes read from the source and staged, per table (as `rowsRead`).
    public var perTable: [String: EntityCounts] {
        state.withLock { state in
            state.snapshotRows.merging(state.changes, uniquingKeysWith: +).mapValues { EntityCounts(rowsRead: $0) }
        }
    }
}
