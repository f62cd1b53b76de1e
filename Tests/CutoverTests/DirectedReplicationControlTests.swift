import BillingModel
import Cutover
import CutoverCore
import Testing

/// The directive and acknowledgements in memory, conditional on the revision as the control item is.
final class MemoryDirectives: ReplicationDirectiveStore, Sendable {
    let directive = Shared(ReplicationDirective.initial)
    let acknowledgements = Shared<[ReplicatedStream: ReplicationAcknowledgement]>([:])

    func loadDirective() async throws -> ReplicationDirective { directive.value }

    func saveDirective(_ next: ReplicationDirective) async throws {
        guard directive.value.revision == next.revision - 1 else { throw CutoverExecutorError("stale", isConflict: true) }
        directive.value = next
    }

    func loadAcknowledgement(_ stream: ReplicatedStream) async throws -> ReplicationAcknowledgement? { acknowledgements.value[stream] }

    func saveAcknowledgement(_ acknowledgement: ReplicationAcknowledgement) async throws {
        acknowledgements.update { $0[acknowledgement.stream] = acknowledgement }
    }

    /// A follower of `stream` that acknowledges each directive as it would, after `delay`.
    func follow(_ stream: ReplicatedStream, delay: Duration = .milliseconds(20)) async throws {
        var acknowledged: ReplicationAcknowledgement?
        while !Task.isCancelled {
            let current = directive.value
            let running = current.turn(for: stream, acknowledged: acknowledged) != .wait
            if acknowledged?.revision != current.revision {
                try await Task.sleep(for: delay)
                acknowledged = ReplicationAcknowledgement(stream: stream, revision: current.revision, running: running)
                try await saveAcknowledgement(acknowledged!)
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}

@Suite struct DirectedReplicationControlTests {
    @Test func eachStepWaitsUntilItsStreamConfirmsIt() async throws {
        let store = MemoryDirectives()
        let control = DirectedReplicationControl(store: store, timeout: .seconds(10), pollInterval: .milliseconds(5))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await store.follow(.forward) }
            group.addTask { try await store.follow(.reverse) }

            try await control.stopForward()
            #expect(store.acknowledgements.value[.forward] == ReplicationAcknowledgement(stream: .forward, revision: 1, running: false))
            try await control.startReverse(epoch: SwitchEpoch(1))
            #expect(store.acknowledgements.value[.reverse] == ReplicationAcknowledgement(stream: .reverse, revision: 2, running: true))
            #expect(store.directive.value.reverseEpoch == SwitchEpoch(1))

            try await control.stopReverse()
            #expect(store.acknowledgements.value[.reverse]?.running == false)
            var epochs = SwitchEpochHistory()
            epochs.switchToDynamoDB()
            let resume = SourcePosition.binlog(fileSequence: 4, position: 900, rowIndex: 0)
            epochs.switchToMySQL(resumingAt: resume)
            try await control.startForward(from: resume, epochs: epochs)
            let directive = store.directive.value
            #expect(directive.runs == .forward && directive.revision == 4)
            #expect(directive.forwardStart == .init(fileSequence: 4, position: 900) && directive.epochs == epochs)
            #expect(store.acknowledgements.value[.forward] == ReplicationAcknowledgement(stream: .forward, revision: 4, running: true))
            group.cancelAll()
        }
    }

    @Test func withoutAFollowerAStepFailsNamingTheCommandAndAStopIsTakenBack() async throws {
        let store = MemoryDirectives()
        let control = DirectedReplicationControl(store: store, timeout: .milliseconds(50), pollInterval: .milliseconds(5))
        let error = await #expect(throws: CutoverExecutorError.self) { try await control.stopForward() }
        #expect(error?.description.contains("`billmig stream --follow-cutover` did not confirm it stopped") == true, "\(error.map(String.init(describing:)) ?? "")")
        // Taken back: the plan reverts to MySQL as primary, where the forward stream runs (from its checkpoint).
        #expect(store.directive.value == ReplicationDirective(revision: 2, runs: .forward))
        // A start that is not confirmed stands: after the switch the stream must run once it is there.
        await #expect(throws: CutoverExecutorError.self) { try await control.startReverse(epoch: SwitchEpoch(1)) }
        #expect(store.directive.value.runs == .reverse)
    }
}
