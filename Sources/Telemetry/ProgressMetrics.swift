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
}

/// The binlog stream's running counts and lag as swift-metrics: counters per
/// table (the stream does not count per entity) and the lag as a gauge.
public final class StreamMetrics: Sendable {
    private let table: String
    private let previous = Mutex((read: 0, deadLettered: 0))

    public init(table: String) {
        self.table = table
    }

    public func record(changesRead: Int, deadLettered: Int, lagSeconds: Double?) {
        let (read, dead) = previous.withLock { previous in
            defer { previous = (changesRead, deadLettered) }
            return (changesRead - previous.read, deadLettered - previous.deadLettered)
        }
        let dimensions = [("table", table)]
        if read > 0 { Counter(label: MetricName.rowsRead.prometheusName, dimensions: dimensions).increment(by: read) }
        if dead > 0 { Counter(label: MetricName.rowsDeadLettered.prometheusName, dimensions: dimensions).increment(by: dead) }
        if let lagSeconds { Gauge(label: MetricName.replicationLagSeconds.prometheusName, dimensions: dimensions).record(lagSeconds) }
    }
}

/// `reverse-stream`'s figures as swift-metrics, per table: records read (a
/// counter), dead letters, and the lag and pending records as gauges.
public final class ReverseStreamMetrics: Sendable {
    private let table: String
    private let previous = Mutex((read: 0, deadLettered: 0))

    public init(table: String) {
        self.table = table
    }

    public func record(recordsRead: Int, deadLettered: Int, lagSeconds: Double?, pendingRecords: Int) {
        let (read, dead) = previous.withLock { previous in
            defer { previous = (recordsRead, deadLettered) }
            return (recordsRead - previous.read, deadLettered - previous.deadLettered)
        }
        let dimensions = [("table", table)]
        if read > 0 { Counter(label: MetricName.reverseRecordsRead.prometheusName, dimensions: dimensions).increment(by: read) }
        if dead > 0 { Counter(label: MetricName.rowsDeadLettered.prometheusName, dimensions: dimensions).increment(by: dead) }
        if let lagSeconds { Gauge(label: MetricName.reverseReplicationLagSeconds.prometheusName, dimensions: dimensions).record(lagSeconds) }
        Gauge(label: MetricName.reverseRecordsPending.prometheusName, dimensions: dimensions).record(Double(pendingRecords))
    }
}
