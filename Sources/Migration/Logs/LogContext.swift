import Logging

/// The correlation ids of the work the current task does, as log metadata: the
/// run (set once by the executable), the file or table, the batch, the binlog
/// position, the queue message. The executable installs `provider` as the
/// logging system's metadata provider, so every log line carries the ids of
/// the task that wrote it; dead-letter records take the same ids (see
/// `DeadLetterStore.write`), so a dead letter and its log lines join on them.
/// Child tasks inherit the ids of the task that starts them.
public enum LogContext {
    @TaskLocal public static var metadata: Logger.Metadata = [:]

    /// Runs `body` with `ids` added to the current ones.
    public static func with<R>(
        _ ids: Logger.Metadata, isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> R
    ) async rethrows -> R {
        try await $metadata.withValue(metadata.merging(ids) { $1 }, operation: body, isolation: isolation)
    }

    /// The run id of the current task's run, if the executable set one.
    public static var runID: String? { metadata[LogKey.runID].map { "\($0)" } }

    /// Adds the current task's ids to every log event.
    public static let provider = Logger.MetadataProvider { metadata }
}

/// The names of the correlation ids, the same in log lines and dead-letter records.
public enum LogKey {
    /// One invocation of a command (`DeadLetterRecord.runID`).
    public static let runID = "runID"
    /// A unit of writes: `{file or table}#{first record}` for a load's 25-item
    /// batch, `{file}#{record}` for a change of a DMS change file, `{binlog
    /// file}:{position}` for a change of the binlog, `{shard}:{sequence number}`
    /// for a record of the table's stream (`reverse-stream`) (`DeadLetterRecord.batch`).
    public static let batch = "batch"
    /// The staged file (object key), or the source table of a snapshot.
    public static let file = "file"
    /// A binlog position, `file:position`.
    public static let position = "position"
    /// The SQS message a worker handles, and the object key it names.
    public static let messageID = "messageID"
    public static let object = "object"
}
