import Synchronization
import CoreMetrics
import MigrationCore

/// Turns a command's running counts (its progress snapshots) into swift-metrics
/// counters, per table and entity: a hook at the progress point, so the
/// pipeline's loops stay as they are. Each call adds what grew since the last.
public final class ProgressMetrics: Sendable {
    private let table: String
    private let previous = Mutex<[String: EntityCounts]>([:])

    public init(table: String) {
        self.table = table
    }

    public func record(_ perEntity: [String: EntityCounts]) {
        let deltas: [(String, EntityCounts)] = previous.withLock { previous in
            defer { previous = perEntity }
            return perEntity.map { entity, counts in
                let before = previous[entity] ?? EntityCounts()
                return (entity, EntityCounts(
                    rowsRead: counts.rowsRead - before.rowsRead, itemsWritten: counts.itemsWritten - before.itemsWritten,
                    deadLettered: counts.deadLettered - before.deadLettered))
            }
        }
        for (entity, delta) in deltas {
            for (name, value) in [(MetricName.rowsRead, delta.rowsRead), (.itemsWritten, delta.itemsWritten), (.rowsDeadLettered, delta.deadLettered)] where value > 0 {
                Counter(label: name.prometheusName, dimensions: [("table", table), ("entity", entity)]).increment(by: value)
            }
        }
    }

    /// How long the source has been unreachable (0 while it answers), for a snapshot load.
    public func recordSourceUnreachable(seconds: Double) {
        Gauge(label: MetricName.sourceUnreachableSeconds.prometheusName, dimensions: [("table", table)]).record(seconds)
    }

    /// The bytes read from the source per second and, with a declared capacity, their share of it.
    public func recordSourceLink(_ use: LinkUse) {
        Self.record(use, table: table)
    }

    static func record(_ use: LinkUse, table: String) {
        Gauge(label: MetricName.sourceBytesPerSecond.prometheusName, dimensions: [("table", table)]).record(use.bytesPerSecond)
        if let share = use.share {
            Gauge(label: MetricName.sourceBandwidthShare.prometheusName, dimensions: [("table", table)]).record(share)
        }
    }
}

/// Running totals per table published as counter increments: each sample adds
/// what grew since the last (the commands keep totals, Prometheus wants counters).
final class TableCounters: Sendable {
    private let dimensions: [(String, String)]
    private let previous = Mutex<[MetricName: Int]>([:])

    init(table: String) {
        dimensions = [("table", table)]
    }

    func record(_ totals: [MetricName: Int]) {
        let deltas: [(MetricName, Int)] = previous.withLock { previous in
            defer { previous = totals }
            return totals.map { ($0.key, $0.value - (previous[$0.key] ?? 0)) }
        }
        for (name, delta) in deltas where delta > 0 {
            Counter(label: name.prometheusName, dimensions: dimensions).increment(by: delta)
        }
    }

    func gauge(_ name: MetricName, _ value: Double) {
        Gauge(label: name.prometheusName, dimensions: dimensions).record(value)
    }
}

/// The binlog stream's running counts and lag as swift-metrics: counters per
/// table (the stream does not count per entity) and the lag as a gauge.
public final class StreamMetrics: Sendable {
    private let counters: TableCounters

    private let table: String

    public init(table: String) {
        counters = TableCounters(table: table)
        self.table = table
    }

    public func record(
        changesRead: Int, deadLettered: Int, lagSeconds: Double?, sourceUnreachableSeconds: Double = 0,
        targetUnreachableSeconds: Double = 0, sourceOnBackupRoute: Bool = false, sourceLink: LinkUse? = nil
    ) {
        if let sourceLink { ProgressMetrics.record(sourceLink, table: table) }
        counters.record([.rowsRead: changesRead, .rowsDeadLettered: deadLettered])
        if let lagSeconds { counters.gauge(.replicationLagSeconds, lagSeconds) }
        counters.gauge(.sourceUnreachableSeconds, sourceUnreachableSeconds)
        counters.gauge(.targetUnreachableSeconds, targetUnreachableSeconds)
        counters.gauge(.sourceOnBackupRoute, sourceOnBackupRoute ? 1 : 0)
    }
}

/// `reverse-stream`'s figures as swift-metrics, per table: records read (a
/// counter), dead letters, and the lag and pending records as gauges.
public final class ReverseStreamMetrics: Sendable {
    private let counters: TableCounters

    public init(table: String) {
        counters = TableCounters(table: table)
    }

    public func record(recordsRead: Int, deadLettered: Int, lagSeconds: Double?, pendingRecords: Int) {
        counters.record([.reverseRecordsRead: recordsRead, .rowsDeadLettered: deadLettered])
        if let lagSeconds { counters.gauge(.reverseReplicationLagSeconds, lagSeconds) }
        counters.gauge(.reverseRecordsPending, Double(pendingRecords))
    }
}
