import BillingModel

/// One line of the audit trail: when, what, why, and the positions at that moment.
public struct CutoverAuditEntry: Sendable, Hashable, Codable {
    public enum Outcome: String, Sendable, Hashable, Codable {
        case completed
        /// Gates refused it; nothing changed.
        case refused
        /// A bounded wait ran out and the plan's timeout steps restored the flags.
        case reverted
    }

    /// ISO-8601 time.
    public var at: String
    /// The command as typed (`switch-writes`), or `automatic rollback` from a health gate.
    public var command: String
    public var from: CutoverPhase
    public var to: CutoverPhase
    public var outcome: Outcome
    /// The operator's `--reason`, or the failing gate's reason.
    public var reason: String
    /// Who ran it (user@host), never a secret.
    public var actor: String
    public var epoch: SwitchEpoch
    /// MySQL's binlog position (`SourcePosition.orderingKey`) when the entry was made.
    public var mysqlPosition: String?
    /// The reverse stream's checkpoint per shard (sequence numbers), when it runs.
    public var reverseCheckpoints: [String: String]?

    public init(
        at: String, command: String, from: CutoverPhase, to: CutoverPhase, outcome: Outcome, reason: String, actor: String,
        epoch: SwitchEpoch, mysqlPosition: String? = nil, reverseCheckpoints: [String: String]? = nil
    ) {
        self.at = at
        self.command = command
        self.from = from
        self.to = to
        self.outcome = outcome
        self.reason = reason
        self.actor = actor
        self.epoch = epoch
        self.mysqlPosition = mysqlPosition
        self.reverseCheckpoints = reverseCheckpoints
    }
}

/// The cutover's persisted state: what every instance and operator reads from the
/// control record. Changed only through `record` (a completed, refused or reverted
/// plan), and stored with a conditional write on `revision`, so two operators
/// cannot both move it from the same revision.
public struct CutoverState: Sendable, Hashable, Codable {
    public var phase: CutoverPhase
    public var readMode: ReadMode
    public var writePrimary: WritePrimary
    public var shadowSamplePercent: Double
    public var epochs: SwitchEpochHistory
    /// Raised by every change; the store's condition.
    public var revision: Int
    public var audit: [CutoverAuditEntry]
    /// The command running now, if one is: it holds the cutover until it records
    /// its result or its lease runs out (a process that died).
    public var running: CutoverRun?

    public init() {
        phase = .replicating
        readMode = .mysql
        writePrimary = .mysql
        shadowSamplePercent = 0
        epochs = SwitchEpochHistory()
        revision = 0
        audit = []
    }

    /// Records a plan's result. A completed plan moves the phase, the flags and the
    /// epoch (a write switch and a rollback from writes-switched open a new epoch;
    /// `mysqlResumePosition` is where MySQL's new epoch starts); a refused or
    /// reverted one only adds its audit entry.
    public mutating func record(
        _ plan: CutoverPlan, outcome: CutoverAuditEntry.Outcome, at time: String, reason: String, actor: String,
        mysqlPosition: SourcePosition? = nil, mysqlResumePosition: SourcePosition? = nil,
        reverseCheckpoints: [String: String]? = nil
    ) throws(CutoverError) {
        guard plan.from == phase else {
            throw .wrongPhase(command: plan.command, phase: phase, expected: [plan.from])
        }
        var to = phase
        if outcome == .completed {
            for step in plan.steps {
                switch step {
                case .raiseEpoch(.dynamodb):
                    epochs.switchToDynamoDB()
                case .raiseEpoch(.mysql):
                    guard let resume = mysqlResumePosition ?? mysqlPosition else {
                        preconditionFailure("a switch back to MySQL needs the binlog position writes resume at")
                    }
                    epochs.switchToMySQL(resumingAt: resume)
                case .setShadowSample(let percent):
                    shadowSamplePercent = percent
                default:
                    break
                }
            }
            to = plan.to
            phase = plan.to
            (readMode, writePrimary) = CutoverWorkflow.flags(in: plan.to)
        }
        revision += 1
        running = nil
        audit.append(
            CutoverAuditEntry(
                at: time, command: plan.command.description, from: plan.from, to: to, outcome: outcome, reason: reason,
                actor: actor, epoch: epochs.current.epoch, mysqlPosition: mysqlPosition?.orderingKey,
                reverseCheckpoints: reverseCheckpoints))
    }
}

/// A command that holds the cutover while it runs, so a second operator's command
/// is refused instead of interleaving its flag changes with the first one's.
public struct CutoverRun: Sendable, Hashable, Codable {
    public var command: String
    public var actor: String
    /// ISO-8601 start.
    public var startedAt: String
    /// Milliseconds since 1970 after which the hold lapses (the command's longest
    /// bounded waits, and a margin).
    public var expiresAtMilliseconds: Int64

    public init(command: String, actor: String, startedAt: String, expiresAtMilliseconds: Int64) {
        self.command = command
        self.actor = actor
        self.startedAt = startedAt
        self.expiresAtMilliseconds = expiresAtMilliseconds
    }
}
