/// The documented exit statuses of billmig's commands.
public enum ExitStatus: Int32, Sendable {
    /// Every row was written (or, for checks, everything matched).
    case success = 0
    /// The command failed: nothing is lost, a rerun resumes from the checkpoints.
    case failure = 1
    /// Bad flags or arguments (swift-argument-parser's own code).
    case usage = 64
    /// The run finished, but some rows went to the dead-letter store.
    case deadLettered = 3
    /// `validate` finished and found mismatches (the report lists them); `repair`
    /// left some unrepaired.
    case mismatches = 4
    /// A `cutover` command was refused by its gates, or reverted (a bounded wait ran
    /// out, a traffic gate failed): the flags are as they were, the reason is printed.
    case refused = 5

    public init(_ status: LoadSummary.Status) {
        switch status {
        case .completed: self = .success
        case .completedWithDeadLetters: self = .deadLettered
        case .failed: self = .failure
        }
    }
}
