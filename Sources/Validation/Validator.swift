import BillingModel
import DynamoDB
import DynamoDBModel
import Foundation
import MigrationCore
import MySQLSource
import Synchronization
import ValidationCore

/// Runs a validation: reads both sides, compares them with `PartitionComparator`,
/// and returns the report (and writes the `VALIDATION#{run}` tracking item).
///
/// A full run is a partitioned hash join on the account number. The account
/// table's numbers cut the account line into ranges of about `rowsPerRange`
/// rows; a parallel Scan of the table writes each item to its range's file;
/// then ranges are compared `concurrency` at a time, each reading its source
/// rows by `ban > lower AND ban <= upper` (an index range on every table) and
/// its items from its file. Memory holds a few ranges, never the table.
/// An `accounts` or `sample` run reads each batch of accounts by `ban IN (...)`
/// and one Query per account.
public struct Validator: Sendable {
    public let configuration: ValidationConfiguration
    public let source: MySQLConnectionConfiguration
    public let dynamoDB: DynamoDBClient
    let comparator: PartitionComparator

    public init(
        configuration: ValidationConfiguration, source: MySQLConnectionConfiguration, dynamoDB: DynamoDBClient
    ) throws {
        self.configuration = configuration
        self.source = source
        self.dynamoDB = dynamoDB
        self.comparator = try PartitionComparator(
            mapping: configuration.mapping, options: configuration.mapperOptions, rules: configuration.rules)
    }

    public func run(progress: (@Sendable (ValidationProgress) -> Void)? = nil) async throws -> ValidationReport {
        let started = ValidationClock.now()
        let (accumulator, accountsChecked) = try await compareAll(tracker: ProgressTracker(report: progress))
        let report = ValidationReport(
            run: configuration.runId, mode: configuration.scope.name, table: configuration.table,
            source: configuration.sourceDescription, startedAt: started, finishedAt: ValidationClock.now(),
            entities: accumulator.entities, itemsNotData: accumulator.itemsNotData, accountsChecked: accountsChecked,
            mismatchCount: accumulator.mismatchCount, mismatches: accumulator.mismatches)
        try await record(report)
        return report
    }

    /// One pass over the scope: the counts and the first mismatches.
    func compareAll(tracker: ProgressTracker) async throws -> (ValidationAccumulator, accountsChecked: Int?) {
        var accumulator = ValidationAccumulator(mismatchLimit: configuration.mismatchLimit)
        var accountsChecked: Int?
        switch configuration.scope {
        case .full:
            try await runFull(into: &accumulator, tracker: tracker)
        case .accounts(let accounts):
            let unique = Array(Set(accounts)).sorted()
            accountsChecked = unique.count
            try await runAccounts(unique, into: &accumulator, tracker: tracker)
        case .sample(let share, let seed):
            let sampler = AccountSampler(share: share, seed: seed)
            let all = try await withConnection { reader in try await reader.accountNumbers(table: accountTable) }
            let picked = all.filter(sampler.includes)
            accountsChecked = picked.count
            try await runAccounts(picked, into: &accumulator, tracker: tracker)
        }
        return (accumulator, accountsChecked)
    }

    /// Writes the `VALIDATION#{run}` tracking item, when configured to.
    func record(_ report: ValidationReport) async throws {
        guard configuration.writeRunRecord else { return }
        try await dynamoDB.putItem(
            configuration.table,
            item: ValidationRunRecord.item(
                for: report, partitionKeyAttribute: configuration.mapping.partitionKeyAttribute,
                sortKeyAttribute: configuration.mapping.sortKeyAttribute))
    }

    var accountTable: String {
        configuration.mapping.table(configuration.rules.accountEntity) != nil
            ? configuration.rules.accountEntity : configuration.mapping.tables[0].table
    }

    // MARK: Full

    func runFull(into accumulator: inout ValidationAccumulator, tracker: ProgressTracker) async throws {
        let partitions = try await withConnection { reader in
            try await planRanges(reader: reader)
        }
        // One file per range, and one more for items whose partition key names no account.
        let spill = try ItemSpill(parent: configuration.spillDirectory, count: partitions.count + 1)
        defer { spill.removeAll() }
        let strays = partitions.count
        tracker.update { $0.phase = "scan"; $0.rangesTotal = partitions.count + 1 }
        let pkName = configuration.mapping.partitionKeyAttribute
        try await dynamoDB.parallelScan(
            ScanInput(tableName: configuration.table, limit: 1_000), totalSegments: configuration.scanSegments
        ) { _, page in
            for item in page.items {
                let account = item[pkName]?.stringValue.flatMap { AccountPartitions.account(inPartitionKey: $0) }
                try spill.append(item, to: account.map(partitions.range(of:)) ?? strays)
            }
            tracker.update { $0.itemsScanned += page.items.count }
        }
        try spill.flush()
        tracker.update { $0.phase = "compare" }

        let next = WorkCounter()
        let tables = configuration.tables
        try await withThrowingTaskGroup(of: [PartitionOutcome].self) { group in
            for _ in 0..<min(configuration.concurrency, partitions.count + 1) {
                group.addTask {
                    try await withConnection { reader in
                        var outcomes: [PartitionOutcome] = []
                        while true {
                            let index = next.take()
                            guard index <= strays else { return outcomes }
                            let items = try spill.items(of: index)
                            var rows: [SourceTableRow] = []
                            if index < strays {
                                let bounds = partitions.bounds(of: index)
                                rows = try await reader.rows(
                                    tables: tables, lowerExclusive: bounds.lowerExclusive,
                                    upperInclusive: bounds.upperInclusive)
                            }
                            var outcome = comparator.compare(rows: rows, items: items, entities: configuration.entities)
                            try await settleReferences(&outcome, reader: reader)
                            spill.remove(index)
                            tracker.update {
                                $0.rowsCompared += rows.count
                                $0.rangesDone += 1
                                $0.mismatches += outcome.mismatches.count
                            }
                            outcomes.append(outcome)
                        }
                    }
                }
            }
            for try await outcomes in group {
                for outcome in outcomes { accumulator.add(outcome) }
            }
        }
    }

    /// Ranges of about `rowsPerRange` source rows, from the account numbers.
    func planRanges(reader: ValidationSourceReader) async throws -> AccountPartitions {
        let accounts = try await reader.accountNumbers(table: accountTable)
        guard !accounts.isEmpty else { return AccountPartitions(boundaries: []) }
        if let fixed = configuration.accountsPerRange {
            return AccountPartitions(sortedAccounts: accounts, perRange: fixed)
        }
        let estimatedRows = try await estimatedRowCount(reader: reader)
        let rowsPerAccount = max(1, estimatedRows / accounts.count)
        return AccountPartitions(sortedAccounts: accounts, perRange: max(1, configuration.rowsPerRange / rowsPerAccount))
    }

    /// The server's estimate of the compared tables' rows (`information_schema.tables`).
    func estimatedRowCount(reader: ValidationSourceReader) async throws -> Int {
        let names = try await configuration.tables.asyncMap { try await reader.connection.quote($0) }
        guard !names.isEmpty else { return 0 }
        let database = try await reader.connection.quote(source.database)
        let result = try await reader.connection.query("""
            SELECT COALESCE(SUM(table_rows), 0) FROM information_schema.tables
            WHERE table_schema = \(database) AND table_name IN (\(names.joined(separator: ", ")))
            """)
        return result.rows.first?.first?.text.flatMap { Int($0) } ?? 0
    }

    // MARK: Accounts

    func runAccounts(_ accounts: [UInt64], into accumulator: inout ValidationAccumulator, tracker: ProgressTracker)
        async throws
    {
        let batches = stride(from: 0, to: accounts.count, by: configuration.accountsPerBatch).map {
            Array(accounts[$0..<min($0 + configuration.accountsPerBatch, accounts.count)])
        }
        tracker.update { $0.phase = "compare"; $0.rangesTotal = batches.count }
        let next = WorkCounter()
        let tables = configuration.tables
        try await withThrowingTaskGroup(of: [PartitionOutcome].self) { group in
            for _ in 0..<min(configuration.concurrency, max(1, batches.count)) {
                group.addTask {
                    try await withConnection { reader in
                        var outcomes: [PartitionOutcome] = []
                        while true {
                            let index = next.take()
                            guard index < batches.count else { return outcomes }
                            let batch = batches[index]
                            var outcome = try await compare(accounts: batch, tables: tables, reader: reader)
                            try await settleReferences(&outcome, reader: reader)
                            tracker.update {
                                $0.rowsCompared += outcome.tallies.values.reduce(0) { $0 + $1.rows }
                                $0.rangesDone += 1
                                $0.mismatches += outcome.mismatches.count
                            }
                            outcomes.append(outcome)
                        }
                    }
                }
            }
            for try await outcomes in group {
                for outcome in outcomes { accumulator.add(outcome) }
            }
        }
    }

    /// Compares a batch of accounts: rows by `IN`, items by one Query each.
    func compare(accounts: [UInt64], tables: [String], reader: ValidationSourceReader) async throws -> PartitionOutcome {
        let rows = try await reader.rows(tables: tables, accounts: accounts)
        var items: [Item] = []
        for account in accounts { items += try await self.items(ofAccount: account) }
        return comparator.compare(rows: rows, items: items, entities: configuration.entities)
    }

    /// Every item of an account's partition (strongly consistent).
    public func items(ofAccount account: UInt64) async throws -> [Item] {
        try await dynamoDB.queryAll(QueryInput(
            tableName: configuration.table, keyCondition: "#pk = :pk",
            names: ["#pk": configuration.mapping.partitionKeyAttribute], values: [":pk": .s("BAN#\(account)")],
            consistentRead: true))
    }

    // MARK: Shared

    /// Looks up subscribers referenced from outside their partition (GSI1), and
    /// those the table lacks in the source: a reference dangling there too is
    /// the source's own state, faithfully copied.
    func settleReferences(_ outcome: inout PartitionOutcome, reader: ValidationSourceReader) async throws {
        guard !outcome.unresolvedSubscriberReferences.isEmpty else { return }
        let numbers = Set(outcome.unresolvedSubscriberReferences.map(\.subscriberNo))
        var existing: Set<String> = []
        for number in numbers where try await subscriberExists(number) { existing.insert(number) }
        let rules = configuration.rules
        let absent = numbers.subtracting(existing)
        var danglingInSource: Set<String> = []
        if !absent.isEmpty, let table = configuration.mapping.table(rules.subscriberEntity) {
            let inSource = try await reader.existingValues(table: table.table, column: rules.subscriberColumn, among: absent)
            danglingInSource = absent.subtracting(inSource)
        }
        outcome.settleSubscriberReferences(existing: existing, danglingInSource: danglingInSource)
    }

    /// Whether a subscriber item with this number is anywhere in the table.
    func subscriberExists(_ number: String) async throws -> Bool {
        let rules = configuration.rules
        guard let table = configuration.mapping.table(rules.subscriberEntity),
            let index = table.indexKeys.first(where: { $0.partitionKey.columnNames == [rules.subscriberColumn] })
        else { return false }
        let keyValue = index.partitionKey.segments.map { segment -> String in
            switch segment {
            case .literal(let text): return text
            default: return number
            }
        }.joined()
        let items = try await dynamoDB.queryAll(QueryInput(
            tableName: configuration.table, indexName: index.indexName, keyCondition: "#pk = :pk",
            names: ["#pk": index.partitionKeyAttribute], values: [":pk": .s(keyValue)]))
        return items.contains { comparator.isData($0) && comparator.entity(of: $0) == rules.subscriberEntity }
    }

    /// Runs `body` with a reader over a connection of its own, closed afterwards.
    func withConnection<R: Sendable>(_ body: (ValidationSourceReader) async throws -> R) async throws -> R {
        let connection = try await MySQLConnection.connect(source)
        do {
            let result = try await body(ValidationSourceReader(connection: connection, database: source.database, mapping: configuration.mapping))
            await connection.close()
            return result
        } catch {
            await connection.close()
            throw error
        }
    }
}

/// Progress shared by the tasks of a run, reported at most every second.
final class ProgressTracker: Sendable {
    private let state: Mutex<(progress: ValidationProgress, lastReport: ContinuousClock.Instant?)>
    private let report: (@Sendable (ValidationProgress) -> Void)?

    init(report: (@Sendable (ValidationProgress) -> Void)?) {
        self.report = report
        state = Mutex((
            ValidationProgress(phase: "plan", itemsScanned: 0, rowsCompared: 0, rangesDone: 0, rangesTotal: 0, mismatches: 0),
            nil
        ))
    }

    func update(_ change: (inout ValidationProgress) -> Void) {
        let due: ValidationProgress? = state.withLock { state in
            change(&state.progress)
            let now = ContinuousClock.now
            if let last = state.lastReport, now - last < .seconds(1) { return nil }
            state.lastReport = now
            return state.progress
        }
        if let due { report?(due) }
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}

/// ISO-8601 UTC times with milliseconds, as the tracking items carry them.
enum ValidationClock {
    static func now() -> String {
        DateTimeText.iso8601(epochMilliseconds: Int64(Date().timeIntervalSince1970 * 1000))
    }

    static func epochSeconds() -> Int64 {
        Int64(Date().timeIntervalSince1970)
    }
}

/// Hands out work indexes 0, 1, 2, ... to the tasks of a group, each once.
final class WorkCounter: Sendable {
    private let value = Atomic<Int>(0)

    func take() -> Int {
        value.add(1, ordering: .relaxed).oldValue
    }
}
