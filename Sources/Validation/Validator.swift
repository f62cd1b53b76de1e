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
/// A full run is a partitioned hash join on the partition number (billing:
/// the account number, `ban`; any mapping: the integer column of its
/// partition-key templates, see `PartitionScheme`). The account table's
/// numbers cut the number line into ranges of about `rowsPerRange` rows; a
/// parallel Scan of the table writes each item to its range's file; then
/// ranges are compared `concurrency` at a time, each reading its source rows
/// by `column > lower AND column <= upper` and its items from its file. Memory
/// holds a few ranges, never the table. A mapping whose partition keys are not
/// one integer column is hashed instead: the rows are read in primary-key
/// order and spilled by their partition key's hash, as the items are.
/// An `accounts` or `sample` run reads each batch of accounts by `column IN (...)`
/// and one Query per account (and partition-key template).
public struct Validator: Sendable {
    public let configuration: ValidationConfiguration
    public let source: MySQLConnectionConfiguration
    public let dynamoDB: DynamoDBClient
    let comparator: PartitionComparator
    /// How both sides are cut into groups.
    public let scheme: PartitionScheme

    public init(
        configuration: ValidationConfiguration, source: MySQLConnectionConfiguration, dynamoDB: DynamoDBClient
    ) throws {
        self.configuration = configuration
        self.source = source
        self.dynamoDB = dynamoDB
        self.comparator = try PartitionComparator(
            mapping: configuration.mapping, options: configuration.mapperOptions, rules: configuration.rules)
        self.scheme = configuration.hashPartitions ? .hashed : PartitionScheme(mapping: configuration.mapping)
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

    /// The table whose partition numbers cut the ranges: billing's account
    /// table, or the parent the rules derive, or the mapping's first table.
    var accountTable: String {
        configuration.mapping.table(configuration.rules.accountEntity) != nil
            ? configuration.rules.accountEntity : configuration.mapping.tables[0].table
    }

    // MARK: Full

    func runFull(into accumulator: inout ValidationAccumulator, tracker: ProgressTracker) async throws {
        if case .hashed = scheme { return try await runHashed(into: &accumulator, tracker: tracker) }
        let partitions = try await withConnection { reader in
            try await planRanges(reader: reader)
        }
        // One file per range, and one more for items whose partition key names no account.
        let spill = try ItemSpill(parent: configuration.spillDirectory, count: partitions.count + 1)
        defer { spill.removeAll() }
        let strays = partitions.count
        tracker.update { $0.phase = "scan"; $0.rangesTotal = partitions.count + 1 }
        let scheme = scheme
        try await scanItems(into: spill, tracker: tracker) { pk in
            pk.flatMap(scheme.number(inPartitionKey:)).map(partitions.range(of:)) ?? strays
        }
        let tables = configuration.tables
        try await compareGroups(count: partitions.count + 1, spill: spill, into: &accumulator, tracker: tracker) { index, reader in
            guard index < strays else { return [] }
            let bounds = partitions.bounds(of: index)
            return try await reader.rows(
                tables: tables, lowerExclusive: bounds.lowerExclusive, upperInclusive: bounds.upperInclusive)
        }
    }

    /// A full run by hash buckets of the partition key: the rows are read
    /// table by table and spilled like the items, while the Scan runs.
    func runHashed(into accumulator: inout ValidationAccumulator, tracker: ProgressTracker) async throws {
        let estimatedRows = try await withConnection { reader in try await estimatedRowCount(reader: reader) }
        let buckets = KeyLanes(count: max(1, estimatedRows / configuration.rowsPerRange + 1))
        let bucket: @Sendable (String?) -> Int = { pk in buckets.lane(for: ItemKey(pk: pk ?? "", sk: "")) }
        let items = try ItemSpill(parent: configuration.spillDirectory, count: buckets.count)
        defer { items.removeAll() }
        let rows = try ItemSpill(parent: configuration.spillDirectory, count: buckets.count)
        defer { rows.removeAll() }
        tracker.update { $0.phase = "scan"; $0.rangesTotal = buckets.count }
        let tables = configuration.tables
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await scanItems(into: items, tracker: tracker, group: bucket) }
            group.addTask {
                try await withConnection { reader in
                    for table in tables {
                        try await reader.eachRow(table: table) { batch in
                            for row in batch {
                                // A row that does not map is compared (and counted unmappable) in bucket 0.
                                let pk = comparator.key(table: table, row: row)?.pk
                                try rows.append(SourceTableRow(table: table, row: row).spillItem, to: pk == nil ? 0 : bucket(pk))
                            }
                        }
                    }
                }
                try rows.flush()
            }
            try await group.waitForAll()
        }
        try await compareGroups(count: buckets.count, spill: items, into: &accumulator, tracker: tracker) { index, _ in
            try rows.items(of: index).compactMap(SourceTableRow.init(spillItem:))
        }
    }

    /// Scans the table in parallel segments, writing each item to the file `group` picks by its partition key.
    func scanItems(into spill: ItemSpill, tracker: ProgressTracker, group: @escaping @Sendable (String?) -> Int) async throws {
        let pkName = configuration.mapping.partitionKeyAttribute
        try await dynamoDB.parallelScan(
            ScanInput(tableName: configuration.table, limit: 1_000), totalSegments: configuration.scanSegments
        ) { _, page in
            for item in page.items { try spill.append(item, to: group(item[pkName]?.stringValue)) }
            tracker.update { $0.itemsScanned += page.items.count }
        }
        try spill.flush()
    }

    /// Compares groups `0..<count`, `concurrency` at a time: the items of the
    /// group's spill file with the rows `rows` reads for it.
    func compareGroups(
        count: Int, spill: ItemSpill, into accumulator: inout ValidationAccumulator, tracker: ProgressTracker,
        rows readRows: @escaping @Sendable (Int, ValidationSourceReader) async throws -> [SourceTableRow]
    ) async throws {
        tracker.update { $0.phase = "compare" }
        let next = WorkCounter()
        try await withThrowingTaskGroup(of: [PartitionOutcome].self) { group in
            for _ in 0..<min(configuration.concurrency, count) {
                group.addTask {
                    try await withConnection { reader in
                        var outcomes: [PartitionOutcome] = []
                        while true {
                            let index = next.take()
                            guard index < count else { return outcomes }
                            let items = try spill.items(of: index)
                            let rows = try await readRows(index, reader)
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

    /// Every item of an account's partitions (one per partition-key template; strongly consistent).
    public func items(ofAccount account: UInt64) async throws -> [Item] {
        let keys = scheme.partitionKeys(of: account)
        guard !keys.isEmpty else { throw PartitionSchemeError.notNumeric(table: accountTable) }
        var items: [Item] = []
        for key in keys {
            items += try await dynamoDB.queryAll(QueryInput(
                tableName: configuration.table, keyCondition: "#pk = :pk",
                names: ["#pk": configuration.mapping.partitionKeyAttribute], values: [":pk": .s(key)],
                consistentRead: true))
        }
        return items
    }

    // MARK: Shared

    /// Looks up subscribers referenced from outside their partition (GSI1), and
    /// those the table lacks in the source: a reference dangling there too is
    /// the source's own state, faithfully copied.
    func settleReferences(_ outcome: inout PartitionOutcome, reader: ValidationSourceReader) async throws {
        guard !outcome.unresolvedSubscriberReferences.isEmpty else {
            outcome.settleSubscriberReferences(existing: [])
            return
        }
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

    /// Whether an item of the referenced table with this key is anywhere in the
    /// table: looked up by the key the mapping builds from the reference column
    /// alone (the referenced table's partition key, else an index's; the mapping's
    /// validation makes sure there is one).
    func subscriberExists(_ number: String) async throws -> Bool {
        let rules = configuration.rules
        guard let table = configuration.mapping.table(rules.subscriberEntity) else { return false }
        let lookup: (index: String?, attribute: String, template: KeyTemplate)
        if table.partitionKey.columnNames == [rules.subscriberColumn] {
            lookup = (nil, configuration.mapping.partitionKeyAttribute, table.partitionKey)
        } else if let index = table.indexKeys.first(where: { $0.partitionKey.columnNames == [rules.subscriberColumn] }) {
            lookup = (index.indexName, index.partitionKeyAttribute, index.partitionKey)
        } else {
            return false
        }
        let keyValue = lookup.template.segments.map { segment -> String in
            switch segment {
            case .literal(let text): return text
            case .column(_, let padding):
                guard let padding, number.count < padding else { return number }
                return String(repeating: "0", count: padding - number.count) + number
            }
        }.joined()
        let items = try await dynamoDB.queryAll(QueryInput(
            tableName: configuration.table, indexName: lookup.index, keyCondition: "#pk = :pk",
            names: ["#pk": lookup.attribute], values: [":pk": .s(keyValue)]))
        return items.contains { comparator.isData($0) && comparator.entity(of: $0) == rules.subscriberEntity }
    }

    /// Runs `body` with a reader over a connection of its own, closed afterwards.
    func withConnection<R: Sendable>(_ body: (ValidationSourceReader) async throws -> R) async throws -> R {
        let connection = try await MySQLConnection.connect(source)
        do {
            let result = try await body(ValidationSourceReader(
                connection: connection, database: source.database, mapping: configuration.mapping, scheme: scheme))
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
