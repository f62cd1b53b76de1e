/// The shared parts every file (or table) of one load uses.
struct LoadServices: Sendable {
    let applier: BatchApplier
    let limiter: ConcurrencyLimiter
    let progress: LoadProgress
    /// Batches in flight per file.
    let writeConcurrency: Int
    /// How often a unit writer saves its watermark.
    let checkpointInterval: Duration
    /// Nil on a dry run: nothing is persisted.
    let checkpointer: Checkpointer?
    /// A backfill's version-conditional writes; nil for the full load's batches.
    var backfill: BackfillWrites? = nil
}
