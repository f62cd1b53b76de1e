import BillingModel

/// Where a direct snapshot's consistent view sits in the source's binlog.
///
/// `load --from mysql://` saves it as `{state}/snapshot.json` before it reads a
/// row; `stream` starts there when it has no checkpoint of its own, so every
/// change committed after the snapshot reaches the table and none before it.
public struct SnapshotPosition: Sendable, Codable, Equatable {
    /// The binlog file (`mariadb-bin.000003`).
    public var binlogFile: String
    /// The byte position in `binlogFile` of the snapshot (`Binlog_snapshot_position`).
    public var binlogPosition: UInt64
    /// The GTID position at the snapshot (`gtid_binlog_pos`), when the server uses GTIDs.
    public var gtid: String?
    /// The source, without secrets (`mysql://billmig@127.0.0.1:3307/billing`).
    public var source: String
    /// ISO-8601 time the snapshot was taken.
    public var takenAt: String
    /// The mapped tables' definitions as the snapshot saw them: the change stream
    /// that starts at this position decodes rows with these (until a DDL in the
    /// binlog stops it), not with whatever the tables look like when it starts.
    /// Nil in positions saved before definitions were kept.
    public var definitions: [String: SourceTableDefinition]?

    public init(
        binlogFile: String, binlogPosition: UInt64, gtid: String?, source: String, takenAt: String,
        definitions: [String: SourceTableDefinition]? = nil
    ) {
        self.binlogFile = binlogFile
        self.binlogPosition = binlogPosition
        self.gtid = gtid
        self.source = source
        self.takenAt = takenAt
        self.definitions = definitions
    }

    /// The position alone, as summaries and `status` show it (the definitions stay in the state).
    public var withoutDefinitions: SnapshotPosition {
        var position = self
        position.definitions = nil
        return position
    }
}
