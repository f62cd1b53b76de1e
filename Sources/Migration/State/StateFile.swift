import BillingModel
import MigrationCore

/// A state object's name relative to a `StateLocation`, and the type stored there.
public struct StateFile<Value: Codable & Sendable>: Sendable, Hashable {
    public let path: String

    public init(_ path: String) { self.path = path }
}

/// A folder of state objects of one type, one per name (file, stream, table).
public struct StateFolder<Value: Codable & Sendable>: Sendable, Hashable {
    /// Ends with `/`.
    public let path: String

    public init(_ path: String) { self.path = path }

    public func file(_ name: String) -> StateFile<Value> { StateFile(path + name + ".json") }
}

extension StateFile<MigrationProgress> {
    /// Where `migrate` stands: its phases done, the one running, their history.
    public static var migrationProgress: Self { Self("migrate.json") }
}

extension StateFile<SnapshotPosition> {
    /// Where the change stream starts (`load --from mysql://`; `stage/` for the stager).
    public static var snapshotPosition: Self { Self("snapshot.json") }
}

extension StateFile<BinlogCheckpoint> {
    /// The change stream's checkpoint (`stream`; read by `status` and `validate --live`).
    public static var binlogCheckpoint: Self { Self("changes/binlog.json") }
    /// The stager's checkpoint, under its `stage/` location.
    public static var stagedBinlogCheckpoint: Self { Self("binlog.json") }
}

extension StateFile<StreamCheckpoint> {
    /// Reverse replication's per-shard checkpoint (`reverse-stream`).
    public static var reverseCheckpoint: Self { Self("reverse/checkpoint.json") }
}

extension StateFile<ReverseStreamProgress> {
    /// Reverse replication's progress and lag, beside its checkpoint (also the `CONTROL#REVERSE` item).
    public static var reverseProgress: Self { Self("reverse/progress.json") }
}

extension StateFolder<FileCheckpoint> {
    /// Per-file checkpoints of a full load (and per-table ones of a snapshot, as files).
    public static var fileCheckpoints: Self { Self("checkpoints/") }
}

extension StateFolder<ChangeCheckpoint> {
    /// Per-stream checkpoints of `apply`.
    public static var changeCheckpoints: Self { Self("change-checkpoints/") }
    /// Per-file checkpoints of workers (`worker`): each change file its own stream,
    /// named by its key, as workers apply a table's files in any order and at once.
    public static var changeFileCheckpoints: Self { Self("change-file-checkpoints/") }
}

extension StateFolder<SnapshotTableCheckpoint> {
    /// Per-table checkpoints of a direct snapshot load.
    public static var snapshotCheckpoints: Self { Self("snapshot-checkpoints/") }
}

/// Folders where change streams keep their checkpoints: any object there means
/// changes were applied under this state (a snapshot load must not overwrite them).
public enum ChangeStateFolders {
    public static var all: [String] {
        let binlog = StateFile<BinlogCheckpoint>.binlogCheckpoint.path
        return [
            StateFolder<ChangeCheckpoint>.changeCheckpoints.path, StateFolder<ChangeCheckpoint>.changeFileCheckpoints.path,
            String(binlog[...binlog.lastIndex(of: "/")!]),
        ]
    }
}
