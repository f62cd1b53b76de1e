/// The phases `billmig migrate` runs, in order, up to "ready to switch".
public enum MigrationPhase: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// The routes to the source answer (only when the plan names routes).
    case network
    /// The source's binlog settings, grants, schema and retention (`check`).
    case source
    /// The table with its indexes and stream (`table create`).
    case table
    /// The full load: the consistent snapshot, or the files DMS staged (`load`).
    case fullLoad = "full-load"
    /// Every change committed since the snapshot, applied (`stream --until-caught-up`).
    case changes
    /// MySQL against DynamoDB, row by row (`validate`).
    case validation

    public var description: String { rawValue }
}

/// Where a migration stands: which phases are done, the one running, and every
/// phase's history. Pure; `billmig migrate` saves it after every transition, so a
/// run killed in any phase starts that phase again (each phase resumes from its
/// own checkpoints) and skips the ones before it.
public struct MigrationProgress: Sendable, Hashable, Codable {
    public enum Outcome: String, Sendable, Hashable, Codable {
        case completed
        /// Done, with rows or changes in the dead-letter store (the run goes on; the report says so).
        case completedWithDeadLetters = "completed-with-dead-letters"
        case failed
    }

    public struct Entry: Sendable, Hashable, Codable {
        public var phase: MigrationPhase
        /// ISO-8601.
        public var startedAt: String
        public var finishedAt: String?
        public var outcome: Outcome?
        public var note: String?
    }

    /// The phases this migration runs, in order.
    public private(set) var phases: [MigrationPhase]
    public private(set) var history: [Entry] = []

    public init(phases: [MigrationPhase]) {
        self.phases = phases
    }

    /// The phases of a plan: the network check only when it names routes to probe.
    /// A backfill's plan ends with its load: the stream already running keeps the
    /// table current (a second one on its state would compete with it), and a
    /// validation of the whole table is its own decision.
    public static func phases(probesRoutes: Bool, backfill: Bool = false) -> [MigrationPhase] {
        MigrationPhase.allCases.filter { ($0 != .network || probesRoutes) && (!backfill || ($0 != .changes && $0 != .validation)) }
    }

    public var completed: Set<MigrationPhase> {
        Set(history.filter { $0.outcome == .completed || $0.outcome == .completedWithDeadLetters }.map(\.phase))
    }

    /// The next phase to run; nil once every phase is done: ready to switch.
    public var next: MigrationPhase? {
        phases.first { !completed.contains($0) }
    }

    public var isReadyToSwitch: Bool { next == nil }

    /// The phase started last and not finished: the run was killed in it.
    public var interrupted: MigrationPhase? {
        guard let last = history.last, last.outcome == nil else { return nil }
        return last.phase
    }

    public var deadLettered: Bool { history.contains { $0.outcome == .completedWithDeadLetters } }

    public mutating func start(_ phase: MigrationPhase, at time: String) throws(MigrationWorkflowError) {
        guard phase == next else { throw .outOfOrder(phase, expected: next) }
        if interrupted != nil { history[history.count - 1].note = "interrupted (the process ended before it finished)" }
        history.append(Entry(phase: phase, startedAt: time))
    }

    public mutating func finish(_ phase: MigrationPhase, _ outcome: Outcome, at time: String, note: String? = nil) throws(MigrationWorkflowError) {
        guard let last = history.last, last.phase == phase, last.outcome == nil else { throw .notRunning(phase) }
        history[history.count - 1].finishedAt = time
        history[history.count - 1].outcome = outcome
        history[history.count - 1].note = note
    }
}

public enum MigrationWorkflowError: Error, Sendable, Hashable, CustomStringConvertible {
    case outOfOrder(MigrationPhase, expected: MigrationPhase?)
    case notRunning(MigrationPhase)

    public var description: String {
        switch self {
        case .outOfOrder(let phase, let expected):
            return "phase \(phase) cannot start now: " + (expected.map { "\($0) comes first" } ?? "the migration is ready to switch")
        case .notRunning(let phase):
            return "phase \(phase) is not running"
        }
    }
}
