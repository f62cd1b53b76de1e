import DMSStaging
import MigrationCore
import MySQLSource

/// `billmig stage`: MySQL as DMS-format files, in two halves run in order. The
/// snapshot (LOAD files) unless a previous run took it, its position saved as
/// `load --from mysql://` saves it, under `{state}/stage/`; then the binlog from
/// that position (change files), checkpointed at `{state}/stage/binlog.json`.
public struct MySQLStager: Sendable {
    public struct Result: Sendable {
        public var position: SnapshotPosition
        /// False when an earlier run's snapshot was kept.
        public var snapshotTaken: Bool
        public var tables: [StagedTableFiles]
        /// Nil when only the snapshot was staged (or a stop came first).
        public var changes: ChangeStagingSummary?
    }

    public let snapshot: SnapshotStager.Configuration
    public let changes: BinlogFileStager.Configuration?
    public let files: any ObjectStore
    /// The stager's own location (`{state}/stage/`).
    public let state: StateLocation
    public let stop: StopSignal

    /// - Parameters:
    ///   - files: where the DMS-format files go.
    ///   - state: the run's state location; the stager keeps its state in `stage/` below it.
    public init(
        snapshot: SnapshotStager.Configuration, changes: BinlogFileStager.Configuration?, files: any ObjectStore,
        state: StateLocation, stop: StopSignal
    ) {
        self.snapshot = snapshot
        self.changes = changes
        self.files = files
        self.state = state.appending("stage/")
        self.stop = stop
    }

    /// - Parameters:
    ///   - progress: a line for people now and then.
    ///   - figures: the counts so far, per table (for metrics).
    public func run(figures: StageProgress = StageProgress(), progress: @escaping @Sendable (String) -> Void) async throws -> Result {
        let snapshotState = SnapshotStateStore(state)
        var result: Result
        if let saved = try await snapshotState.position() {
            result = Result(position: saved, snapshotTaken: false, tables: [])
        } else {
            let stager = SnapshotStager(configuration: snapshot, store: files)
            let (position, tables) = try await stager.run { table, rows in
                figures.snapshotRows(rows, of: table)
                progress("stage: snapshot: \(table): \(rows) rows")
            }
            try await snapshotState.save(position)
            result = Result(position: position, snapshotTaken: true, tables: tables)
        }
        guard let changes, !stop.isStopped else { return result }
        let stager = BinlogFileStager(configuration: changes, store: files, state: state, stop: stop)
        let start = BinlogCoordinates(file: result.position.binlogFile, position: result.position.binlogPosition)
        result.changes = try await stager.run(from: start) { written in
            figures.changesWritten(written)
            progress("stage: changes: \(written.values.reduce(0, +)) written")
        }
        return result
    }
}
