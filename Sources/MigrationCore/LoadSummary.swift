/// The outcome of a `load`, printed for people and, with `--json`, for machines.
public struct LoadSummary: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        /// Every row read was written.
        case completed
        /// The run finished; some rows are in the dead-letter store.
        case completedWithDeadLetters = "completed_with_dead_letters"
        /// The run stopped before finishing; checkpoints allow a resume.
        case failed

        /// A run's status from its totals: failed when it stopped early or a row
        /// was neither written nor dead-lettered; a damaged file is a dead letter.
        public init(total: EntityCounts, stoppedEarly: Bool, damagedFiles: Int = 0) {
            if stoppedEarly || total.unaccounted != 0 {
                self = .failed
            } else if total.deadLettered > 0 || damagedFiles > 0 {
                self = .completedWithDeadLetters
            } else {
                self = .completed
            }
        }
    }

    public struct Entity: Sendable, Codable, Equatable {
        public var entity: String
        public var rowsRead: Int
        public var itemsWritten: Int
        public var deadLettered: Int
        /// A backfill's rows dated outside its range (`EntityCounts.skippedOutOfRange`).
        public var skippedOutOfRange: Int
        /// A backfill's rows whose items the table holds newer (`EntityCounts.keptNewer`).
        public var keptNewer: Int
        public var elapsedSeconds: Double
        public var rowsPerSecond: Double
    }

    public struct Files: Sendable, Codable, Equatable {
        /// Staged files found for the mapped tables.
        public var found: Int
        /// Files a previous run had finished, skipped.
        public var skipped: Int
        /// Files finished by this run.
        public var completed: Int
        /// Files that could not be read to their end, each dead-lettered as a
        /// file (their records before the damage are loaded).
        public var damaged: [String]

        public init(found: Int, skipped: Int, completed: Int, damaged: [String] = []) {
            self.found = found
            self.skipped = skipped
            self.completed = completed
            self.damaged = damaged
        }
    }

    public var status: Status
    public var source: String
    public var table: String
    public var dryRun: Bool
    public var elapsedSeconds: Double
    public var entities: [Entity]
    public var total: Entity
    public var files: Files
    /// Where dead-letter records were written, when any were.
    public var deadLetterLocation: String?
    public var error: String?
    /// For a direct snapshot load: the binlog position the change stream starts from.
    public var snapshot: SnapshotPosition?
    /// For a backfill: what it re-loaded (`LoadSelection.description`); nil for the full load.
    public var backfill: String?

    public init(
        status: Status, source: String, table: String, dryRun: Bool, elapsedSeconds: Double,
        perEntity: [(String, EntityCounts, Double)], files: Files,
        deadLetterLocation: String?, error: String?
    ) {
        self.status = status
        self.source = source
        self.table = table
        self.dryRun = dryRun
        self.elapsedSeconds = elapsedSeconds
        self.entities = perEntity.map { name, counts, seconds in
            Entity(
                entity: name, rowsRead: counts.rowsRead, itemsWritten: counts.itemsWritten,
                deadLettered: counts.deadLettered, skippedOutOfRange: counts.skippedOutOfRange, keptNewer: counts.keptNewer,
                elapsedSeconds: seconds,
                rowsPerSecond: seconds > 0 ? Double(counts.rowsRead) / seconds : 0
            )
        }
        let sum = perEntity.reduce(EntityCounts()) { $0 + $1.1 }
        self.total = Entity(
            entity: "TOTAL", rowsRead: sum.rowsRead, itemsWritten: sum.itemsWritten,
            deadLettered: sum.deadLettered, skippedOutOfRange: sum.skippedOutOfRange, keptNewer: sum.keptNewer,
            elapsedSeconds: elapsedSeconds,
            rowsPerSecond: elapsedSeconds > 0 ? Double(sum.rowsRead) / elapsedSeconds : 0
        )
        self.files = files
        self.deadLetterLocation = deadLetterLocation
        self.error = error
    }
}
