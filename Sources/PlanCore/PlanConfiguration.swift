/// How a plan is computed, mapped from flags at the edge.
public struct PlanConfiguration: Sendable, Hashable {
    /// The load's target duration: the write rate each key needs is its write
    /// units spread evenly over it.
    public var durationSeconds: Double
    /// The fraction of the source measured (partitions or files, see
    /// `sampleUnit`); 1 reads everything and makes every count and size exact.
    public var sampleFraction: Double
    /// What a sample takes whole.
    public var sampleUnit: SampleUnit
    /// DynamoDB's documented throughput limit of one partition key value
    /// (write units per second), whatever the table's capacity.
    public var partitionWriteUnitsPerSecond: Double
    /// The same for reads (read units per second).
    public var partitionReadUnitsPerSecond: Double
    /// The share of a partition's limit the advised rates aim for.
    public var headroom: Double
    /// Distinct values counted exactly per counter before HyperLogLog takes over.
    public var exactDistinctLimit: Int
    /// Counters of each heavy-hitter sketch (k; the error bound is W/(k+1)).
    public var heavyHitterCapacity: Int
    /// Keys listed per ranking.
    public var topKeys: Int
    /// Oversized and near-limit items listed with their keys, per entity.
    public var listedItems: Int
    /// Item keys remembered (as hashes) to find two rows mapped to one key.
    public var collisionCheckLimit: Int

    public init(
        durationSeconds: Double = 2 * 3600,
        sampleFraction: Double = 1,
        sampleUnit: SampleUnit = .partitions,
        partitionWriteUnitsPerSecond: Double = 1_000,
        partitionReadUnitsPerSecond: Double = 3_000,
        headroom: Double = 0.8,
        exactDistinctLimit: Int = 200_000,
        heavyHitterCapacity: Int = 1_000,
        topKeys: Int = 5,
        listedItems: Int = 20,
        collisionCheckLimit: Int = 5_000_000
    ) {
        self.durationSeconds = durationSeconds
        self.sampleFraction = sampleFraction
        self.sampleUnit = sampleUnit
        self.partitionWriteUnitsPerSecond = partitionWriteUnitsPerSecond
        self.partitionReadUnitsPerSecond = partitionReadUnitsPerSecond
        self.headroom = headroom
        self.exactDistinctLimit = exactDistinctLimit
        self.heavyHitterCapacity = heavyHitterCapacity
        self.topKeys = topKeys
        self.listedItems = listedItems
        self.collisionCheckLimit = collisionCheckLimit
    }

    public var isSample: Bool { sampleFraction < 1 }

    /// Rows are measured only when their partition is in the sample.
    public var samplesPartitions: Bool { isSample && sampleUnit == .partitions }

    /// What a sampled plan takes whole.
    public enum SampleUnit: String, Sendable, Hashable, Codable, CaseIterable {
        /// Whole partitions (accounts): every file is read, only the sample's rows
        /// are measured. Exact key skew for the sampled accounts.
        case partitions
        /// Whole staged files: only the sample's files are read, so the pass is
        /// that much faster. Assumes the chosen files are typical of their table.
        case files
    }
}

/// Which partitions a sampled plan reads: a partition key is in the sample
/// when its stable hash falls under the fraction, so every row of an account
/// is in or out together, and two runs pick the same accounts.
public struct PartitionSample: Sendable, Hashable {
    public var fraction: Double

    public init(fraction: Double) {
        self.fraction = fraction
    }

    public func includes(partitionKey: String) -> Bool {
        fraction >= 1 || StableHash.unitInterval(StableHash.of(partitionKey)) < fraction
    }
}

/// Which staged files a sample by files reads: of each table, files in the
/// order of a stable hash of their key until their bytes reach the fraction of
/// the table's bytes, and at least one file of every table that has any. Two
/// runs pick the same files.
public enum FileSample {
    public static func choose<File>(
        _ files: [File], fraction: Double, table: (File) -> String, key: (File) -> String, bytes: (File) -> Int64
    ) -> [File] {
        guard fraction < 1 else { return files }
        var byTable: [String: [File]] = [:]
        var tables: [String] = []
        for file in files {
            let name = table(file)
            if byTable[name] == nil { tables.append(name) }
            byTable[name, default: []].append(file)
        }
        var chosen: [File] = []
        for name in tables {
            let candidates = byTable[name, default: []]
            let target = fraction * Double(candidates.reduce(0) { $0 + bytes($1) })
            var taken: Int64 = 0
            for file in candidates.sorted(by: { StableHash.of(key($0)) < StableHash.of(key($1)) }) {
                guard taken == 0 || Double(taken) < target else { break }
                chosen.append(file)
                taken += max(bytes(file), 1)
            }
        }
        return chosen
    }
}
