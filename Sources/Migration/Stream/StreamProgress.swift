import BillingModel
import Foundation
import MigrationCore
import Synchronization

/// Live figures of a running change stream, shared by the stream and the
/// progress display. The checkpoint holds the durable ones.
public final class StreamProgress: Sendable {
    public struct Snapshot: Sendable {
        public var changesRead = 0
        public var changesSettled = 0
        public var deadLettered = 0
        public var transactions = 0
        public var reconnects = 0
        /// The last position read, `file:position`.
        public var readPosition: String?
        public var health: ReplicationHealth?
        /// A note for people (`reconnecting in 0.4 s: ...`), cleared when the stream reads again.
        public var note: String?
        /// Since when the source cannot be reached (every reconnect failed), nil while it answers.
        public var sourceOutage: SourceOutage?
        /// The backup route the session runs over (`host:port`), nil over the primary.
        public var backupRoute: String?
    }

    private let state = Mutex(Snapshot())

    public init() {}

    public func snapshot() -> Snapshot { state.withLock { $0 } }

    func update(_ body: (inout Snapshot) -> Void) {
        state.withLock { body(&$0) }
    }
}

extension StreamProgress.Snapshot {
    /// One status line (the executable shows it). Pure, so its format is tested.
    public var statusLine: String {
        let snapshot = self
        var parts = ["\(snapshot.changesSettled)/\(snapshot.changesRead) changes applied"]
        if let health = snapshot.health {
            parts.append(health.summaryLine)
        } else {
            parts.append("lag -")
        }
        if snapshot.deadLettered > 0 { parts.append("\(snapshot.deadLettered) dead-lettered") }
        if let position = snapshot.readPosition { parts.append("at \(position)") }
        if snapshot.reconnects > 0 { parts.append("\(snapshot.reconnects) reconnects") }
        if let outage = snapshot.sourceOutage { parts.append(outage.description) }
        if let route = snapshot.backupRoute { parts.append("over the BACKUP route \(route)") }
        if let note = snapshot.note { parts.append(note) }
        return parts.joined(separator: " | ")
    }
}
