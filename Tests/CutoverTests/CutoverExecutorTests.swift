import BillingModel
import BillingService
import Cutover
import CutoverCore
import Testing
import TrafficSwitch

/// Every command through the executor, with doubles for the control items, MySQL,
/// the streams, the gates' observations and the load balancer.
@Suite struct CutoverExecutorTests {
    @Test func shadowSetsTheSampleAndReadModeAndRecordsTheTransition() async throws {
        let harness = Harness()
        let report = try await harness.executor().run(.shadow(samplePercent: 5))
        #expect(report.outcome == .completed)
        #expect(report.phase == .shadow)
        let flags = harness.control.flags.value
        #expect(flags.readMode == .shadow && flags.writePrimary == .mysql && flags.shadowSample == 0.05)
        let state = harness.control.state.value
        #expect(state.phase == .shadow && state.revision == 2 && state.running == nil)
        let entry = try #require(state.audit.last)
        #expect(entry.command == "shadow --sample 5" && entry.outcome == .completed && entry.actor == "tester@host" && entry.reason == "test")
        #expect(entry.mysqlPosition == harness.mysqlAtPause.orderingKey)
    }

    @Test func aFailingGateRefusesWithEveryReasonAndChangesNoFlag() async throws {
        let harness = Harness()
        try await harness.advance(to: .shadow)
        let flagsBefore = harness.control.flags.value
        harness.observations.update {
            $0.lastValidation = nil
            $0.shadow = .init(compares: 10, mismatches: 0)
        }
        let report = try await harness.executor().run(.switchReads)
        #expect(report.outcome == .refused)
        #expect(report.reason.contains("no validation has run") && report.reason.contains("only 10 shadow compares"))
        #expect(report.verdicts.filter { !$0.passed }.map(\.gate) == [.recentValidation, .shadowClean])
        #expect(harness.control.flags.value == flagsBefore)
        #expect(harness.traffic.history.value.isEmpty)
        let state = harness.control.state.value
        #expect(state.phase == .shadow && state.audit.last?.outcome == .refused && state.revision == 4)
    }

    @Test func switchReadsRampsTrafficToGreenStepByStep() async throws {
        let harness = Harness()
        try await harness.advance(to: .shadow)
        let report = try await harness.executor().run(.switchReads)
        #expect(report.outcome == .completed && report.phase == .readsSwitched)
        #expect(harness.traffic.history.value.map(\.green) == [0, 50, 100])
        #expect(harness.control.flags.value.readMode == .dynamodb)
    }

    @Test func aFailingHealthGateSendsAllTrafficToBlueAndRestoresTheReadMode() async throws {
        var harness = Harness()
        harness.failAtGreenPercent = 50
        try await harness.advance(to: .shadow)
        let report = try await harness.executor().run(.switchReads)
        #expect(report.outcome == .reverted)
        #expect(report.reason.contains("automatic rollback") && report.reason.contains("error rate"))
        #expect(harness.traffic.current.value == .allBlue)
        #expect(harness.traffic.history.value.map(\.green) == [0, 50, 0])
        #expect(harness.control.flags.value.readMode == .shadow)
        #expect(harness.control.state.value.phase == .shadow)
        #expect(harness.control.state.value.audit.last?.outcome == .reverted)
    }

    @Test func switchWritesPausesDrainsAndOpensANewEpochOnDynamoDB() async throws {
        let harness = Harness()
        try await harness.advance(to: .readsSwitched)
        harness.streamDrainsOnPause()
        let report = try await harness.executor().run(.switchWrites)
        #expect(report.outcome == .completed && report.phase == .writesSwitched)
        let writes = harness.control.flagHistory.value.map(\.writePrimary)
        #expect(Array(writes.suffix(2)) == [.paused, .dynamodb])
        #expect(harness.control.flags.value.epoch == 1 && report.epoch == 1)
        #expect(harness.control.state.value.epochs.current.primary == .dynamodb)
        #expect(harness.replication.calls.value == ["stop forward", "start reverse 1"])
        #expect((report.writePauseMilliseconds ?? -1) >= 0)
    }

    @Test func aDrainThatMissesTheTimeoutRevertsToMySQLAndResumesWrites() async throws {
        var harness = Harness()
        harness.timeout = .milliseconds(100)
        try await harness.advance(to: .readsSwitched)
        // The forward stream never gets to MySQL's position at the pause.
        harness.control.forward.value = ReplicationPosition(orderingKey: SourcePosition.binlog(fileSequence: 3, position: 10, rowIndex: 0).orderingKey)
        let clock = ContinuousClock()
        let started = clock.now
        let report = try await harness.executor().run(.switchWrites)
        #expect(clock.now - started >= .milliseconds(100))
        #expect(report.outcome == .reverted && report.phase == .readsSwitched)
        #expect(report.reason.contains("did not apply MySQL's position"))
        let writes = harness.control.flagHistory.value.map(\.writePrimary)
        #expect(Array(writes.suffix(2)) == [.paused, .mysql])
        #expect(harness.control.flags.value.epoch == 0)
        #expect(harness.control.state.value.epochs.current.epoch == .initial)
        #expect(harness.replication.calls.value.isEmpty)
    }

    @Test func rollbackFromWritesSwitchedDrainsReverseAndGivesMySQLANewEpoch() async throws {
        let harness = Harness()
        try await harness.advance(to: .writesSwitched)
        harness.control.reverse.value = ReverseProgress(caughtUpThroughMilliseconds: 2_000_000_000, checkpoints: ["shard-1": "42"])
        let report = try await harness.executor().run(.rollback)
        #expect(report.outcome == .completed && report.phase == .shadow)
        let flags = harness.control.flags.value
        #expect(flags.writePrimary == .mysql && flags.readMode == .shadow && flags.epoch == 2)
        #expect(harness.traffic.current.value == .allBlue)
        let state = harness.control.state.value
        #expect(state.epochs.current.primary == .mysql && state.epochs.current.mysqlStartKey == harness.mysqlAtPause.orderingKey)
        #expect(state.audit.last?.reverseCheckpoints == ["shard-1": "42"])
        #expect(Array(harness.replication.calls.value.suffix(2)) == ["stop reverse", "start forward from \(harness.mysqlAtPause.orderingKey) in epoch 2"])
    }

    @Test func rollbackWhoseReverseDrainMissesTheTimeoutKeepsDynamoDBPrimary() async throws {
        var harness = Harness()
        harness.timeout = .milliseconds(80)
        try await harness.advance(to: .writesSwitched)
        // Reverse replication last caught up before the pause.
        harness.control.reverse.value = ReverseProgress(caughtUpThroughMilliseconds: 5)
        let report = try await harness.executor().run(.rollback)
        #expect(report.outcome == .reverted && report.phase == .writesSwitched)
        let flags = harness.control.flags.value
        #expect(flags.writePrimary == .dynamodb && flags.readMode == .dynamodb && flags.epoch == 1)
        #expect(harness.traffic.current.value == .allGreen)
    }

    @Test func completeDrainsReverseReplication() async throws {
        let harness = Harness()
        try await harness.advance(to: .writesSwitched)
        harness.control.reverse.value = ReverseProgress(caughtUpThroughMilliseconds: 2_000_000_000)
        let report = try await harness.executor().run(.complete)
        #expect(report.outcome == .completed && report.phase == .completed)
        #expect(harness.replication.calls.value.last == "stop reverse")
        await #expect(throws: CutoverError.self) { try await harness.executor().run(.rollback) }
    }

    @Test func rollbackFromReadsSwitchedSendsTrafficToBlue() async throws {
        let harness = Harness()
        try await harness.advance(to: .readsSwitched)
        let report = try await harness.executor().run(.rollback)
        #expect(report.outcome == .completed && report.phase == .shadow)
        #expect(harness.traffic.current.value == .allBlue && harness.control.flags.value.readMode == .shadow)
    }

    @Test func aStateMovedByAnotherOperatorIsNotOverwritten() async throws {
        let harness = Harness()
        harness.control.raceOnSave.value = true
        let error = await #expect(throws: CutoverError.self) { try await harness.executor().run(.shadow(samplePercent: 5)) }
        #expect(error?.description.contains("another operator") == true)
        #expect(harness.control.state.value.phase == .replicating)
        // The hold is taken first: nothing was changed.
        #expect(harness.control.flagHistory.value.isEmpty)
    }

    @Test func aCommandOutOfPhaseOrWithoutItsLoadBalancerDoesNothing() async throws {
        let harness = Harness()
        await #expect(throws: CutoverError.self) { try await harness.executor().run(.switchWrites) }
        try await harness.advance(to: .shadow)
        let error = await #expect(throws: CutoverExecutorError.self) { try await harness.executor(withTraffic: false).run(.switchReads) }
        #expect(error?.description.contains("--haproxy-socket") == true)
        #expect(harness.control.state.value.revision == 2)
    }

    @Test func aCommandRunningHoldsTheCutoverUntilItEndsOrItsHoldLapses() async throws {
        let harness = Harness()
        harness.control.state.update {
            $0.running = CutoverRun(command: "switch-writes", actor: "other@host", startedAt: "2026-01-01T00:00:00Z", expiresAtMilliseconds: 2_000_000_000)
        }
        let error = await #expect(throws: CutoverExecutorError.self) { try await harness.executor().run(.shadow(samplePercent: 5)) }
        #expect(error?.description.contains("by other@host is running") == true)
        #expect(try await harness.executor().status(auditEntries: 5).running?.actor == "other@host")
        #expect(harness.control.flagHistory.value.isEmpty)
        // A hold past its lapse (its process died) is taken over.
        harness.control.state.update { $0.running?.expiresAtMilliseconds = 5 }
        let report = try await harness.executor().run(.shadow(samplePercent: 5))
        #expect(report.outcome == .completed && harness.control.state.value.running == nil)
    }

    @Test func anErrorBeforeTheSwitchResumesWrites() async throws {
        let harness = Harness()
        try await harness.advance(to: .readsSwitched)
        var executor = harness.executor()
        executor.mysql = FailingPosition()
        let report = try await executor.run(.switchWrites)
        #expect(report.outcome == .reverted && report.reason.contains("no binlog here"))
        #expect(harness.control.flags.value.writePrimary == .mysql && harness.control.state.value.running == nil)
    }

    @Test func aDryRunPlanChangesNothing() async throws {
        let harness = Harness()
        try await harness.advance(to: .readsSwitched)
        let before = harness.control.flagHistory.value.count
        let (state, plan) = try await harness.executor().plan(.switchWrites)
        #expect(state.phase == .readsSwitched)
        #expect(plan.dryRunLines.contains { $0.contains("pause writes") })
        #expect(harness.control.flagHistory.value.count == before)
    }
}
