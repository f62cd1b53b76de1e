import ArgumentParser
import BillingModel
import DMSStaging
import Foundation
import Migration
import MigrationCore

#if canImport(Glibc)
import Glibc
#endif

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Run the whole migration from a plan file, phase by phase, up to \"ready to switch\"; resumable.",
        discussion: """
            The phases, in order: network (when the plan names routes: `network status`), source \
            (`check`), table (`table create`), full-load (`load`: the consistent snapshot, or the \
            files DMS staged), changes (`stream --until-caught-up`, or `apply --once` over staged \
            change files), validation (`validate`). Each runs as its own command would, with the \
            plan's settings, and stops the migration when it fails, with what to do.

            Where it stands is saved after every phase ({state}/migrate.json): run it again after a \
            failure or a kill and it starts again at the phase it was in (each phase resumes from \
            its own checkpoints) and skips the ones done. --restart forgets the progress (not the \
            phases' checkpoints). `billmig status --state` shows the phase.

            The plan (JSON): {"source": "mysql://USER@HOST:PORT/DB", "table": "BillingSystem", \
            "state": "s3://… or a folder", "mapping": "FILE", "staged": "s3://BUCKET/PREFIX" (load \
            and apply DMS's files instead of the snapshot and the binlog), "cdcPath": "cdc", \
            "changeSequenceColumn": "AR_H_CHANGE_SEQ", "routes": ["primary=HOST:PORT"], "maxWcu": 500, \
            "concurrency": 32, "tableStream": true, "entities": ["CHARGE"], "since": "2024-03-01", \
            "until": "2024-03-31"}. Only "source" is required. The password comes from \
            BILLMIG_MYSQL_PASSWORD (or the URL's password-env= / password-file=).

            A plan with "entities", "since" or "until" is a backfill: its full-load phase is \
            `load --entity … --since … --until …` (only those tables, only their rows dated in the \
            inclusive range, each item written unless the table holds it newer; its checkpoints \
            under {state}/backfill/{selection}/), and it ends there: no changes phase (the stream \
            that is running keeps the table current) and no validation (run `validate` when you \
            want it). Give it a "state" of its own, so that its progress is not the migration's.

            Exit status: 0 ready to switch; 3 ready, with rows in the dead-letter store; 1 a phase \
            failed (run again to resume).
            """
    )

    @Option(name: .long, help: "The migration plan (JSON, see above).")
    var plan: String

    @Flag(name: .long, help: "Forget the saved progress and run every phase again (their own checkpoints stay).")
    var restart = false

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let plan = try MigrationPlan.load(path: plan)
        let stateLocation = try StagingLocation(parsing: plan.state ?? MySQLSourceOptions.defaultState(table: plan.tableName))
        try await Runtime.with(needsAWS: stateLocation.isS3) { runtime in
            try await migrate(plan, state: try runtime.stateLocation(stateLocation))
        }
    }

    func migrate(_ plan: MigrationPlan, state: StateLocation) async throws {
        var progress =
            (restart ? nil : try await state.read(.migrationProgress))
            ?? MigrationProgress(phases: MigrationProgress.phases(probesRoutes: !plan.probedRoutes.isEmpty, backfill: plan.isBackfill))
        var failure: String?
        while let phase = progress.next {
            if !output.quiet { note("billmig migrate: phase \(phase)" + (progress.interrupted == phase ? " (again: the last run ended in it)" : "")) }
            try progress.start(phase, at: Self.now())
            try await state.write(progress, to: .migrationProgress)
            let outcome: MigrationProgress.Outcome
            var detail: String?
            do {
                // The phases' own summaries go to standard error when standard output carries --json.
                try await withStandardOutputOnStandardError(output.json) {
                    try await plan.run(phase, quiet: output.quiet)
                }
                outcome = .completed
            } catch let exit as ExitCode where exit.rawValue == ExitStatus.deadLettered.rawValue {
                outcome = .completedWithDeadLetters
                detail = "rows in the dead-letter store: see the phase's summary"
            } catch {
                outcome = .failed
                detail = (error as? ExitCode).map { "exit status \($0.rawValue)" } ?? String(describing: error)
            }
            try progress.finish(phase, outcome, at: Self.now(), note: detail)
            try await state.write(progress, to: .migrationProgress)
            if outcome == .failed {
                failure = "phase \(phase) failed (\(detail ?? "")): fix what its output says and run `billmig migrate --plan` again; it resumes at \(phase)"
                break
            }
        }

        let report = MigrationReport(progress: progress, failure: failure, backfill: plan.isBackfill)
        let status: ExitStatus = failure != nil ? .failure : progress.deadLettered ? .deadLettered : .success
        try output.conclude(report, status: status) { report.text }
    }

    static func now() -> String {
        DateTimeText.iso8601(epochMilliseconds: Int64(Date().timeIntervalSince1970 * 1000))
    }
}

/// Runs `body` with standard output sent to standard error when `redirect` (so that
/// `--json`'s report is the only thing on standard output).
private func withStandardOutputOnStandardError(_ redirect: Bool, _ body: () async throws -> Void) async throws {
    guard redirect else { return try await body() }
    fflush(nil)
    let saved = dup(STDOUT_FILENO)
    dup2(STDERR_FILENO, STDOUT_FILENO)
    defer {
        fflush(nil)
        dup2(saved, STDOUT_FILENO)
        close(saved)
    }
    try await body()
}

/// What `migrate` runs, as its plan file says.
struct MigrationPlan: Decodable, Sendable {
    var source: String
    private var table: String?
    var state: String?
    var mapping: String?
    /// DMS's staging location: the full load and the changes come from its files.
    var staged: String?
    var cdcPath: String?
    var changeSequenceColumn: String?
    private var routes: [String]?
    var maxWcu: Int?
    var concurrency: Int?
    /// Enable the table's stream (NEW_AND_OLD_IMAGES) for reverse replication; on unless the plan says false.
    private var tableStream: Bool?
    /// A backfill's selection (`load --entity/--since/--until`): the tables, and the inclusive range of dates.
    var entities: [String]?
    var since: String?
    var until: String?

    var tableName: String { table ?? "BillingSystem" }
    /// A plan that selects entities or dates re-loads part of the data.
    var isBackfill: Bool { !(entities ?? []).isEmpty || since != nil || until != nil }
    var probedRoutes: [String] { routes ?? [] }
    var enablesTableStream: Bool { tableStream ?? true }

    static func load(path: String) throws -> MigrationPlan {
        do {
            return try JSONDecoder().decode(MigrationPlan.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch let error as DecodingError {
            throw ValidationError("the plan \(path) is not a migration plan: \(error) (`billmig migrate --help` shows its fields)")
        } catch {
            throw ValidationError("cannot read the plan \(path): \(error)")
        }
    }

    /// The command line of `phase`, as an operator would type it (no secrets: the password stays in the environment).
    func arguments(for phase: MigrationPhase, quiet: Bool) -> [String] {
        let state = ["--state", self.state ?? MySQLSourceOptions.defaultState(table: tableName)]
        let mapping = self.mapping.map { ["--mapping", $0] } ?? []
        let limits = (maxWcu.map { ["--max-wcu", String($0)] } ?? []) + (concurrency.map { ["--concurrency", String($0)] } ?? [])
        let staging = (cdcPath.map { ["--cdc-path", $0] } ?? []) + (changeSequenceColumn.map { ["--change-sequence-column", $0] } ?? [])
        let progress = quiet ? ["--quiet"] : []
        let selection = (entities ?? []).flatMap { ["--entity", $0] } + (since.map { ["--since", $0] } ?? []) + (until.map { ["--until", $0] } ?? [])
        switch phase {
        case .network:
            return ["network", "status"] + probedRoutes.flatMap { ["--route", $0] } + progress
        case .source:
            return ["check", "--from", source] + mapping + progress
        case .table:
            return ["table", "create", "--table", tableName] + mapping + (enablesTableStream ? ["--stream"] : []) + progress
        case .fullLoad:
            return ["load", "--from", staged ?? source, "--table", tableName] + state + mapping + limits + (staged == nil ? [] : staging)
                + selection + progress
        case .changes:
            if let staged {
                return ["apply", "--from", staged, "--table", tableName, "--once"] + state + mapping + limits + staging + progress
            }
            return ["stream", "--from", source, "--table", tableName, "--until-caught-up"] + state + mapping + (maxWcu.map { ["--max-wcu", String($0)] } ?? [])
                + progress
        case .validation:
            return ["validate", "--from", source, "--table", tableName] + state + mapping + progress
        }
    }

    /// Runs `phase` as its command, in this process.
    func run(_ phase: MigrationPhase, quiet: Bool) async throws {
        var command = try Billmig.parseAsRoot(arguments(for: phase, quiet: quiet))
        if var asynchronous = command as? any AsyncParsableCommand {
            try await asynchronous.run()
        } else {
            try command.run()
        }
    }
}

/// `migrate`'s summary: where the migration stands, every phase's history.
struct MigrationReport: Encodable {
    var readyToSwitch: Bool
    var next: MigrationPhase?
    var failure: String?
    var deadLettered: Bool
    var history: [MigrationProgress.Entry]
    /// A backfill's plan: done, rather than ready to switch, at the end.
    var backfill: Bool

    init(progress: MigrationProgress, failure: String?, backfill: Bool = false) {
        self.backfill = backfill
        readyToSwitch = progress.isReadyToSwitch
        next = progress.next
        self.failure = failure
        deadLettered = progress.deadLettered
        history = progress.history
    }

    var text: String {
        var lines = [
            readyToSwitch
                ? "billmig migrate: " + (backfill ? "BACKFILL DONE" : "READY TO SWITCH")
                    + (deadLettered ? " (with dead-lettered rows: read the phases' summaries)" : "")
                : "billmig migrate: stopped before \(next.map(\.rawValue) ?? "the end")"
        ]
        for entry in history {
            lines.append(
                "  \(entry.phase.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) "
                    + "\((entry.outcome?.rawValue ?? "interrupted").padding(toLength: 28, withPad: " ", startingAt: 0)) "
                    + "\(entry.startedAt) -> \(entry.finishedAt ?? "-")" + (entry.note.map { ": \($0)" } ?? ""))
        }
        if let failure { lines.append(failure) }
        if readyToSwitch && !backfill { lines.append("next: the cutover (docs/cutover.md): `billmig cutover status`, then `cutover shadow`") }
        return lines.joined(separator: "\n")
    }
}
