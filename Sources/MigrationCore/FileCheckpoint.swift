/// How far the full load of one staged file has come.
///
/// `recordsDone` is a low-watermark: every record before it is written or
/// dead-lettered, so a restarted load skips exactly those and redoes the rest
/// (full-load puts are idempotent, so a redone record changes nothing).
public struct FileCheckpoint: Sendable, Codable, Equatable {
    public enum State: String, Sendable, Codable {
        case inProgress = "IN_PROGRESS"
        case completed = "COMPLETED"
        /// Read up to damage and dead-lettered as a file: the next run reads it
        /// again (loading it all once it is replaced).
        case damaged = "DAMAGED"
    }

    /// The staged object's key.
    public var file: String
    /// The source table the file belongs to.
    public var table: String
    /// Size and entity tag of the object when it was read: a file that changed
    /// since is loaded again from its start.
    public var size: Int64
    public var etag: String?
    public var state: State
    /// Data records (header excluded) from the file's start that are done.
    public var recordsDone: Int
    /// Counts over those records.
    public var counts: EntityCounts
    /// ISO-8601 time of the last save.
    public var updatedAt: String

    public init(
        file: String, table: String, size: Int64, etag: String?, state: State,
        recordsDone: Int, counts: EntityCounts, updatedAt: String
    ) {
        self.file = file
        self.table = table
        self.size = size
        self.etag = etag
        self.state = state
        self.recordsDone = recordsDone
        self.counts = counts
        self.updatedAt = updatedAt
    }

    /// Whether this checkpoint still describes the object as it is now.
    public func matches(size: Int64, etag: String?) -> Bool {
        guard self.size == size else { return false }
        guard let mine = self.etag, let theirs = etag else { return true }
        return mine == theirs
    }
}
