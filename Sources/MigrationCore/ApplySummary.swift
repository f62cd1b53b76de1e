/// The outcome of an `apply` run, printed for people and, with `--json`, for machines.
public struct ApplySummary: Sendable, Codable, Equatable {
    public struct Entity: Sendable, Codable, Equatable {
        public var entity: String
        public var changesRead: Int
        public var applied: Int
        public var skippedStale: Int
        public var deadLettered: Int

        public init(entity: String, counts: ChangeCounts) {
            self.entity = entity
            changesRead = counts.changesRead
            applied = counts.applied
            skippedStale = counts.skippedStale
            deadLettered = counts.deadLettered
        }
    }

    public struct Files: Sendable, Codable, Equatable {
        /// Change files found over every pass (each file counted once).
        public var found: Int
        /// Files an earlier run (or pass) had applied.
        public var skipped: Int
        /// Files applied to their end by this run.
        public var applied: Int

        public init(found: Int, skipped: Int, applied: Int) {
            self.found = found
            self.skipped = skipped
            self.applied = applied
        }
    }

    /// `completed` when every change read was applied or skipped as stale.
    public var status: LoadSummary.Status
    public var source: String
    public var table: String
    public var elapsedSeconds: Double
    /// Listings of the source (1 with `--once`).
    public var passes: Int
    /// True when a signal stopped the run (polling ends this way).
    public var stopped: Bool
    /// Counts of this run, per entity in mapping order.
    public var entities: [Entity]
    public var total: Entity
    public var changesPerSecond: Double
    public var files: Files
    public var deadLetterLocation: String?
    public var error: String?

    public init(
        status: LoadSummary.Status, source: String, table: String, elapsedSeconds: Double, passes: Int,
        stopped: Bool, perEntity: [(String, ChangeCounts)], files: Files, deadLetterLocation: String?,
        error: String?
    ) {
        self.status = status
        self.source = source
        self.table = table
        self.elapsedSeconds = elapsedSeconds
        self.passes = passes
        self.stopped = stopped
        entities = perEntity.map { Entity(entity: $0.0, counts: $0.1) }
        let sum = perEntity.reduce(ChangeCounts()) { $0 + $1.1 }
        total = Entity(entity: "TOTAL", counts: sum)
        changesPerSecond = elapsedSeconds > 0 ? Double(sum.changesRead) / elapsedSeconds : 0
        self.files = files
        self.deadLetterLocation = deadLetterLocation
        self.error = error
    }

    /// The status a run with these counts ends in.
    public static func status(total: ChangeCounts, failed: Bool) -> LoadSummary.Status {
        if failed || total.unaccounted != 0 { return .failed }
        return total.deadLettered > 0 ? .completedWithDeadLetters : .completed
    }
}
