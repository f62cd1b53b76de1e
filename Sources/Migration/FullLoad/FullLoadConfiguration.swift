import BillingModel
import DMSStaging
import MigrationCore

/// Everything a full load needs to know, mapped from flags and environment at the edge.
public struct FullLoadConfiguration: Sendable {
    /// Where DMS staged the files: the folder that holds `{schema}/{TABLE}/`.
    public var sourcePrefix: String
    /// A printable name of the source for summaries (`s3://bucket/prefix`).
    public var sourceDescription: String
    public var tableName: String
    public var mapping: Mapping
    /// How the staged CSV files are written (header, Op column, extra columns).
    public var readOptions: DMSReadOptions
    /// Read and map, write nothing, keep no state.
    public var dryRun: Bool
    /// Ignore existing checkpoints and load every file again.
    public var restart: Bool
    /// Staged files read at once.
    public var filesInParallel: Int
    /// BatchWriteItem calls in flight at once, across all files.
    public var writeConcurrency: Int
    /// Adaptive throttling, including the `--max-wcu` ceiling.
    public var throttle: AdaptiveRateController.Configuration
    /// Ceilings in table write units per second by entity type (`--entity-max-wcu`,
    /// a plan's advice), below the throttle's; empty: none.
    public var entityWriteLimits: [String: Double] = [:]
    public var applier: BatchApplier.Configuration
    /// How often a file's checkpoint is saved while it loads.
    public var checkpointInterval: Duration
    /// Days a tracking item lives before its TTL removes it.
    public var trackingRetentionDays: Int
    /// A backfill: only these tables' files, only their rows in its date range, each
    /// item written unless the table holds it newer; nil: the full load.
    public var selection: LoadSelection?

    public init(
        sourcePrefix: String,
        sourceDescription: String,
        tableName: String = "BillingSystem",
        mapping: Mapping = .billing,
        readOptions: DMSReadOptions = DMSReadOptions(),
        dryRun: Bool = false,
        restart: Bool = false,
        filesInParallel: Int = 4,
        writeConcurrency: Int = 32,
        throttle: AdaptiveRateController.Configuration = .init(),
        applier: BatchApplier.Configuration = .init(),
        checkpointInterval: Duration = .seconds(5),
        trackingRetentionDays: Int = 90,
        selection: LoadSelection? = nil
    ) {
        self.selection = selection
        self.sourcePrefix = sourcePrefix
        self.sourceDescription = sourceDescription
        self.tableName = tableName
        self.mapping = mapping
        self.readOptions = readOptions
        self.dryRun = dryRun
        self.restart = restart
        self.filesInParallel = filesInParallel
        self.writeConcurrency = writeConcurrency
        self.throttle = throttle
        self.applier = applier
        self.checkpointInterval = checkpointInterval
        self.trackingRetentionDays = trackingRetentionDays
    }
}
