/// The result of a validation run, as printed and as written to `--report`:
/// counts in full, mismatches capped.
public struct ValidationReport: Sendable, Codable {
    /// The share of failed keys above which a run is an alert (the design's 1%).
    public static let alertThreshold = 0.01

    public var run: String
    /// `full`, `accounts`, `sample` or `live`.
    public var mode: String
    public var table: String
    /// The source without secrets.
    public var source: String
    public var startedAt: String
    public var finishedAt: String
    /// Per entity (source table name).
    public var entities: [String: EntityTally]
    /// Tombstones and tracking items seen (not data, not compared).
    public var itemsNotData: Int
    /// Accounts compared (`accounts`, `sample`), when the run works by account.
    public var accountsChecked: Int?
    /// Every mismatch found, even those not listed.
    public var mismatchCount: Int
    /// The first `mismatchLimit` mismatches, ordered by key within each partition.
    public var mismatches: [Mismatch]
    public var mismatchesOmitted: Int
    /// Live validation: the rounds and what they found.
    public var live: LiveSummary?
    /// Failed keys over checked keys (rows plus extra items); 0 for an empty run.
    public var failureRate: Double
    /// The failure rate is above `alertThreshold`.
    public var alert: Bool

    public init(
        run: String, mode: String, table: String, source: String, startedAt: String, finishedAt: String,
        entities: [String: EntityTally], itemsNotData: Int, accountsChecked: Int?, mismatchCount: Int,
        mismatches: [Mismatch], live: LiveSummary? = nil
    ) {
        self.run = run
        self.mode = mode
        self.table = table
        self.source = source
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.entities = entities
        self.itemsNotData = itemsNotData
        self.accountsChecked = accountsChecked
        self.mismatchCount = mismatchCount
        self.mismatches = mismatches
        self.mismatchesOmitted = mismatchCount - mismatches.count
        self.live = live
        let totals = entities.values.reduce(into: EntityTally()) { $0.add($1) }
        self.failureRate = totals.checkedKeys == 0 ? 0 : Double(totals.failedKeys) / Double(totals.checkedKeys)
        self.alert = failureRate > Self.alertThreshold
    }

    public var totals: EntityTally {
        entities.values.reduce(into: EntityTally()) { $0.add($1) }
    }

    public var isClean: Bool { mismatchCount == 0 }

    public var isAlert: Bool { alert }
}

/// What live validation's rounds did.
public struct LiveSummary: Sendable, Codable, Hashable {
    public var rounds: Int
    /// Keys first found mismatched and checked again after the stream passed them.
    public var rechecked: Int
    /// Of those, the ones equal on a later round (they were in flight).
    public var settled: Int
    /// Keys still mismatched after the stream had passed the position read at comparison time.
    public var lasting: Int
    /// Keys whose recheck could not happen (the stream did not pass the position in time).
    public var unconfirmed: Int
    /// Checked keys over all source rows (1.0 when every row was compared).
    public var shareChecked: Double

    public init(rounds: Int, rechecked: Int, settled: Int, lasting: Int, unconfirmed: Int, shareChecked: Double) {
        self.rounds = rounds
        self.rechecked = rechecked
        self.settled = settled
        self.lasting = lasting
        self.unconfirmed = unconfirmed
        self.shareChecked = shareChecked
    }
}

/// Gathers partition outcomes into a report: counts in full, mismatches up to a cap.
public struct ValidationAccumulator: Sendable {
    public private(set) var entities: [String: EntityTally] = [:]
    public private(set) var itemsNotData = 0
    public private(set) var mismatchCount = 0
    public private(set) var mismatches: [Mismatch] = []
    public let mismatchLimit: Int

    public init(mismatchLimit: Int) {
        self.mismatchLimit = max(0, mismatchLimit)
    }

    public mutating func add(_ outcome: PartitionOutcome) {
        for (entity, tally) in outcome.tallies { entities[entity, default: EntityTally()].add(tally) }
        itemsNotData += outcome.itemsNotData
        mismatchCount += outcome.mismatches.count
        let room = mismatchLimit - mismatches.count
        if room > 0 { mismatches += outcome.mismatches.prefix(room) }
    }

    /// Counts items that were seen but not compared (tombstones and tracking items
    /// outside any partition).
    public mutating func addNotData(_ count: Int) {
        itemsNotData += count
    }
}
