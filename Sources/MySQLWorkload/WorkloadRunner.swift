import BillingModel
import MigrationCore
import MySQLSource
import SampleData

/// What `billmig workload` runs.
public struct WorkloadConfiguration: Sendable, Hashable {
    /// Row changes to commit (rolled-back ones do not count).
    public var changes: Int
    /// Committed changes per second; nil runs as fast as the database goes.
    public var ratePerSecond: Double?
    /// Connections writing at once, each on its own share of the accounts.
    public var connections: Int
    public var seed: UInt64
    /// Accounts of the database the workload changes (spread over all of them).
    public var workingSetAccounts: Int
    public var mix: WorkloadMix
    /// Attempts of a transaction that hits a deadlock or a lock-wait timeout.
    public var maxAttempts: Int

    public init(
        changes: Int, ratePerSecond: Double? = nil, connections: Int = 1, seed: UInt64 = 1,
        workingSetAccounts: Int = 2000, mix: WorkloadMix = WorkloadMix(), maxAttempts: Int = 5
    ) {
        self.changes = max(0, changes)
        self.ratePerSecond = ratePerSecond.flatMap { $0 > 0 ? $0 : nil }
        self.connections = max(1, connections)
        self.seed = seed
        self.workingSetAccounts = max(1, workingSetAccounts)
        self.mix = mix
        self.maxAttempts = max(1, maxAttempts)
    }

    /// The seed of connection `index`'s planner: the seed itself for the first,
    /// so one connection runs exactly the sequence the seed names.
    func seed(ofConnection index: Int) -> UInt64 {
        index == 0 ? seed : SplitMix64.mix(seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
    }

    /// Changes connection `index` commits: an equal share, the remainder to the first ones.
    func share(ofConnection index: Int) -> Int {
        changes / connections + (index < changes % connections ? 1 : 0)
    }
}

/// Where a running workload stands.
public struct WorkloadProgress: Sendable, Hashable {
    public var committedChanges: Int
    public var requestedChanges: Int
    public var committedTransactions: Int
    public var rolledBackTransactions: Int
    public var elapsedSeconds: Double
    public var changesPerSecond: Double { elapsedSeconds > 0 ? Double(committedChanges) / elapsedSeconds : 0 }
}

/// What a workload did.
public struct WorkloadSummary: Sendable, Hashable, Codable {
    public var target: String
    public var seed: UInt64
    public var connections: Int
    public var requestedChanges: Int
    public var requestedRate: Double?
    /// Row changes committed (inserted, updated, deleted or re-keyed rows).
    public var committedChanges: Int
    /// Committed row changes by table and kind (`insert`, `update`, `delete`, `key-change`).
    public var changes: [String: [String: Int]]
    public var committedTransactions: Int
    /// Transactions that ended in ROLLBACK: their changes must leave no trace downstream.
    public var rolledBackTransactions: Int
    /// Row changes made and then rolled back.
    public var rolledBackChanges: Int
    /// Committed transactions by kind (`new-account`, `move-subscriber`…).
    public var transactions: [String: Int]
    /// Transactions run again after a deadlock or a lock-wait timeout.
    public var retriedTransactions: Int
    /// Statements that changed another number of rows than the model expected
    /// (0 in a database only this workload writes to).
    public var unexpectedRowCounts: Int
    /// Accounts the workload chose from, at the start.
    public var workingSetAccounts: Int
    public var elapsedSeconds: Double
    public var changesPerSecond: Double
    /// Stopped (SIGINT/SIGTERM) before the requested changes were committed.
    public var stoppedEarly: Bool

    /// Committed changes of `kind` in `table`.
    public func count(_ table: SampleTable, _ kind: WorkloadChangeKind) -> Int {
        changes[table.name]?[kind.rawValue] ?? 0
    }

    /// How the row count of `table` moved: inserts minus deletes.
    public func rowCountChange(_ table: SampleTable) -> Int {
        count(table, .insert) - count(table, .delete)
    }
}

/// Runs a workload against MySQL: planners (pure) choose the statements, this
/// runs them on `connections` connections at the paced rate, and counts.
public struct WorkloadRunner: Sendable {
    public let configuration: WorkloadConfiguration

    public init(configuration: WorkloadConfiguration) {
        self.configuration = configuration
    }

    /// Runs until the requested changes are committed or `shouldStop` says so
    /// (checked between transactions: a transaction in flight finishes).
    /// - Parameters:
    ///   - connect: opens one connection to the database (called once per connection).
    ///   - progress: called about once a second.
    public func run(
        connect: @escaping @Sendable () async throws -> MySQLConnection,
        shouldStop: @escaping @Sendable () -> Bool = { false },
        progress: @escaping @Sendable (WorkloadProgress) -> Void = { _ in }
    ) async throws -> WorkloadSummary {
        let configuration = self.configuration
        let clock = ContinuousClock()
        let first = try await connect()
        let model: WorkloadModel
        let literal: MySQLLiteral
        do {
            model = try await WorkloadModel.load(from: first, accounts: configuration.workingSetAccounts)
            literal = MySQLLiteral(sqlMode: try await MySQLSampleWriter.sqlMode(first))
        } catch {
            await first.close()
            throw error
        }
        // Rates count from the first transaction, not from loading the model.
        let started = clock.now
        let parts = model.split(into: configuration.connections)
        let tally = WorkloadTally(requested: configuration.changes, started: started)
        let pacer = configuration.ratePerSecond.map { WorkloadPacer(ratePerSecond: $0, now: clock.now) }

        try await withThrowingTaskGroup(of: Void.self) { outer in
            outer.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    if Task.isCancelled { break }
                    progress(await tally.progress(now: clock.now))
                }
            }
            try await withThrowingTaskGroup(of: Void.self) { workers in
                for (index, part) in parts.enumerated() {
                    let reused = index == 0 ? first : nil
                    workers.addTask {
                        let connection: MySQLConnection
                        if let first = reused { connection = first } else { connection = try await connect() }
                        var worker = WorkloadWorker(
                            connection: connection, literal: literal,
                            planner: WorkloadPlanner(model: part, seed: configuration.seed(ofConnection: index), mix: configuration.mix),
                            share: configuration.share(ofConnection: index), maxAttempts: configuration.maxAttempts,
                            tally: tally, pacer: pacer)
                        do {
                            try await worker.run(shouldStop: shouldStop)
                        } catch {
                            await connection.close()
                            throw error
                        }
                        await connection.close()
                    }
                }
                try await workers.waitForAll()
            }
            outer.cancelAll()
        }
        let elapsed = (clock.now - started).seconds
        return await tally.summary(
            target: first.configuration.description, configuration: configuration, workingSet: model.accounts.count,
            elapsed: elapsed, stoppedEarly: shouldStop())
    }
}

extension WorkloadRunner {
    /// Runs against the database `connection` describes, one connection per
    /// workload connection (reconnecting with the default retry policy).
    public func run(
        on connection: MySQLConnectionConfiguration,
        shouldStop: @escaping @Sendable () -> Bool = { false },
        progress: @escaping @Sendable (WorkloadProgress) -> Void = { _ in }
    ) async throws -> WorkloadSummary {
        try await run(connect: { try await MySQLConnection.connect(connection) }, shouldStop: shouldStop, progress: progress)
    }
}

/// One connection's loop: plan, pace, run, count.
struct WorkloadWorker {
    let connection: MySQLConnection
    let literal: MySQLLiteral
    var planner: WorkloadPlanner
    let share: Int
    let maxAttempts: Int
    let tally: WorkloadTally
    let pacer: WorkloadPacer?

    mutating func run(shouldStop: @Sendable () -> Bool) async throws {
        var committed = 0
        while committed < share, !shouldStop(), !Task.isCancelled {
            let transaction = planner.next(budget: share - committed)
            if let pacer, !transaction.rollsBack {
                let wait = await pacer.reserve(Double(transaction.plannedChanges))
                if wait > .zero { try await Task.sleep(for: wait) }
            }
            let (affected, attempts) = try await execute(transaction)
            if !transaction.rollsBack { committed += affected.reduce(0, +) }
            await tally.record(transaction, affected: affected, retries: attempts - 1)
        }
    }

    /// Runs the transaction; returns the rows each statement changed and the attempts it took.
    private func execute(_ transaction: WorkloadTransaction) async throws -> (affected: [Int], attempts: Int) {
        var attempt = 1
        while true {
            do {
                try await connection.execute("START TRANSACTION")
                var affected: [Int] = []
                for statement in transaction.statements {
                    affected.append(Int(try await connection.execute(statement.sql(literal))))
                }
                try await connection.execute(transaction.rollsBack ? "ROLLBACK" : "COMMIT")
                return (affected, attempt)
            } catch {
                _ = try? await connection.execute("ROLLBACK")
                guard error.isTransactionConflict, attempt < maxAttempts else {
                    throw WorkloadError(transaction: transaction, underlying: error)
                }
                attempt += 1
            }
        }
    }
}

/// A transaction of the workload failed.
public struct WorkloadError: Error, Sendable, CustomStringConvertible {
    public var transaction: String
    public var underlying: MySQLError

    init(transaction: WorkloadTransaction, underlying: MySQLError) {
        self.transaction = transaction.label
        self.underlying = underlying
    }

    public var description: String {
        "the workload's \(transaction) transaction failed: \(underlying)"
    }
}

/// The shared rate limit of all connections.
actor WorkloadPacer {
    private var bucket: TokenBucket
    private let clock = ContinuousClock()

    init(ratePerSecond: Double, now: ContinuousClock.Instant) {
        // A tenth of a second's burst: the rate holds over short windows too.
        bucket = TokenBucket(ratePerSecond: ratePerSecond, capacity: max(1, ratePerSecond / 10), now: now)
    }

    func reserve(_ tokens: Double) -> Duration {
        bucket.reserve(tokens, now: clock.now)
    }
}

/// Counts of all connections.
actor WorkloadTally {
    private let requested: Int
    private let started: ContinuousClock.Instant
    private var committedChanges = 0
    private var changes: [String: [String: Int]] = [:]
    private var committedTransactions = 0
    private var rolledBackTransactions = 0
    private var rolledBackChanges = 0
    private var transactions: [String: Int] = [:]
    private var retried = 0
    private var unexpected = 0

    init(requested: Int, started: ContinuousClock.Instant) {
        self.requested = requested
        self.started = started
    }

    func record(_ transaction: WorkloadTransaction, affected: [Int], retries: Int) {
        if retries > 0 { retried += 1 }
        unexpected += zip(transaction.statements, affected).filter { $0.0.expectedRows != $0.1 }.count
        let total = affected.reduce(0, +)
        if transaction.rollsBack {
            rolledBackTransactions += 1
            rolledBackChanges += total
            return
        }
        committedTransactions += 1
        committedChanges += total
        transactions[transaction.label, default: 0] += 1
        for (statement, rows) in zip(transaction.statements, affected) where rows > 0 {
            changes[statement.table.name, default: [:]][statement.kind.rawValue, default: 0] += rows
        }
    }

    func progress(now: ContinuousClock.Instant) -> WorkloadProgress {
        WorkloadProgress(
            committedChanges: committedChanges, requestedChanges: requested, committedTransactions: committedTransactions,
            rolledBackTransactions: rolledBackTransactions, elapsedSeconds: (now - started).seconds)
    }

    func summary(
        target: String, configuration: WorkloadConfiguration, workingSet: Int, elapsed: Double, stoppedEarly: Bool
    ) -> WorkloadSummary {
        WorkloadSummary(
            target: target, seed: configuration.seed, connections: configuration.connections,
            requestedChanges: configuration.changes, requestedRate: configuration.ratePerSecond,
            committedChanges: committedChanges, changes: changes, committedTransactions: committedTransactions,
            rolledBackTransactions: rolledBackTransactions, rolledBackChanges: rolledBackChanges, transactions: transactions,
            retriedTransactions: retried, unexpectedRowCounts: unexpected, workingSetAccounts: workingSet,
            elapsedSeconds: elapsed, changesPerSecond: elapsed > 0 ? Double(committedChanges) / elapsed : 0,
            stoppedEarly: stoppedEarly && committedChanges < configuration.changes)
    }
}
