import Synchronization
import BillingModel
import MigrationCore
import MySQLSource

/// The one binlog read loop, for `stream` and `stage`: opens a session, reads
/// until the stop rule or a stop request ends it, and after a lost connection
/// reopens at the end of the last transaction read, with backoff, until the
/// source has been unreachable longer than the policy tolerates.
///
/// What it hands its consumer is already clean: a transaction read again after a
/// reconnect does not deliver its changes twice, and idle points are reported
/// only between transactions. Where it stands is the pure `BinlogReadCursor`.
struct BinlogReader: Sendable {
    enum Event {
        /// Row changes not delivered before.
        case changes([SourceChange])
        /// A transaction's end; the next one starts at `resumeAt`.
        case commit(resumeAt: BinlogCoordinates, gtid: String?, commitTime: UInt32)
        /// Between transactions with nothing new: the source has sent everything up to here.
        case idle(BinlogCoordinates)
        /// A batch was read; where the session stands.
        case batchRead(position: BinlogCoordinates?)
        /// A new session: a transaction that was open is read again from its start.
        /// Its rows are decoded with `definitions` (empty when the source does not say).
        case reopened(definitions: [String: SourceTableDefinition])
        /// The connection was lost; the next session opens after `delay`.
        case reconnecting(after: Duration, error: any Error)
        /// The session runs over the backup route (nil: over the primary again).
        case route(backup: String?)
    }

    let source: any BinlogEventSource
    let reconnect: ReconnectBackoff.Policy
    let stop: StopSignal
    /// How often the primary route is probed while a session runs over the backup.
    var primaryRecheck: Duration = .seconds(5)
    /// Paces reading to the link's limit and transfer windows; nil: as fast as it comes.
    var transfer: SourceTransferLimiter?

    /// Reads from `start` and hands every event to `handle`; returns how the reading ended.
    /// While a session runs over the backup route, the primary is probed beside it,
    /// and once it answers the session is reopened there at the same position.
    func read(
        from start: BinlogStart, stopRule: BinlogStopRule, handle: (Event) async throws -> Void
    ) async throws -> StreamSummary.Ending {
        let watch = PrimaryRouteWatch()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [source, primaryRecheck] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: primaryRecheck)
                    if watch.onBackup.load(ordering: .relaxed) {
                        watch.primaryAnswers.store(await source.primaryAnswers(), ordering: .relaxed)
                    }
                }
            }
            defer { group.cancelAll() }
            return try await readSessions(from: start, stopRule: stopRule, watch: watch, handle: handle)
        }
    }

    private func readSessions(
        from start: BinlogStart, stopRule: BinlogStopRule, watch: PrimaryRouteWatch, handle: (Event) async throws -> Void
    ) async throws -> StreamSummary.Ending {
        var backoff = ReconnectBackoff(policy: reconnect)
        let clock = ContinuousClock()
        let origin = clock.now
        var cursor = BinlogReadCursor(stopRule: stopRule, position: nil)
        if case .coordinates(let coordinates) = start {
            cursor = BinlogReadCursor(stopRule: stopRule, position: (coordinates.file, coordinates.position))
        }
        var lastCommitRead: BinlogCoordinates?
        var lastDelivered: String?

        func recover(_ error: any Error) async throws {
            if Self.isHistoryPurged(error) {
                let from = lastCommitRead.map(BinlogStart.coordinates) ?? start
                throw BinlogStreamError(
                    .historyPurged,
                    "the source no longer has the binlog from \(from) (\(error)): the changes after that position were purged "
                        + "before they were read and cannot be replayed; the table holds what was applied up to there")
            }
            guard Self.isConnectionLost(error) else { throw error }
            switch backoff.failed(at: clock.now - origin) {
            case .retry(let delay):
                try await handle(.reconnecting(after: delay, error: error))
                await stop.sleep(for: delay)
            case .giveUp:
                throw BinlogStreamError(
                    .sourceUnreachable, "the source stayed unreachable for more than \(reconnect.tolerance): \(error)")
            }
        }

        while true {
            // Cancelled when the writes failed for good: the run ends with their error.
            try Task.checkCancellation()
            if stop.isStopped { return .signal }
            let session: any BinlogEventSession
            do {
                session = try await source.open(from: lastCommitRead.map(BinlogStart.coordinates) ?? start)
            } catch {
                try await recover(error)
                continue
            }
            cursor.reopened()
            var bytesAdmitted = 0
            let backupRoute = await session.backupRoute
            watch.onBackup.store(backupRoute != nil, ordering: .relaxed)
            watch.primaryAnswers.store(false, ordering: .relaxed)
            do {
                try await handle(.reopened(definitions: await session.definitions))
                try await handle(.route(backup: backupRoute))
                reading: while true {
                    try Task.checkCancellation()
                    if stop.isStopped {
                        await session.close()
                        return .signal
                    }
                    if cursor.readingDone {
                        await session.close()
                        return cursor.doneEnding
                    }
                    guard let next = try await session.nextEvents() else {
                        throw MySQLError(code: .connection, message: "the server ended the binlog stream")
                    }
                    let (items, timestamp) = next
                    backoff.succeeded()
                    if let transfer {
                        let bytes = await session.bytesRead
                        await transfer.admit(bytes: bytes - bytesAdmitted, stop: stop)
                        bytesAdmitted = bytes
                    }
                    for item in items {
                        switch item {
                        case .changes(let changes):
                            cursor.readChanges()
                            // Positions rise through the binlog: what is at or before the last
                            // delivered change was delivered by an earlier session.
                            let fresh = changes.filter { change in
                                let key = change.position.orderingKey
                                if let lastDelivered, key <= lastDelivered { return false }
                                lastDelivered = key
                                return true
                            }
                            if !fresh.isEmpty { try await handle(.changes(fresh)) }
                        case .commit(let resumeAt, let gtid):
                            cursor.committed(file: resumeAt.file, position: resumeAt.position)
                            lastCommitRead = resumeAt
                            try await handle(.commit(resumeAt: resumeAt, gtid: gtid?.description, commitTime: timestamp))
                        case .heartbeat(let at):
                            if cursor.idle(file: at.file, position: at.position) { try await handle(.idle(at)) }
                        case .rotate(let to):
                            cursor.rotated(file: to.file, position: to.position)
                        case .statement:
                            break
                        }
                    }
                    try await handle(.batchRead(position: await session.position))
                    if backupRoute != nil, watch.primaryAnswers.load(ordering: .relaxed) {
                        // Back to the primary at the same position: the open transaction is read again.
                        await session.close()
                        break reading
                    }
                }
            } catch {
                await session.close()
                try await recover(error)
            }
        }
    }

    /// ER_MASTER_FATAL_ERROR_READING_BINLOG for a purged start: "Could not find
    /// first log file name in binary log index file" (a file position), or
    /// "...has purged binary logs containing GTIDs..." (a GTID).
    static func isHistoryPurged(_ error: any Error) -> Bool {
        guard let error = error as? MySQLError, error.errorNumber == 1236 else { return false }
        let message = error.message.lowercased()
        return message.contains("could not find first log file") || message.contains("purged")
    }

    static func isConnectionLost(_ error: any Error) -> Bool {
        (error as? MySQLError)?.isConnectionLost ?? false
    }
}

/// What the reader and its primary-route probe share: whether the session runs
/// over the backup, and whether the primary answered the last probe.
final class PrimaryRouteWatch: Sendable {
    let onBackup = Atomic<Bool>(false)
    let primaryAnswers = Atomic<Bool>(false)
}
