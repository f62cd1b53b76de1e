/// The shared parts every file of one load uses.
struct LoadServices: Sendable {
    let configuration: FullLoadConfiguration
    let applier: BatchApplier
    let limiter: ConcurrencyLimiter
    let progress: LoadProgress
    /// Nil on a dry run: nothing is persisted.
    let checkpoints: CheckpointStore?
    let deadLetters: DeadLetterStore?
}
