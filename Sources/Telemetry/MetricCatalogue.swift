/// Every metric billmig publishes, and only those: one catalogue, so the CloudWatch alarms in
/// infra/monitoring.yaml, the Prometheus names and the code cannot disagree
/// (infra/tests checks each alarm's metric and dimensions against
/// `billmig infra metrics`, which prints this).
public enum MetricName: String, Sendable, CaseIterable, Codable {
    /// Rows (`load`) and changes (`apply`, `stream`) read from the source.
    case rowsRead = "RowsRead"
    /// Items written to the table (`load`, `apply`).
    case itemsWritten = "ItemsWritten"
    /// Rows and changes that went to the dead-letter store (`load`, `apply`, `stream`).
    case rowsDeadLettered = "RowsDeadLettered"
    /// Changes not written because a newer version was already there (`apply`).
    case changesSkippedStale = "ChangesSkippedStale"
    /// Rows and items `validate` found different, missing or extra.
    case validationMismatches = "ValidationMismatches"
    /// How far `stream` is behind the source, in seconds (Prometheus, and
    /// CloudWatch every `--cloudwatch-interval` for the stream lag alarm).
    case replicationLagSeconds = "ReplicationLagSeconds"
    /// How far `reverse-stream` is behind the DynamoDB stream, in seconds: the age
    /// of the newest applied record, 0 when caught up (Prometheus only).
    case reverseReplicationLagSeconds = "ReverseReplicationLagSeconds"
    /// Stream records `reverse-stream` has read and not yet committed to MySQL (Prometheus only).
    case reverseRecordsPending = "ReverseRecordsPending"
    /// Stream records `reverse-stream` has read (Prometheus only).
    case reverseRecordsRead = "ReverseRecordsRead"
    /// How long the source has been unreachable (`stream`), 0 while it answers.
    case sourceUnreachableSeconds = "SourceUnreachableSeconds"
    /// How long the table has been unreachable (`stream`), 0 while it answers.
    case targetUnreachableSeconds = "TargetUnreachableSeconds"
    /// 1 while `stream` reads the source over its backup route (`backup=` in the
    /// source URL), 0 over the primary.
    case sourceOnBackupRoute = "SourceOnBackupRoute"
    /// Bytes `stream` and `load --from mysql://` read from the source per second, over the last 10 s.
    case sourceBytesPerSecond = "SourceBytesPerSecond"
    /// Those bytes as a share of the link's declared capacity (`--link-capacity`), 0 to 1;
    /// published only when a capacity is declared.
    case sourceBandwidthShare = "SourceBandwidthShare"

    /// The Prometheus name: snake case, `billmig_` first, `_total` on counters.
    public var prometheusName: String {
        var snake = ""
        for character in rawValue {
            if character.isUppercase, !snake.isEmpty { snake.append("_") }
            snake.append(contentsOf: character.lowercased())
        }
        return "billmig_\(snake)" + (isCounter ? "_total" : "")
    }

    /// Counts that only grow (Prometheus counters); the others are gauges.
    public var isCounter: Bool {
        ![
            .replicationLagSeconds, .reverseReplicationLagSeconds, .reverseRecordsPending, .sourceUnreachableSeconds, .targetUnreachableSeconds,
            .sourceOnBackupRoute, .sourceBytesPerSecond, .sourceBandwidthShare,
        ].contains(self)
    }

    public var unit: MetricUnit {
        switch self {
        case .replicationLagSeconds, .reverseReplicationLagSeconds, .sourceUnreachableSeconds, .targetUnreachableSeconds: .seconds
        case .sourceOnBackupRoute, .sourceBandwidthShare: .none
        case .sourceBytesPerSecond: .bytesPerSecond
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
        case .validationMismatches, .replicationLagSeconds, .reverseReplicationLagSeconds, .reverseRecordsPending, .reverseRecordsRead,
            .sourceUnreachableSeconds, .targetUnreachableSeconds, .sourceOnBackupRoute, .sourceBytesPerSecond, .sourceBandwidthShare:
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
    case bytesPerSecond = "Bytes/Second"
}

public enum MetricCatalogue {
    /// The CloudWatch namespace (IAM policies allow `PutMetricData` only to it).
    public static let namespace = "Billmig"
}
