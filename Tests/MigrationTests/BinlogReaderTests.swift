import BillingModel
@testable import Migration
import MigrationCore
import MySQLSource
import Testing

/// The one binlog read loop of `stream` and `stage`, against a scripted binlog.
@Suite struct BinlogReaderTests {
    static func at(_ position: UInt64, _ file: String = "bin.000001") -> BinlogCoordinates {
        BinlogCoordinates(file: file, position: position)
    }

    static let quickReconnect = ReconnectBackoff.Policy(initialDelay: .milliseconds(1), maxDelay: .milliseconds(2), tolerance: .seconds(5))

    /// What the consumer saw, in order, as short strings.
    static func read(
        _ source: ScriptedBinlogSource, from start: BinlogStart = .coordinates(at(4)), mode: BinlogStopRule.Mode,
        policy: ReconnectBackoff.Policy = quickReconnect
    ) async throws -> (ending: StreamSummary.Ending, events: [String]) {
        var reader = BinlogReader(source: source, reconnect: policy, stop: StopSignal())
        reader.primaryRecheck = .milliseconds(2)
        var events: [String] = []
        let ending = try await reader.read(from: start, stopRule: BinlogStopRule(mode: mode)) { event in
            switch event {
            case .changes(let changes): events.append("changes " + changes.map { $0.row[0].text ?? "" }.joined(separator: ","))
            case .commit(let at, _, _): events.append("commit \(at.position)")
            case .idle(let at): events.append("idle \(at.position)")
            case .reopened: events.append("open")
            case .reconnecting: events.append("reconnect")
            case .route(let backup): if let backup { events.append("over backup \(backup)") }
            case .batchRead: break
            }
        }
        return (ending, events)
    }

    @Test func aTransactionReadAgainAfterAReconnectIsNotDeliveredTwice() async throws {
        let source = ScriptedBinlogSource([
            // Transaction 1 commits; transaction 2 is cut after its first rows event.
            .init(batches: [
                [.changes([ScriptedBinlogSource.change("BILL", 1, at: Self.at(100))])], [.commit(resumeAt: Self.at(150), gtid: nil)],
                [.changes([ScriptedBinlogSource.change("BILL", 2, at: Self.at(200))])],
            ], dropsAtEnd: true),
            // The new session starts at the end of transaction 1 and reads transaction 2 whole.
            .init(batches: [
                [.changes([ScriptedBinlogSource.change("BILL", 2, at: Self.at(200))])],
                [.changes([ScriptedBinlogSource.change("BILL", 3, at: Self.at(250))])], [.commit(resumeAt: Self.at(300), gtid: nil)],
            ], dropsAtEnd: false),
        ])
        let result = try await Self.read(source, mode: .stopAt(file: "bin.000001", position: 300))
        #expect(result.ending == .stopPositionReached)
        #expect(result.events == ["open", "changes 1", "commit 150", "changes 2", "reconnect", "open", "changes 3", "commit 300"])
        #expect(source.openedFrom == [.coordinates(Self.at(4)), .coordinates(Self.at(150))])
    }

    @Test func aSessionOverTheBackupRouteReturnsToThePrimaryAtTheSamePositionOnceItAnswers() async throws {
        let source = ScriptedBinlogSource([
            // The primary could not be reached: the session runs over the backup, and a
            // transaction is open when the primary answers again.
            .init(batches: [
                [.changes([ScriptedBinlogSource.change("BILL", 1, at: Self.at(100))])], [.commit(resumeAt: Self.at(150), gtid: nil)],
                [.changes([ScriptedBinlogSource.change("BILL", 2, at: Self.at(200))])],
            ], dropsAtEnd: false, backupRoute: "10.0.2.5:3306"),
            .init(batches: [
                [.changes([ScriptedBinlogSource.change("BILL", 2, at: Self.at(200))])], [.commit(resumeAt: Self.at(300), gtid: nil)],
            ], dropsAtEnd: false),
        ])
        let result = try await Self.read(source, mode: .stopAt(file: "bin.000001", position: 300))
        #expect(result.ending == .stopPositionReached)
        // Reopened on the primary after the last commit read: no failure, nothing twice.
        #expect(result.events == ["open", "over backup 10.0.2.5:3306", "changes 1", "commit 150", "changes 2", "open", "commit 300"])
        #expect(source.openedFrom == [.coordinates(Self.at(4)), .coordinates(Self.at(150))])
    }

    @Test func untilCaughtUpEndsAtTheFirstIdlePointBetweenTransactions() async throws {
        let source = ScriptedBinlogSource([
            .init(batches: [
                [.changes([ScriptedBinlogSource.change("BILL", 1, at: Self.at(100))])],
                // A heartbeat inside a transaction is not an idle point.
                [.heartbeat(at: Self.at(120))],
                [.commit(resumeAt: Self.at(150), gtid: nil)],
                [.rotate(to: Self.at(4, "bin.000002"))],
            ], dropsAtEnd: false),
        ])
        let result = try await Self.read(source, mode: .untilCaughtUp)
        #expect(result.ending == .caughtUp)
        #expect(result.events == ["open", "changes 1", "commit 150", "idle 4"])
    }

    @Test func anUnreachableSourceEndsTheReadAfterTheTolerance() async throws {
        let source = ScriptedBinlogSource([])
        let policy = ReconnectBackoff.Policy(initialDelay: .milliseconds(1), maxDelay: .milliseconds(5), tolerance: .milliseconds(50))
        await #expect(throws: BinlogStreamError.self) {
            _ = try await Self.read(source, mode: .never, policy: policy)
        }
        #expect(source.openedFrom.count > 1, "it tried again before giving up")
    }

    @Test func aStopRequestEndsTheReadBetweenBatches() async throws {
        let source = ScriptedBinlogSource([.init(batches: [], dropsAtEnd: false)])
        let stop = StopSignal()
        let reader = BinlogReader(source: source, reconnect: Self.quickReconnect, stop: stop)
        var idles = 0
        let ending = try await reader.read(from: .coordinates(Self.at(4)), stopRule: BinlogStopRule(mode: .never)) { event in
            if case .idle = event {
                idles += 1
                if idles == 3 { stop.stop() }
            }
        }
        #expect(ending == .signal)
        #expect(idles == 3)
    }
}
