import BillingModel
import Foundation
import ValidationCore

/// What a validation run compares and how hard it works.
public struct ValidationConfiguration: Sendable {
    /// Which accounts to compare.
    public enum Scope: Sendable, Hashable {
        /// Everything: the target by a parallel Scan, the source by account ranges.
        case full
        /// These accounts: the target by one Query per account.
        case accounts([UInt64])
        /// A stable pseudo-random share of the source's accounts.
        case sample(share: Double, seed: UInt64)

        public var name: String {
            switch self {
            case .full: return "full"
            case .accounts: return "accounts"
            case .sample: return "sample"
            }
        }
    }

    public var table: String
    public var mapping: Mapping
    public var mapperOptions: ItemMapper.Options
    public var rules: RelationshipRules
    public var scope: Scope
    /// Only these source tables (nil: all of the mapping's).
    public var entities: Set<String>?
    /// Ranges or account batches compared at once (one MySQL connection each).
    public var concurrency: Int
    /// Scan segments of a full run.
    public var scanSegments: Int
    /// About how many source rows one range holds: the memory bound of a full run
    /// (`concurrency` ranges are held at once, each row with its item).
    public var rowsPerRange: Int
    /// With 8 ranges at once, about 16,000 rows and their items in memory: a full
    /// run of any size stays under 150 MB (bench run 6).
    public static let defaultRowsPerRange = 2_000
    /// Accounts per range of a full run; nil: from `rowsPerRange` and the
    /// server's estimate of the row count.
    public var accountsPerRange: Int?
    /// Accounts per batch of an `accounts` or `sample` run.
    public var accountsPerBatch: Int
    /// Mismatches listed in the report (all are counted).
    public var mismatchLimit: Int
    /// Where a full run keeps its range files while it runs.
    public var spillDirectory: URL
    /// The run's id (`VALIDATION#{run}`); no `#`.
    public var runId: String
    /// The source for the report, without secrets.
    public var sourceDescription: String
    /// Whether to write the `VALIDATION#{run}` tracking item.
    public var writeRunRecord: Bool
    /// Cut a full run into hash buckets of the partition key even when the
    /// mapping's partition keys are integer columns (`PartitionScheme.hashed`).
    public var hashPartitions = false

    public init(
        table: String, mapping: Mapping = .billing, mapperOptions: ItemMapper.Options = .init(),
        rules: RelationshipRules? = nil, scope: Scope = .full, entities: Set<String>? = nil, concurrency: Int = 8,
        scanSegments: Int = 8, rowsPerRange: Int = ValidationConfiguration.defaultRowsPerRange, accountsPerBatch: Int = 50, mismatchLimit: Int = 10_000,
        spillDirectory: URL = FileManager.default.temporaryDirectory, runId: String = ValidationConfiguration.newRunId(),
        sourceDescription: String, writeRunRecord: Bool = true
    ) {
        self.table = table
        self.mapping = mapping
        self.mapperOptions = mapperOptions
        self.rules = rules ?? .of(mapping)
        self.scope = scope
        self.entities = entities
        self.concurrency = max(1, concurrency)
        self.scanSegments = max(1, scanSegments)
        self.rowsPerRange = max(1, rowsPerRange)
        self.accountsPerBatch = max(1, accountsPerBatch)
        self.accountsPerRange = nil
        self.mismatchLimit = mismatchLimit
        self.spillDirectory = spillDirectory
        self.runId = runId
        self.sourceDescription = sourceDescription
        self.writeRunRecord = writeRunRecord
    }

    /// `20261122T061700Z-3f9a`: sortable by time, unique enough for concurrent runs.
    public static func newRunId(now: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: now) + "-" + String(UInt16.random(in: 0...UInt16.max), radix: 16)
    }

    /// The tables compared, in the mapping's order.
    var tables: [String] {
        mapping.tables.map(\.table).filter { entities?.contains($0) ?? true }
    }
}

/// How far a validation has come, for progress lines.
public struct ValidationProgress: Sendable {
    public var phase: String
    public var itemsScanned: Int
    public var rowsCompared: Int
    public var rangesDone: Int
    public var rangesTotal: Int
    public var mismatches: Int
}
