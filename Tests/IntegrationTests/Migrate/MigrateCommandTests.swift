import Foundation
import MigrationCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `billmig migrate` against MariaDB and moto_server: the whole migration from a
/// plan file, killed with SIGKILL in its full load and run again, ends ready to
/// switch with the table validated; its progress file tells what happened.
@Suite(.serialized) struct MigrateCommandTests {
    struct Report: Decodable {
        var readyToSwitch: Bool
        var next: String?
        var history: [MigrationProgress.Entry]
    }

    /// What a migrate test works with: a fresh database with generated rows, moto,
    /// a plan file for a new table, and the state folder its progress is saved in.
    struct Setup {
        var url: String
        var environment: [String: String]
        var work: URL
        var state: String
        var table: String
        var plan: URL

        func progress() -> MigrationProgress? {
            (try? Data(contentsOf: URL(fileURLWithPath: state).appendingPathComponent("migrate.json")))
                .flatMap { try? JSONDecoder().decode(MigrationProgress.self, from: $0) }
        }
    }

    static func withMigration(_ label: String, seed: Int, _ body: (Setup) async throws -> Void) async throws {
        try await MariaDBSupport.withFreshDatabase(label) { database in
            let url = try await MariaDBSupport.url(database: database)
            try await LocalAWS.withMotoServer(authenticated: false) { aws in
                var environment = aws.environment
                environment["BILLMIG_MYSQL_PASSWORD"] = MariaDBSupport.password
                let work = FileManager.default.temporaryDirectory.appendingPathComponent("billmig-migrate-\(UInt32.random(in: 0...UInt32.max))")
                try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: work) }
                let generated = try await BillmigCLI.run(
                    ["generate", "--to", url, "--accounts", "25", "--seed", String(seed), "--replace", "--quiet"], environment: environment)
                try #require(generated.status == 0, "\(generated.stderr)")
                let state = work.appendingPathComponent("state").path
                let table = MotoTestServer.uniqueName(label)
                let plan = work.appendingPathComponent("plan.json")
                try Data(#"{"source": "\#(url)", "table": "\#(table)", "state": "\#(state)", "concurrency": 4, "maxWcu": 1500}"#.utf8).write(to: plan)
                try await body(Setup(url: url, environment: environment, work: work, state: state, table: table, plan: plan))
            }
        }
    }

    @Test func aMigrationKilledInItsFullLoadResumesThereAndEndsReadyToSwitch() async throws {
        try await Self.withMigration("migrate", seed: 41) { setup in
            let (env, work, state, table, plan) = (setup.environment, setup.work, setup.state, setup.table, setup.plan)
            func progress() -> MigrationProgress? { setup.progress() }

            // Killed in the full load, once its snapshot position is saved and rows are being written.
            let first = try BackgroundCommand(["migrate", "--plan", plan.path], environment: env, log: work.appendingPathComponent("first"))
            defer { if first.isRunning { first.kill(SIGKILL) } }
            let loading = try await waitUntil(timeout: .seconds(60), every: .milliseconds(100)) {
                progress()?.interrupted == .fullLoad && FileManager.default.fileExists(atPath: state + "/snapshot.json")
            }
            try #require(loading, "the migration reaches its full load: \(first.output())")
            try await Task.sleep(for: .milliseconds(500))
            first.kill(SIGKILL)
            _ = await first.exitStatus()
            let killed = try #require(progress())
            #expect(killed.completed == [.source, .table] && killed.interrupted == .fullLoad)
            let status = try await BillmigCLI.run(["status", "--table", table, "--state", state], environment: env)
            #expect(status.stdout.contains("migrate: phase full-load (running, or killed in it); done: source, table"), "\(status.stdout) \(status.stderr)")

            let second = try await BillmigCLI.run(["migrate", "--plan", plan.path, "--json", "--quiet"], environment: env)
            #expect(second.status == 0, "\(second.stdout.suffix(1500)) \(second.stderr.suffix(1500))")
            let report = try JSONDecoder().decode(Report.self, from: Data(second.stdout.utf8))
            #expect(report.readyToSwitch && report.next == nil)
            #expect(
                report.history.map { "\($0.phase.rawValue) \($0.outcome?.rawValue ?? "-")" } == [
                    "source completed", "table completed", "full-load -", "full-load completed", "changes completed", "validation completed",
                ])
            #expect(report.history[2].note?.contains("interrupted") == true)

            // Ready stays ready: a third run does nothing and says so.
            let third = try await BillmigCLI.run(["migrate", "--plan", plan.path], environment: env)
            #expect(third.status == 0 && third.stdout.contains("READY TO SWITCH"), "\(third.stdout)")
            // A broken plan is refused with what to fix.
            try Data(#"{"table": "x"}"#.utf8).write(to: plan)
            let broken = try await BillmigCLI.run(["migrate", "--plan", plan.path], environment: env)
            #expect(broken.status != 0 && broken.stderr.contains("is not a migration plan"), "\(broken.stderr)")
        }
    }

    /// Killed with SIGKILL in every phase in turn (each as soon as the progress file
    /// says it runs), started again each time: each run resumes the phase it was
    /// killed in, and the last ends ready to switch with nothing lost.
    @Test func aMigrationKilledInEachPhaseResumesEachTimeAndEndsReadyToSwitch() async throws {
        try await Self.withMigration("migratekill", seed: 43) { setup in
            let (url, env, work, state, table, plan) = (setup.url, setup.environment, setup.work, setup.state, setup.table, setup.plan)
            func progress() -> MigrationProgress? { setup.progress() }

            var killedIn: [MigrationPhase] = []
            for (round, phase) in [MigrationPhase.source, .table, .fullLoad, .changes, .validation].enumerated() {
                if progress()?.completed.contains(phase) == true { continue }  // a quick phase finished before its kill
                let run = try BackgroundCommand(["migrate", "--plan", plan.path], environment: env, log: work.appendingPathComponent("run\(round)"))
                defer { if run.isRunning { run.kill(SIGKILL) } }
                let reached = try await waitUntil(timeout: .seconds(60), every: .milliseconds(2)) {
                    guard let now = progress() else { return false }
                    return now.interrupted == phase || now.completed.contains(phase) || !run.isRunning
                }
                try #require(reached, "round \(round): the migration never reached \(phase): \(run.output())")
                run.kill(SIGKILL)
                _ = await run.exitStatus()
                if let now = progress(), let interrupted = now.interrupted {
                    killedIn.append(interrupted)
                    #expect(!now.completed.contains(interrupted))
                }
            }
            // The phases that take more than a moment are each killed at least once; the quick
            // ones (a check, a table that exists) are killed when the poll catches them.
            print("migrate killed in: \(killedIn.map(\.rawValue))")
            #expect(Set(killedIn).isSuperset(of: [.fullLoad, .changes, .validation]), "\(killedIn)")

            let last = try await BillmigCLI.run(["migrate", "--plan", plan.path, "--json", "--quiet"], environment: env)
            #expect(last.status == 0, "\(last.stdout.suffix(1500)) \(last.stderr.suffix(1500))")
            let report = try JSONDecoder().decode(Report.self, from: Data(last.stdout.utf8))
            #expect(report.readyToSwitch)
            // Every kill left its phase interrupted in the history, and each was run again to completion.
            for phase in Set(killedIn) {
                #expect(report.history.contains { $0.phase == phase && $0.outcome == nil }, "\(phase)")
                #expect(report.history.contains { $0.phase == phase && $0.outcome == .completed }, "\(phase)")
            }
            // The last phase's validation compared the table with MySQL: ready means equal.
            let validate = try await BillmigCLI.run(["validate", "--from", url, "--table", table, "--state", state, "--quiet"], environment: env)
            #expect(validate.status == 0, "\(validate.stdout.suffix(2000))")
        }
    }
}
