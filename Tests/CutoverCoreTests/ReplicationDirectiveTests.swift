import BillingModel
import CutoverCore
import Foundation
import Testing

@Suite struct ReplicationDirectiveTests {
    static let rollbackStart = ReplicationDirective.ForwardStart(fileSequence: 3, position: 4_711)

    @Test func atMostOneStreamHasTheTurnUnderAnyDirective() {
        for runs in [ReplicationDirective.Runs.forward, .reverse, .neither] {
            let directive = ReplicationDirective(revision: 4, runs: runs, reverseEpoch: SwitchEpoch(3))
            let running = ReplicatedStream.allCases.filter { directive.turn(for: $0, acknowledged: nil) != .wait }
            #expect(running.map(\.rawValue) == (runs == .neither ? [] : [runs.rawValue]))
        }
    }

    @Test func theForwardStartAppliesOnlyToTheFirstRunUnderItsRevision() {
        var epochs = SwitchEpochHistory()
        epochs.switchToDynamoDB()
        epochs.switchToMySQL(resumingAt: .binlog(fileSequence: 3, position: 4_711, rowIndex: 0))
        let directive = ReplicationDirective(revision: 7, runs: .forward, forwardStart: Self.rollbackStart, epochs: epochs)
        // Stopped under the revision before: a fresh start at the rollback's position, with its epochs.
        let stopped = ReplicationAcknowledgement(stream: .forward, revision: 6, running: false)
        #expect(directive.turn(for: .forward, acknowledged: stopped) == .run(forwardStart: Self.rollbackStart, epochs: epochs, reverseEpoch: nil))
        // Already running under it (the follower was restarted): its checkpoint is further on.
        let started = ReplicationAcknowledgement(stream: .forward, revision: 7, running: true)
        #expect(directive.turn(for: .forward, acknowledged: started) == .run(forwardStart: nil, epochs: epochs, reverseEpoch: nil))
        #expect(directive.turn(for: .forward, acknowledged: nil) == .run(forwardStart: Self.rollbackStart, epochs: epochs, reverseEpoch: nil))
    }

    @Test func reverseReplicationCopiesTheDirectivesEpoch() {
        let directive = ReplicationDirective.initial.next(.reverse, reverseEpoch: SwitchEpoch(1))
        #expect(directive.revision == 1)
        #expect(directive.turn(for: .reverse, acknowledged: nil) == .run(forwardStart: nil, epochs: nil, reverseEpoch: SwitchEpoch(1)))
        #expect(directive.turn(for: .forward, acknowledged: nil) == .wait)
    }

    @Test func anAcknowledgementConfirmsOnlyTheStateTheDirectiveAsksFor() {
        let stopForward = ReplicationDirective(revision: 5, runs: .neither)
        #expect(ReplicationAcknowledgement(stream: .forward, revision: 5, running: false).confirms(stopForward))
        #expect(!ReplicationAcknowledgement(stream: .forward, revision: 5, running: true).confirms(stopForward))
        #expect(!ReplicationAcknowledgement(stream: .forward, revision: 4, running: false).confirms(stopForward), "an older revision's stop")
        let startReverse = stopForward.next(.reverse, reverseEpoch: SwitchEpoch(1))
        #expect(ReplicationAcknowledgement(stream: .reverse, revision: 6, running: true).confirms(startReverse))
        #expect(!ReplicationAcknowledgement(stream: .reverse, revision: 6, running: false).confirms(startReverse))
    }

    @Test func aDirectiveSurvivesItsJSON() throws {
        var epochs = SwitchEpochHistory()
        epochs.switchToDynamoDB()
        let directive = ReplicationDirective(revision: 2, runs: .forward, forwardStart: Self.rollbackStart, epochs: epochs)
        let decoded = try JSONDecoder().decode(ReplicationDirective.self, from: JSONEncoder().encode(directive))
        #expect(decoded == directive)
        #expect(ReplicationDirective.ForwardStart(.binlog(fileSequence: 3, position: 4_711, rowIndex: 2)) == Self.rollbackStart)
        #expect(ReplicationDirective.ForwardStart(.changeSequence("1")) == nil)
    }
}
