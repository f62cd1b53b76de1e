import BillingModel
@testable import Migration
import MySQLSource
import Synchronization

/// A binlog for tests: each session replays its script, then either drops the
/// connection or, at the end of the script, sends heartbeats at its last position.
/// Opening a session beyond the scripted ones fails as an unreachable server.
final class ScriptedBinlogSource: BinlogEventSource {
    struct Session: Sendable {
        var batches: [[BinlogStreamItem]]
        /// The connection drops after the batches (else heartbeats follow).
        var dropsAtEnd: Bool
        /// The session runs over this backup route (nil: the primary).
        var backupRoute: String? = nil
    }

    private let sessions: Mutex<[Session]>
    /// Where each session was opened from, in order.
    let opened = Mutex<[BinlogStart]>([])
    /// The session opened last: the primary answers once a backup session has delivered its script.
    private let latest = Mutex<ScriptedSession?>(nil)

    init(_ sessions: [Session]) {
        self.sessions = Mutex(sessions)
    }

    func open(from start: BinlogStart) async throws -> any BinlogEventSession {
        opened.withLock { $0.append(start) }
        guard let session = sessions.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else {
            throw MySQLError(code: .connection, message: "scripted: no more sessions")
        }
        let opened = ScriptedSession(script: session)
        latest.withLock { $0 = opened }
        return opened
    }

    func primaryAnswers() async -> Bool {
        latest.withLock { $0 }?.isDrained ?? false
    }

    var openedFrom: [BinlogStart] { opened.withLock { $0 } }

    /// A row change of `table` at `file:position`, row `index` of its event.
    static func change(_ table: String, _ id: Int, at coordinates: BinlogCoordinates, row index: UInt32 = 0) -> SourceChange {
        SourceChange(
            table: table, operation: .insert, row: [.text(String(id))],
            position: coordinates.sourcePosition(rowIndex: Int(index)),
            origin: RowOrigin(source: "\(coordinates)", line: Int(index)))
    }
}

final class ScriptedSession: BinlogEventSession {
    private let state: Mutex<(batches: [[BinlogStreamItem]], position: BinlogCoordinates?)>
    private let dropsAtEnd: Bool
    private let route: String?

    init(script: ScriptedBinlogSource.Session) {
        state = Mutex((script.batches, nil))
        dropsAtEnd = script.dropsAtEnd
        route = script.backupRoute
    }

    var isDrained: Bool { state.withLock { $0.batches.isEmpty } }

    var backupRoute: String? {
        get async { route }
    }

    func nextEvents() async throws -> (items: [BinlogStreamItem], timestamp: UInt32)? {
        let next: [BinlogStreamItem]? = state.withLock { state in
            guard !state.batches.isEmpty else { return nil }
            let batch = state.batches.removeFirst()
            for item in batch {
                switch item {
                case .commit(let at, _), .heartbeat(let at), .rotate(let at): state.position = at
                case .changes, .statement: break
                }
            }
            return batch
        }
        if let next { return (next, 1_700_000_000) }
        if dropsAtEnd { throw MySQLError(code: .connection, message: "scripted: connection dropped") }
        // Idle: the server has sent everything.
        try await Task.sleep(for: .milliseconds(1))
        let at = state.withLock { $0.position } ?? BinlogCoordinates(file: "bin.000001", position: 4)
        return ([.heartbeat(at: at)], 0)
    }

    var position: BinlogCoordinates? {
        get async { state.withLock { $0.position } }
    }

    func close() async {}
}
