/// The outcome of a `stream` run, printed for people and, with `--json`, for machines.
public struct StreamSummary: Sendable, Codable, Equatable {
    /// Why the run ended.
    public enum Ending: String, Sendable, Codable, Equatable {
        /// `--until-caught-up`: every change up to the source's binlog end was applied.
        case caughtUp = "caught-up"
        /// `--stop-at`: the stop position was reached.
        case stopPositionReached = "stop-position-reached"
        /// SIGINT or SIGTERM.
        case signal
        /// An error (see `error`).
        case failed
    }

    public var status: LoadSummary.Status
    public var ending: Ending
    public var source: String
    public var table: String
    /// What said where a run starts.
    public enum StartOrigin: String, Sendable, Codable {
        /// `--start-position` or `--start-gtid`.
        case explicit
        /// The stream's own checkpoint: a resumed run.
        case checkpoint
        /// The snapshot position `load --from mysql://` saved: a first run.
        case snapshot
    }

    /// Where the run started and what said so.
    public var startedAt: String
    public var startedFrom: StartOrigin
    /// The checkpoint at the end: where the next run resumes.
    public var checkpoint: String?
    public var elapsedSeconds: Double
    /// Counts of this run, per entity in mapping order.
    public var entities: [ApplySummary.Entity]
    public var total: ApplySummary.Entity
    public var transactions: Int
    public var reconnects: Int
    public var health: ReplicationHealth
    public var deadLetterLocation: String?
    public var error: String?
    /// After a failure, what to do next (nil when the run did not fail).
    public var advice: String?
    /// The checks of the accounts changed around each outage the run recovered from (`OutageWindow`).
    public var afterOutages: [OutageCheck] = []

    public init(
        status: LoadSummary.Status, ending: Ending, source: String, table: String, startedAt: String,
        startedFrom: StartOrigin, checkpoint: String?, elapsedSeconds: Double, perEntity: [(String, ChangeCounts)],
        transactions: Int, reconnects: Int, health: ReplicationHealth, deadLetterLocation: String?, error: String?,
        advice: String? = nil
    ) {
        self.status = status
        self.ending = ending
        self.source = source
        self.table = table
        self.startedAt = startedAt
        self.startedFrom = startedFrom
        self.checkpoint = checkpoint
        self.elapsedSeconds = elapsedSeconds
        entities = perEntity.map { ApplySummary.Entity(entity: $0.0, counts: $0.1) }
        total = ApplySummary.Entity(entity: "TOTAL", counts: perEntity.reduce(ChangeCounts()) { $0 + $1.1 })
        self.transactions = transactions
        self.reconnects = reconnects
        self.health = health
        self.deadLetterLocation = deadLetterLocation
        self.error = error
        self.advice = advice
    }
}
