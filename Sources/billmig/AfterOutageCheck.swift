import ArgumentParser
import BillingModel
import DynamoDB
import Foundation
import Logging
import Migration
import MigrationCore
import MySQLSource
import Synchronization
import Validation
import ValidationCore

/// `--check-after-outage`: once the source or the table answers again (and has
/// for a few seconds), the stream validates the accounts it changed around the
/// outage (`OutageWindow`), as `validate --live --accounts` would.
struct AfterOutageOptions: ParsableArguments {
    @Flag(
        name: .customLong("check-after-outage"), inversion: .prefixedNo,
        help: "After an outage of the source or the table, validate the accounts changed from --outage-margin before it to 10 s after it (live: rechecked once the stream has applied them).")
    var enabled = true

    @Option(name: .long, help: "Seconds before a noticed outage whose changes are checked after it (a cut is noticed only after the read timeout).")
    var outageMargin = 60.0

    @Option(name: .long, help: "At most this many items changed around an outage are remembered for the check; changes beyond are counted and reported.")
    var outageCheckLimit = 10_000

    func validate() throws {
        guard outageMargin >= 0, outageCheckLimit > 0 else { throw ValidationError("--outage-margin must be 0 or more and --outage-check-limit positive") }
    }

    /// The window to configure the stream with; nil when off or when the mapping's
    /// accounts cannot be read off its partition keys (then said so).
    func window(for mapping: Mapping) -> OutageWindow<String>? {
        guard enabled else { return nil }
        guard case .numericRanges = PartitionScheme(mapping: mapping) else {
            note("billmig: no check after an outage: the mapping's partition keys are not one integer column (run `billmig validate` after an outage)")
            return nil
        }
        return OutageWindow(margin: outageMargin, settle: 10, limit: outageCheckLimit)
    }
}

/// The checks after outages while a stream runs: a watcher asks every second
/// whether the source or the table is unreachable, and when a window closes it
/// validates that window's accounts. It reports what it finds (log, progress
/// line, summary, run activity); it repairs nothing and dead-letters nothing.
final class AfterOutageChecks: Sendable {
    private let checks = Mutex<[OutageCheck]>([])
    static let logger = Logger(label: "billmig.outage")

    var all: [OutageCheck] { checks.withLock { $0 } }
    var last: OutageCheck? { checks.withLock { $0.last } }

    /// Runs `body` with the watcher beside it (when `keys` is given).
    func watching<Result: Sendable>(
        _ keys: ChangedKeysAroundOutages?, unreachable: @escaping @Sendable () -> Bool,
        check: @escaping @Sendable (Set<String>) async throws -> (accounts: Int, differences: Int),
        _ body: () async throws -> Result
    ) async throws -> Result {
        guard let keys else { return try await body() }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                var since: Date?
                var recovered: Date?
                while !Task.isCancelled {
                    let down = unreachable()
                    if down, since == nil { since = Date() }
                    if down { recovered = nil } else if since != nil, recovered == nil { recovered = Date() }
                    if let closed = keys.observe(unreachable: down) {
                        await self.run(closed, since: since ?? Date(), recovered: recovered ?? Date(), check: check)
                        since = nil
                        recovered = nil
                    }
                    try await Task.sleep(for: .seconds(1))
                }
            }
            defer {
                group.cancelAll()
                if keys.isOpen {
                    Self.logger.warning("stopped before the accounts changed around the outage were checked: run `billmig validate --live`")
                }
            }
            return try await body()
        }
    }

    private func run(
        _ closed: OutageWindow<String>.Closed, since: Date, recovered: Date,
        check: @Sendable (Set<String>) async throws -> (accounts: Int, differences: Int)
    ) async {
        let text = RunActivityRecorder.Reach.text
        var result = OutageCheck(
            outageSince: text(since), recoveredAt: text(recovered), checkedAt: "", accountsChecked: 0, differences: 0,
            changesNotChecked: closed.changesOverLimit)
        do {
            if !closed.keys.isEmpty {
                let found = try await check(closed.keys)
                result.accountsChecked = found.accounts
                result.differences = found.differences
            }
        } catch is CancellationError {
            return
        } catch {
            result.error = String(describing: error)
        }
        result.checkedAt = text(Date())
        let line = result.summaryLine
        if result.error == nil, result.differences == 0, result.changesNotChecked == 0 {
            Self.logger.notice("\(line)")
        } else {
            Self.logger.warning("\(line)")
        }
        checks.withLock { $0.append(result) }
    }
}

extension Validator {
    /// The accounts of `partitionKeys`, validated live against the stream's
    /// checkpoint in `state`: how many, and the differences that lasted.
    static func checkAccounts(
        of partitionKeys: Set<String>, table: String, mapping: Mapping, source: MySQLConnectionConfiguration, dynamoDB: DynamoDBClient,
        state: StateLocation, epochs: any SwitchEpochSource
    ) async throws -> (accounts: Int, differences: Int) {
        let scheme = PartitionScheme(mapping: mapping)
        let accounts = Set(partitionKeys.compactMap(scheme.number(inPartitionKey:))).sorted()
        let configuration = ValidationConfiguration(
            table: table, mapping: mapping, scope: .accounts(accounts), sourceDescription: source.description, writeRunRecord: false)
        let validator = try Validator(configuration: configuration, source: source, dynamoDB: dynamoDB)
        let report = try await validator.runLive(
            stream: BinlogCheckpointProgress(state: state), epochs: try await epochs.switchEpochs())
        return (accounts.count, report.mismatchCount)
    }
}
