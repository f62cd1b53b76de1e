import BillingModel

/// How far `billmig stream` has applied the binlog: the coordinates (and GTID,
/// when known) of the last transaction whose every change has settled (written,
/// skipped as stale, or dead-lettered), a low-watermark to resume from.
///
/// Saved as `{state}/changes/binlog.json`. Resuming may redo what a killed run
/// did after it; every write is conditional on its version, so that is harmless.
public struct BinlogCheckpoint: Sendable, Codable, Equatable {
    /// The binlog file to resume in.
    public var file: String
    /// The event boundary after the last settled transaction.
    public var position: UInt64
    /// The GTID of that transaction (MariaDB `domain-server-sequence`), when the server logs GTIDs.
    public var gtid: String?
    /// The source, without secrets.
    public var source: String
    /// Counts per entity over every run so far.
    public var counts: [String: ChangeCounts]
    /// Lag and throughput when the checkpoint was saved.
    public var health: ReplicationHealth?
    /// ISO-8601 time of the save.
    public var updatedAt: String
    /// The table definitions the stream decodes rows with, kept so that a resumed
    /// stream reads the binlog from here as the table was when it was written,
    /// even if the table was altered while the stream was stopped (the ALTER in
    /// the binlog then stops it at its position). Nil in older checkpoints.
    public var definitions: [String: SourceTableDefinition]?

    public init(
        file: String, position: UInt64, gtid: String? = nil, source: String, counts: [String: ChangeCounts] = [:],
        health: ReplicationHealth? = nil, updatedAt: String = "", definitions: [String: SourceTableDefinition]? = nil
    ) {
        self.definitions = definitions
        self.file = file
        self.position = position
        self.gtid = gtid
        self.source = source
        self.counts = counts
        self.health = health
        self.updatedAt = updatedAt
    }

    /// The checkpoint as `status` shows it (the definitions are for the stream alone).
    public var withoutDefinitions: BinlogCheckpoint {
        var checkpoint = self
        checkpoint.definitions = nil
        return checkpoint
    }
}
