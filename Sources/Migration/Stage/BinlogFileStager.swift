import BillingModel
import DMSStaging
import Foundation
import MigrationCore
import MySQLSource

/// `billmig stage`'s second half: the binlog written as DMS-format change files,
/// `{folder}/billing/{TABLE}/{yyyymmdd-hhmmssfff}.csv` with a header, the `Op`
/// column (I, U, D) and the change-sequence column (`BinlogChangeSequence`), so
/// that `billmig apply --change-sequence-column AR_H_CHANGE_SEQ` orders the
/// changes whatever order the files are read in.
///
/// Changes are buffered by table and written at a commit boundary every
/// `flushChanges` changes or `flushInterval`; the checkpoint (the commit after the
/// last change written) is saved only after its files are. After a crash or a lost
/// connection the stager starts again from the checkpoint and drops what it had
/// buffered: a change is written again at worst (apply is idempotent), never lost.
/// An update that moves a row to another item (its PK or SK changes) is written as a
/// delete of the old row and an insert of
/// the new one, which is what a reader of the files needs to remove the old item.
public struct BinlogFileStager: Sendable {
    public struct Configuration: Sendable {
        /// How fast the source may be read (`--max-bandwidth`, `--transfer-window`); unlimited by default.
        public var transfer = TransferLimit()
        public var connection: MySQLConnectionConfiguration
        public var mapping: Mapping
        public var layout: DMSStagingLayout
        public var stop: BinlogStopRule.Mode
        public var flushChanges: Int
        public var flushInterval: Duration
        public var reconnect: ReconnectBackoff.Policy
        public var readTimeout: Duration

        public init(
            connection: MySQLConnectionConfiguration, mapping: Mapping, layout: DMSStagingLayout,
            stop: BinlogStopRule.Mode = .never, flushChanges: Int = 5_000, flushInterval: Duration = .seconds(2),
            reconnect: ReconnectBackoff.Policy = .init(), readTimeout: Duration = .seconds(10)
        ) {
            self.connection = connection
            self.mapping = mapping
            self.layout = layout
            self.stop = stop
            self.flushChanges = max(1, flushChanges)
            self.flushInterval = flushInterval
            self.reconnect = reconnect
            self.readTimeout = readTimeout
        }
    }

    public let configuration: Configuration
    public let store: any ObjectStore
    /// The stager's own state location (`{state}/stage/`), where its checkpoint is.
    public let state: StateLocation
    public let stopSignal: StopSignal
    /// Where the binlog comes from; nil: the configured MySQL connection.
    let eventSource: (any BinlogEventSource)?

    public init(
        configuration: Configuration, store: any ObjectStore, state: StateLocation, stop: StopSignal,
        events: (any BinlogEventSource)? = nil
    ) {
        self.configuration = configuration
        self.store = store
        self.state = state
        eventSource = events
        self.stopSignal = stop
    }

    /// Changes buffered since the last checkpoint.
    private struct Pending {
        var rows: [String: [DMSChangeRow]] = [:]
        var count = 0
        var lastCommit: BinlogCoordinates?
        var gtid: String?
    }

    /// Stages from `start` (the checkpoint when there is one) until the stop rule or a
    /// stop request; `progress` gets the changes written so far, per table.
    public func run(from start: BinlogCoordinates, progress: @Sendable ([String: Int]) -> Void = { _ in }) async throws -> ChangeStagingSummary {
        let initial = try await state.read(.stagedBinlogCheckpoint)
            .map { BinlogCoordinates(file: $0.file, position: $0.position) } ?? start
        var summary = ChangeStagingSummary(
            startedAt: initial.description, checkpoint: nil, changesWritten: [:], files: 0, reconnects: 0, ending: .failed)
        let stopRule = await BinlogStopRule.starting(configuration.stop, source: configuration.connection)
        let clock = ContinuousClock()
        let mapper = try ItemMapper(mapping: configuration.mapping)
        var written = Written(columns: Dictionary(
            uniqueKeysWithValues: configuration.mapping.tables.map { ($0.table, $0.columns.map(\.name)) }))
        let reader = BinlogReader(
            source: eventSource ?? MySQLBinlogEventSource(
                connection: configuration.connection,
                assembler: .init(database: configuration.connection.database, mapping: configuration.mapping),
                readTimeout: configuration.readTimeout),
            reconnect: configuration.reconnect, stop: stopSignal, transfer: SourceTransferLimiter.pacing(configuration.transfer))
        // Changes of whole transactions since the last flush; a lost connection
        // keeps them (the reader does not deliver a change twice).
        var pending = Pending()
        var lastFlush = clock.now
        let ending = try await reader.read(from: .coordinates(initial), stopRule: stopRule) { event in
            switch event {
            case .changes(let changes):
                for change in changes {
                    for row in Self.changeRows(change, itemKeyChanged: Self.itemKeyChanged(change, mapper: mapper)) {
                        pending.rows[change.table, default: []].append(row)
                        pending.count += 1
                    }
                }
            case .commit(let resumeAt, let gtid, _):
                pending.lastCommit = resumeAt
                pending.gtid = gtid
                if pending.count >= configuration.flushChanges || clock.now - lastFlush >= configuration.flushInterval {
                    try await flush(&pending, into: &written, summary: &summary, progress: progress)
                    lastFlush = clock.now
                }
            case .idle:
                // Idle between transactions: a quiet binlog still gets its files on time.
                if clock.now - lastFlush >= configuration.flushInterval {
                    try await flush(&pending, into: &written, summary: &summary, progress: progress)
                    lastFlush = clock.now
                }
            case .reconnecting:
                summary.reconnects += 1
            case .batchRead, .reopened, .route:
                break
            }
        }
        try await flush(&pending, into: &written, summary: &summary, progress: progress)
        summary.ending = ending
        return summary
    }

    /// What has been written: the last file's time (names must rise) and the
    /// checkpoint; and each table's columns, the files' header.
    private struct Written {
        let columns: [String: [String]]
        var lastFileDate: Date?
        var checkpoint: BinlogCoordinates?
    }

    /// Writes the buffered changes, one file per table, then saves the checkpoint.
    private func flush(
        _ pending: inout Pending, into written: inout Written, summary: inout ChangeStagingSummary, progress: @Sendable ([String: Int]) -> Void
    ) async throws {
        guard let commit = pending.lastCommit else { return }
        let (name, date) = Self.nextFileName(after: written.lastFileDate)
        for (table, rows) in pending.rows.sorted(by: { $0.key < $1.key }) where !rows.isEmpty {
            try await configuration.layout.writeChangeFile(
                table: table, columns: written.columns[table] ?? [], name: name, rows: rows,
                options: DMSWriteOptions(addColumnName: true, changeSequenceColumnName: BinlogChangeSequence.columnName),
                to: store)
            summary.files += 1
            summary.changesWritten[table, default: 0] += rows.count
        }
        written.lastFileDate = date
        written.checkpoint = commit
        try await saveCheckpoint(commit, gtid: pending.gtid, counts: summary.changesWritten)
        summary.checkpoint = commit.description
        progress(summary.changesWritten)
        pending = Pending()
    }

    /// Whether an update moves its row to another item (PK or SK changes: a
    /// subscriber moved to another account, a new `subscriber_no`). A row that
    /// does not map keeps its update; `apply` dead-letters it with the reason.
    static func itemKeyChanged(_ change: SourceChange, mapper: ItemMapper) -> Bool {
        guard change.operation == .update, let before = change.before,
            let old = try? mapper.key(table: change.table, row: before),
            let new = try? mapper.key(table: change.table, row: change.row)
        else { return false }
        return old != new
    }

    /// The file rows of one change: I, U or D with its change sequence; an update
    /// that moves the row to another item as D (old row) then I (new row), which is
    /// how a reader of the files learns that the old item must go.
    static func changeRows(_ change: SourceChange, itemKeyChanged: Bool) -> [DMSChangeRow] {
        // The binlog reader gives every change its coordinates (an invariant, not
        // input): a change without them could not be ordered, so none is skipped.
        guard let sequence = BinlogChangeSequence.sequence(of: change.position),
            let beforeSequence = BinlogChangeSequence.sequence(of: change.position, step: .before)
        else { preconditionFailure("\(change.origin): a binlog change without binlog coordinates (\(change.position))") }
        switch change.operation {
        case .insert, .snapshot:
            return [DMSChangeRow(operation: .insert, row: change.row, changeSequence: sequence)]
        case .delete:
            return [DMSChangeRow(operation: .delete, row: change.before ?? change.row, changeSequence: sequence)]
        case .update:
            if itemKeyChanged, let before = change.before {
                return [
                    DMSChangeRow(operation: .delete, row: before, changeSequence: beforeSequence),
                    DMSChangeRow(operation: .insert, row: change.row, changeSequence: sequence),
                ]
            }
            return [DMSChangeRow(operation: .update, row: change.row, changeSequence: sequence)]
        }
    }

    /// A change file's name and time: now, or one millisecond after the previous
    /// file when the clock has not moved on (or went back), so that names rise.
    static func nextFileName(after previous: Date?, now: Date = Date()) -> (name: String, date: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let milliseconds = (now.timeIntervalSince1970 * 1000).rounded(.down)
        var date = Date(timeIntervalSince1970: milliseconds / 1000)
        if let previous, date <= previous { date = previous.addingTimeInterval(0.001) }
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
        // Rounded, not truncated: binary fractions of a millisecond sit just below it.
        let millisecond = min(999, Int((Double(parts.nanosecond!) / 1_000_000).rounded()))
        let name = DMSStagingLayout.changeFileName(
            year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!,
            second: parts.second!, millisecond: millisecond)
        return (name, date)
    }

    private func saveCheckpoint(_ commit: BinlogCoordinates, gtid: String?, counts: [String: Int]) async throws {
        var changeCounts: [String: ChangeCounts] = [:]
        for (table, count) in counts {
            changeCounts[table] = ChangeCounts(changesRead: count, applied: count)
        }
        let checkpoint = BinlogCheckpoint(
            file: commit.file, position: commit.position, gtid: gtid, source: configuration.connection.sourceName,
            counts: changeCounts, updatedAt: Timestamp.now())
        try await state.write(checkpoint, to: .stagedBinlogCheckpoint)
    }
}

/// What a run of `BinlogFileStager` did, for the summary.
public struct ChangeStagingSummary: Sendable, Codable, Hashable {
    public var startedAt: String
    public var checkpoint: String?
    public var changesWritten: [String: Int]
    public var files: Int
    public var reconnects: Int
    public var ending: StreamSummary.Ending
}
