import MigrationCore
import Testing

@Suite struct MigrationWorkflowTests {
    @Test func phasesRunInOrderAndTheNetworkCheckOnlyWithRoutes() throws {
        #expect(MigrationProgress.phases(probesRoutes: false) == [.source, .table, .fullLoad, .changes, .validation])
        #expect(MigrationProgress.phases(probesRoutes: true).first == .network)
        #expect(MigrationProgress.phases(probesRoutes: true, backfill: true) == [.network, .source, .table, .fullLoad])
        var progress = MigrationProgress(phases: MigrationProgress.phases(probesRoutes: false))
        for phase in progress.phases {
            #expect(progress.next == phase)
            #expect(throws: MigrationWorkflowError.self) { try progress.start(.validation == phase ? .source : .validation, at: "t") }
            try progress.start(phase, at: "t0")
            try progress.finish(phase, phase == .fullLoad ? .completedWithDeadLetters : .completed, at: "t1")
        }
        #expect(progress.isReadyToSwitch && progress.next == nil && progress.deadLettered)
        #expect(throws: MigrationWorkflowError.self) { try progress.start(.source, at: "t2") }
    }

    @Test func aRunKilledInAPhaseStartsThatPhaseAgainAndKeepsWhatWasDone() throws {
        var progress = MigrationProgress(phases: MigrationProgress.phases(probesRoutes: false))
        try progress.start(.source, at: "t0")
        try progress.finish(.source, .completed, at: "t1")
        try progress.start(.table, at: "t1")
        try progress.finish(.table, .completed, at: "t2")
        try progress.start(.fullLoad, at: "t2")
        // Killed here: what is saved says so.
        #expect(progress.interrupted == .fullLoad && progress.next == .fullLoad)
        try progress.start(.fullLoad, at: "t3")
        #expect(progress.history.filter { $0.phase == .fullLoad }.count == 2)
        #expect(progress.history[2].note?.contains("interrupted") == true)
        try progress.finish(.fullLoad, .completed, at: "t4")
        #expect(progress.next == .changes && progress.completed == [.source, .table, .fullLoad])
    }

    @Test func aFailedPhaseIsRunAgainNextTime() throws {
        var progress = MigrationProgress(phases: [.source, .table])
        try progress.start(.source, at: "t0")
        try progress.finish(.source, .failed, at: "t1", note: "binlog_format is STATEMENT")
        #expect(progress.next == .source && progress.interrupted == nil)
        #expect(throws: MigrationWorkflowError.self) { try progress.finish(.source, .completed, at: "t2") }
    }
}
