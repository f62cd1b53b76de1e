/// A plan: what the load will write, where it will run hot, what it will
/// cost. Codable: `billmig plan --json` prints it and `load --plan` reads it.
public struct PlanReport: Sendable, Hashable, Codable {
    public struct ListedItem: Sendable, Hashable, Codable {
        /// `PK | SK`.
        public var key: String
        public var bytes: Int
    }

    public struct Sizes: Sendable, Hashable, Codable {
        public var p50: Int
        public var p99: Int
        public var max: Int
        public var mean: Double
    }

    /// One of the heaviest partition-key values of a key.
    public struct TopKey: Sendable, Hashable, Codable {
        public var key: String
        /// Items, bytes or write units (by ranking), a lower bound; the truth is at most `value + maxError`.
        public var value: Int
        public var maxError: Int
        /// The key's share of the key's (table or index) write units.
        public var shareOfWrites: Double
        /// Write units per second it needs when the load spreads over the duration.
        public var writeUnitsPerSecond: Double
        /// The whole key's (table or index) write rate at which this value
        /// reaches one partition's limit (nil when it takes no writes).
        public var indexRateAtPartitionLimit: Double?
    }

    public struct Distinct: Sendable, Hashable, Codable {
        public var count: Int
        public var exact: Bool
        /// Relative standard error (0 when exact; HyperLogLog's otherwise).
        public var relativeStandardError: Double
        /// A sample sees at most the values of its partitions: for an index key
        /// this is a lower bound; the table's partition key is scaled up.
        public var lowerBound: Bool
    }

    /// Figures of one key: the table's partition key, or an index's.
    public struct KeyPlan: Sendable, Hashable, Codable {
        /// `table`, or the index name.
        public var name: String
        public var items: Int
        public var bytes: Int
        public var writeUnits: Int
        public var distinctPartitionKeys: Distinct
        public var topByItems: [TopKey]
        public var topByBytes: [TopKey]
        public var topByWriteUnits: [TopKey]
    }

    /// One entity's share of a key.
    public struct EntityKey: Sendable, Hashable, Codable {
        public var name: String
        public var items: Int
        public var writeUnits: Int
        public var distinctPartitionKeys: Distinct
        /// The value taking most of this entity's writes to the key.
        public var hottest: TopKey?
        /// The entity's table write rate at which `hottest` reaches `headroom` of a partition's limit.
        public var maxEntityWriteUnitsPerSecond: Double?
    }

    public struct EntityPlan: Sendable, Hashable, Codable {
        public var entity: String
        public var rowsRead: Int
        /// Rows of partitions outside the sample (read, not mapped in full).
        public var rowsOutsideSample: Int
        /// Items the load writes (scaled up from a sample).
        public var items: Int
        /// Rows the load dead-letters: unreadable, unmappable, oversized.
        public var deadLetters: Int
        public var unreadable: Int
        public var mappingErrors: [String: Int]
        public var errorExamples: [String]
        public var sizes: Sizes
        public var oversized: Int
        public var oversizedItems: [ListedItem]
        /// Items within 10% of the 400 KB limit.
        public var nearLimit: Int
        public var nearLimitItems: [ListedItem]
        public var collidingKeys: Int
        public var collisionExamples: [String]
        public var tableWriteUnits: Int
        public var indexWriteUnits: [String: Int]
        public var storageBytes: Int
        public var keys: [EntityKey]
    }

    public struct Totals: Sendable, Hashable, Codable {
        public var rowsRead: Int
        public var items: Int
        public var deadLetters: Int
        public var tableWriteUnits: Int
        public var indexWriteUnits: Int
        /// Table and index write units: what an on-demand load is billed.
        public var writeUnits: Int
        /// A validation pass's eventually consistent Scan of the table.
        public var validationReadUnits: Int
        public var tableStorageBytes: Int
        /// Table and indexes.
        public var storageBytes: Int
    }

    public struct Costs: Sendable, Hashable, Codable {
        public var currency: String
        public var pricesDate: String
        public var pricesRegion: String
        public var onDemandLoad: Double
        public var onDemandValidation: Double
        /// Write capacity (table plus indexes) that writes everything in the duration.
        public var provisionedWriteCapacity: Int
        public var provisionedLoad: Double
        /// Read capacity that scans the table once in the duration.
        public var provisionedReadCapacity: Int
        public var provisionedValidation: Double
        public var storagePerMonth: Double
    }

    public struct Warning: Sendable, Hashable, Codable {
        public enum Kind: String, Sendable, Hashable, Codable {
            case hotKey, skewedKey, oversizedItems, nearLimitItems, collidingKeys, keysMayCollide, deadLetters
        }
        public var kind: Kind
        public var entity: String?
        public var key: String?
        public var message: String
        /// What to do about it.
        public var action: String
    }

    /// What `load --plan` applies: a write-rate ceiling per entity.
    public struct Advice: Sendable, Hashable, Codable {
        /// Table write units per second per entity that keep each of its keys
        /// under `headroom` of one partition's limit.
        public var entityMaxWriteUnitsPerSecond: [String: Double]
    }

    public struct Limits: Sendable, Hashable, Codable {
        public var itemBytes: Int
        public var partitionWriteUnitsPerSecond: Double
        public var partitionReadUnitsPerSecond: Double
        public var headroom: Double
    }

    public var source: String
    public var durationSeconds: Double
    public var sampleFraction: Double
    /// What the sample took whole; nil in plans saved before files could be sampled.
    public var sampleUnit: PlanConfiguration.SampleUnit?
    public var elapsedSeconds: Double
    /// False when more item keys were read than the collision check remembers.
    public var collisionCheckComplete: Bool
    public var limits: Limits
    public var entities: [EntityPlan]
    public var keys: [KeyPlan]
    public var totals: Totals
    public var costs: Costs
    public var warnings: [Warning]
    public var advice: Advice
}
