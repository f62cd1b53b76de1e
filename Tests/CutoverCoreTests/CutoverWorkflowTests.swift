import Foundation
import BillingModel
import CutoverCore
import Testing

@Suite struct CutoverWorkflowTests {
    static let forward: [(CutoverCommand, CutoverPhase, CutoverPhase)] = [
        (.shadow(samplePercent: 5), .replicating, .shadow),
        (.switchReads, .shadow, .readsSwitched),
        (.switchWrites, .readsSwitched, .writesSwitched),
        (.complete, .writesSwitched, .completed),
    ]

    @Test func theForwardPathVisitsEveryPhaseInOrder() throws {
        var phase = CutoverPhase.replicating
        for (command, from, to) in Self.forward {
            #expect(phase == from)
            let plan = try CutoverWorkflow.plan(command, from: phase).get()
            #expect(plan.to == to)
            #expect(plan.steps.last == .recordPhase(to))
            phase = plan.to
        }
        #expect(phase == .completed)
    }

    @Test func everyPhaseButTheEndsRollsBack() throws {
        #expect(try CutoverWorkflow.plan(.rollback, from: .shadow).get().to == .replicating)
        #expect(try CutoverWorkflow.plan(.rollback, from: .readsSwitched).get().to == .shadow)
        let writesBack = try CutoverWorkflow.plan(.rollback, from: .writesSwitched).get()
        #expect(writesBack.to == .shadow)
        // Hold writes, drain the reverse stream, then MySQL in a new epoch, forward stream, traffic to blue.
        #expect(
            writesBack.steps == [
                .setWritePrimary(.paused), .drainReverseStream, .stopReverseStream, .raiseEpoch(primary: .mysql),
                .setWritePrimary(.mysql), .startForwardStream, .trafficToBlue, .setReadMode(.shadow), .recordPhase(.shadow),
            ])
        #expect(writesBack.onTimeout == [.setWritePrimary(.dynamodb)])
        // Rollback is never gated.
        #expect(!writesBack.steps.contains { if case .checkGates = $0 { true } else { false } })
        let nothing = try #require(CutoverWorkflow.plan(.rollback, from: .replicating).failure)
        #expect(nothing.description.contains("nothing to roll back"))
        let completed = try #require(CutoverWorkflow.plan(.rollback, from: .completed).failure)
        #expect(completed.description.contains("completed"))
    }

    @Test func theWriteSwitchPausesDrainsAndRaisesTheEpochBeforeDynamoDBTakesWrites() throws {
        let plan = try CutoverWorkflow.plan(.switchWrites, from: .readsSwitched).get()
        #expect(
            plan.steps == [
                .checkGates([.streamLag, .recentValidation, .shadowClean, .greenReady, .noAlarm]),
                .setWritePrimary(.paused), .drainForwardStream, .stopForwardStream, .raiseEpoch(primary: .dynamodb),
                .setWritePrimary(.dynamodb), .startReverseStream, .recordPhase(.writesSwitched),
            ])
        // A drain that misses the timeout resumes writes on MySQL.
        #expect(plan.onTimeout == [.setWritePrimary(.mysql)])
        // The two streams never run at once: forward stops before reverse starts.
        let stop = try #require(plan.steps.firstIndex(of: .stopForwardStream))
        let start = try #require(plan.steps.firstIndex(of: .startReverseStream))
        #expect(stop < start)
    }

    @Test func commandsOutOfOrderAreRefusedWithWhereTheyApply() throws {
        let error = try #require(CutoverWorkflow.plan(.switchWrites, from: .shadow).failure)
        #expect(error.description.contains("does not apply in phase shadow"))
        #expect(error.description.contains("reads-switched"))
        #expect(CutoverWorkflow.plan(.switchReads, from: .replicating).failure != nil)
        #expect(CutoverWorkflow.plan(.complete, from: .readsSwitched).failure != nil)
        #expect(CutoverWorkflow.plan(.shadow(samplePercent: 0), from: .replicating).failure?.description.contains("--sample") == true)
        for command in [CutoverCommand.shadow(samplePercent: 1), .switchReads, .switchWrites, .complete] {
            #expect(CutoverWorkflow.plan(command, from: .completed).failure != nil)
        }
    }

    @Test func theDryRunPrintsEveryStepAndTheTimeoutPath() throws {
        let lines = try CutoverWorkflow.plan(.switchWrites, from: .readsSwitched).get().dryRunLines
        #expect(lines.first == "switch-writes: reads-switched -> writes-switched")
        #expect(lines.contains("  2. pause writes (requests wait, bounded by --timeout)"))
        #expect(lines.contains("  if a wait times out:"))
        #expect(lines.last == "    1. set write primary to mysql")
        #expect(lines.count == 1 + 8 + 2)
    }

    // MARK: State and audit

    @Test func recordingPlansMovesFlagsEpochsAndTheAuditTrail() throws {
        var state = CutoverState()
        func run(_ command: CutoverCommand, _ outcome: CutoverAuditEntry.Outcome = .completed, resume: SourcePosition? = nil) throws {
            let plan = try CutoverWorkflow.plan(command, from: state.phase).get()
            try state.record(
                plan, outcome: outcome, at: "2026-12-02T08:00:00Z", reason: "change window 42", actor: "ops@host",
                mysqlPosition: .binlog(fileSequence: 3, position: 100, rowIndex: 0), mysqlResumePosition: resume)
        }
        try run(.shadow(samplePercent: 5))
        #expect(state.readMode == .shadow)
        #expect(state.shadowSamplePercent == 5)
        try run(.switchReads)
        try run(.switchWrites, .reverted)
        // A reverted switch leaves phase, flags and epoch as they were, and says so in the audit.
        #expect(state.phase == .readsSwitched)
        #expect(state.writePrimary == .mysql)
        #expect(state.epochs.current.epoch == .initial)
        #expect(state.audit.last?.outcome == .reverted)
        try run(.switchWrites)
        #expect(state.phase == .writesSwitched)
        #expect((state.readMode, state.writePrimary) == (.dynamodb, .dynamodb))
        #expect(state.epochs.current == SwitchEpochHistory.Entry(epoch: SwitchEpoch(1), primary: .dynamodb))
        try run(.rollback, resume: .binlog(fileSequence: 3, position: 900, rowIndex: 0))
        #expect(state.phase == .shadow)
        #expect(state.writePrimary == .mysql)
        #expect(state.epochs.current.epoch == SwitchEpoch(2))
        #expect(state.epochs.current.mysqlStartKey == SourcePosition.binlog(fileSequence: 3, position: 900, rowIndex: 0).orderingKey)
        #expect(state.revision == 5)
        #expect(state.audit.map(\.command) == ["shadow --sample 5", "switch-reads", "switch-writes", "switch-writes", "rollback"])
        #expect(state.audit.map(\.epoch.number) == [0, 0, 0, 1, 2])
        let last = try #require(state.audit.last)
        #expect((last.from, last.to, last.reason, last.actor) == (.writesSwitched, .shadow, "change window 42", "ops@host"))
        #expect(last.mysqlPosition == SourcePosition.binlog(fileSequence: 3, position: 100, rowIndex: 0).orderingKey)
        // The whole state survives the control record's JSON.
        let decoded = try JSONDecoder().decode(CutoverState.self, from: JSONEncoder().encode(state))
        #expect(decoded == state)
    }

    @Test func aPlanMadeFromAnotherPhaseIsNotRecorded() throws {
        var state = CutoverState()
        let stale = try CutoverWorkflow.plan(.switchReads, from: .shadow).get()
        #expect(throws: CutoverError.self) {
            try state.record(stale, outcome: .completed, at: "t", reason: "r", actor: "a")
        }
        #expect(state.revision == 0)
        #expect(state.audit.isEmpty)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
