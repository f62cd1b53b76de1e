/// Every metric billmig publishes: one catalogue, so the CloudWatch alarms in
/// infra/monitoring.yaml, the Prometheus names and the code cannot disagree
/// (infra/tests checks each alarm's metric and dimensions against
/// `billmig infra metrics`, which prints this).
public enum MetricName: String, Sendable, CaseIterable, Codable {
    /// Rows (full load) and changes (apply, stream) read from the source.
    case rowsRead = "RowsRead"
    /// Items written to the table.
    case itemsWritten = "ItemsWritten"
    /// Rows and changes that went to the dead-letter store.
    case rowsDeadLettered = "RowsDeadLettered"
    /// Changes not written because a newer version was already there.
    case changesSkippedStale = "ChangesSkippedStale"
    /// Write requests (or items of a batch) DynamoDB throttled.
    case throttledRequests = "ThrottledRequests"
    /// Write capacity units DynamoDB reported as consumed.
    case consumedWriteCapacity = "ConsumedWriteCapacity"
    /// Requests sent again after a retryable failure.
    case retries = "Retries"
    /// How far the change stream is behind the source, in seconds.
    case replicationLagSeconds = "ReplicationLagSeconds"
    /// Rows and items `validate` found different, missing or extra.
    case validationMismatches = "ValidationMismatches"

    public var unit: MetricUnit {
        switch self {
        case .replicationLagSeconds: .seconds
        case .consumedWriteCapacity: .none
        default: .count
        }
    }

    /// The dimension sets each data point is published with: per table (what the
    /// alarms watch) and, for per-entity counts, per table and entity as well
    /// (CloudWatch does not add up across dimensions, so both are sent).
    public var dimensionSets: [[MetricDimension]] {
        switch self {
        case .rowsRead, .itemsWritten, .rowsDeadLettered, .changesSkippedStale:
            [[.table], [.table, .entity]]
        case .throttledRequests, .consumedWriteCapacity, .retries, .replicationLagSeconds, .validationMismatches:
            [[.table]]
        }
    }
}

public enum MetricDimension: String, Sendable, CaseIterable, Codable {
    /// The DynamoDB table written.
    case table = "Table"
    /// The source table (entity) of the rows.
    case entity = "Entity"
}

/// CloudWatch's unit names.
public enum MetricUnit: String, Sendable, Codable {
    case count = "Count"
    case seconds = "Seconds"
    case none = "None"
}

public enum MetricCatalogue {
    /// The CloudWatch namespace (IAM policies allow `PutMetricData` only to it).
    public static let namespace = "Billmig"
}
