/// The shared parts every file of one load uses.
import DMSStaging

struct LoadServices: Sendable {
    let configuration: FullLoadConfiguration
    let applier: BatchApplier
    let limiter: ConcurrencyLimiter
    let progress: LoadProgress
    let readOptions: DMSReadOptions
    /// Nil on a dry run: nothing is persisted.
    let checkpoints: CheckpointStore?
    let deadLetters: DeadLetterStore?
}
