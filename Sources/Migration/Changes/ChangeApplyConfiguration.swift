import BillingModel
import DMSStaging
import MigrationCore

/// Everything `apply` needs to know, mapped from flags and environment at the edge.
public struct ChangeApplyConfiguration: Sendable {
    public enum Polling: Sendable, Hashable {
        /// Apply the files there are now, then stop.
        case once
        /// List the source again after this pause, until stopped.
        case every(Duration)
    }

    /// The folder that holds `{schema}/{TABLE}/` (DMS's BucketFolder).
    public var sourcePrefix: String
    /// A printable name of the source for summaries (`s3://bucket/prefix`).
    public var sourceDescription: String
    public var tableName: String
    public var mapping: Mapping
    /// How the change files are written (header, change-sequence column, ...).
    public var readOptions: DMSReadOptions
    /// DMS's CdcPath, relative to the source prefix: per-table change files are
    /// then read under it, and so are `CDC_TXN-*` files (PreserveTransactions).
    public var cdcPath: String?
    public var polling: Polling
    /// Adaptive throttling, including the `--max-wcu` ceiling.
    public var throttle: AdaptiveRateController.Configuration
    public var applier: ChangeApplier.Configuration
    /// How often checkpoints are saved while changes are applied.
    public var checkpointInterval: Duration

    public init(
        sourcePrefix: String,
        sourceDescription: String,
        tableName: String = "BillingSystem",
        mapping: Mapping = .billing,
        readOptions: DMSReadOptions = DMSReadOptions(),
        cdcPath: String? = nil,
        polling: Polling = .once,
        throttle: AdaptiveRateController.Configuration = .init(),
        applier: ChangeApplier.Configuration = .init(),
        checkpointInterval: Duration = .seconds(5)
    ) {
        self.sourcePrefix = sourcePrefix
        self.sourceDescription = sourceDescription
        self.tableName = tableName
        self.mapping = mapping
        self.readOptions = readOptions
        self.cdcPath = cdcPath
        self.polling = polling
        self.throttle = throttle
        self.applier = applier
        self.checkpointInterval = checkpointInterval
    }
}
