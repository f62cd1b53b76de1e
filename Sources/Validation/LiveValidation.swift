import BillingModel
import DynamoDB
import DynamoDBModel
import Migration
import MySQLSource
import ValidationCore

/// How far the change stream has applied the source's binlog: every change at
/// or before the returned position is in the table. nil when not known yet.
public protocol AppliedStreamPosition: Sendable {
    func appliedPosition() async throws -> BinlogCoordinates?
}

/// The stream's checkpoint as `billmig stream` saves it (`{state}/changes/binlog.json`),
/// read with the type and key it is written with.
public struct BinlogCheckpointProgress: AppliedStreamPosition {
    let state: StateLocation

    public init(state: StateLocation) {
        self.state = state
    }

    public func appliedPosition() async throws -> BinlogCoordinates? {
        try await state.read(.binlogCheckpoint).map { BinlogCoordinates(file: $0.file, position: $0.position) }
    }
}

/// How live validation rechecks.
public struct LiveValidationOptions: Sendable {
    /// Rounds in all (the first pass included).
    public var rounds: Int
    /// How long a recheck waits for the stream to pass the source position.
    public var streamWait: Duration
    public var pollInterval: Duration

    public init(rounds: Int = 4, streamWait: Duration = .seconds(120), pollInterval: Duration = .milliseconds(500)) {
        self.rounds = max(1, rounds)
        self.streamWait = streamWait
        self.pollInterval = pollInterval
    }
}

extension Validator {
    /// Validation while changes flow: a first pass as `run`, then rounds that
    /// recheck each mismatched account once the stream has applied everything
    /// up to the source position read with its rows (see `LiveRecheck`). The
    /// report lists the mismatches that last, and those still in flight after
    /// the last round (unconfirmed); it is clean only when none is left.
    /// `epochs`: the write switches so far, so that positions compare with the
    /// versions the stream writes after a rollback.
    public func runLive(
        stream: any AppliedStreamPosition, options: LiveValidationOptions = .init(), epochs: SwitchEpochHistory = SwitchEpochHistory(),
        progress: (@Sendable (ValidationProgress) -> Void)? = nil
    ) async throws -> ValidationReport {
        // Rechecks read partitions by number: a hashed mapping has none.
        if case .hashed = scheme { throw PartitionSchemeError.notNumeric(table: accountTable) }
        let started = ValidationClock.now()
        let tracker = ProgressTracker(report: progress)
        let (accumulator, accountsChecked) = try await compareAll(tracker: tracker)
        let scheme = scheme
        var recheck = LiveRecheck(
            firstPass: accumulator.mismatches, omitted: accumulator.mismatchCount - accumulator.mismatches.count,
            number: { scheme.number(inPartitionKey: $0) })
        let tables = configuration.tables
        while !recheck.isSettled, recheck.rounds < options.rounds {
            recheck.startRound()
            tracker.update { $0.phase = "recheck round \(recheck.rounds)" }
            let accounts = recheck.pendingAccounts
            try await withConnection { reader in
                for start in stride(from: 0, to: accounts.count, by: configuration.accountsPerBatch) {
                    let batch = Array(accounts[start..<min(start + configuration.accountsPerBatch, accounts.count)])
                    let (rows, position) = try await reader.rowsAtPosition(tables: tables, accounts: batch)
                    guard try await waitForStream(stream, toPass: position, options: options) else { continue }
                    var items: [Item] = []
                    for account in batch { items += try await self.items(ofAccount: account) }
                    var outcome = comparator.compare(rows: rows, items: items, entities: configuration.entities)
                    try await settleReferences(&outcome, reader: reader)
                    var versions: [ItemKey: String] = [:]
                    for item in items {
                        if let key = comparator.key(of: item),
                            let version = item[MigrationAttribute.sourceVersion]?.stringValue
                        {
                            versions[key] = version
                        }
                    }
                    recheck.record(
                        accounts: batch, mismatches: outcome.mismatches, versions: versions,
                        position: epochs.version(ofMySQLChangeAt: position.sourcePosition(rowIndex: 999_999)).orderingKey)
                }
            }
        }
        let share: Double
        switch configuration.scope {
        case .full: share = 1
        case .accounts, .sample:
            let total = try await withConnection { reader in try await reader.accountNumbers(table: accountTable).count }
            share = total == 0 ? 1 : Double(accountsChecked ?? 0) / Double(total)
        }
        let (mismatches, entities, summary) = recheck.finish(entities: accumulator.entities, shareChecked: share)
        let listed = Array(mismatches.prefix(configuration.mismatchLimit))
        let report = ValidationReport(
            run: configuration.runId, mode: "live-" + configuration.scope.name, table: configuration.table,
            source: configuration.sourceDescription, startedAt: started, finishedAt: ValidationClock.now(),
            entities: entities, itemsNotData: accumulator.itemsNotData, accountsChecked: accountsChecked,
            mismatchCount: mismatches.count + recheck.omitted, mismatches: listed, live: summary)
        try await record(report)
        return report
    }

    /// Waits until the stream has applied the source up to `position`; false on timeout.
    func waitForStream(_ stream: any AppliedStreamPosition, toPass position: BinlogCoordinates, options: LiveValidationOptions)
        async throws -> Bool
    {
        let deadline = ContinuousClock.now + options.streamWait
        while true {
            if let applied = try await stream.appliedPosition(), !(applied < position) { return true }
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: options.pollInterval)
        }
    }
}

/// A validation that cannot run as asked.
public struct ValidationRunError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
