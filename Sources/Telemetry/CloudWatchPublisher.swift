import Synchronization
import MigrationCore

/// Publishes a long-running command's figures to CloudWatch every `interval`
/// while it runs (and once more at its end), so that an alarm watches the
/// stream's lag as it happens, not only a summary after the stream stops.
///
/// A failed publish is reported through `report` and the next interval tries
/// again: the command's work never depends on CloudWatch.
public struct CloudWatchPublisher: Sendable {
    public let cloudWatch: CloudWatchClient
    public let interval: Duration
    public let report: @Sendable (String) -> Void

    public init(cloudWatch: CloudWatchClient, interval: Duration, report: @escaping @Sendable (String) -> Void) {
        self.cloudWatch = cloudWatch
        self.interval = interval
        self.report = report
    }

    /// Runs `body` while `sample` (the data since its last call) is published every interval.
    public func publishing<Result: Sendable>(
        _ sample: @escaping @Sendable () -> [MetricDatum], _ body: () async throws -> Result
    ) async throws -> Result {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while true {
                    try await Task.sleep(for: interval)
                    // The sample has moved its baseline: cancelling the request now (the body
                    // ending) would lose that interval's deltas, so the request is not cancelled.
                    let data = sample()
                    await Task { await publish(data) }.value
                }
            }
            defer { group.cancelAll() }
            let result = try await body()
            group.cancelAll()
            await publish(sample())
            return result
        }
    }

    func publish(_ data: [MetricDatum]) async {
        guard !data.isEmpty else { return }
        do {
            try await cloudWatch.putMetricData(data)
        } catch {
            report(
                "could not publish \(data.count) metrics to CloudWatch: \(error) "
                    + "(the role needs cloudwatch:PutMetricData on namespace \(MetricCatalogue.namespace))")
        }
    }
}

/// What `stream` publishes each interval: the changes read and dead-lettered
/// since the last sample (per table, so that a Sum over any period is right,
/// and the failure-rate alarm works as for a load), the replication lag now, how
/// long the source and the table have been unreachable (0 while they answer), and
/// whether the source is read over its backup route.
public final class StreamCloudWatchSample: Sendable {
    public struct Figures: Sendable, Hashable {
        public var changesRead: Int
        public var deadLettered: Int
        public var lagSeconds: Double?
        public var sourceUnreachableSeconds: Double
        public var targetUnreachableSeconds: Double
        public var sourceOnBackupRoute: Bool
        public var sourceLink: LinkUse?

        public init(
            changesRead: Int, deadLettered: Int, lagSeconds: Double?, sourceUnreachableSeconds: Double = 0,
            targetUnreachableSeconds: Double = 0, sourceOnBackupRoute: Bool = false, sourceLink: LinkUse? = nil
        ) {
            self.sourceLink = sourceLink
            self.changesRead = changesRead
            self.deadLettered = deadLettered
            self.lagSeconds = lagSeconds
            self.sourceUnreachableSeconds = sourceUnreachableSeconds
            self.targetUnreachableSeconds = targetUnreachableSeconds
            self.sourceOnBackupRoute = sourceOnBackupRoute
        }
    }

    private let table: String
    private let previous = Mutex(Figures(changesRead: 0, deadLettered: 0, lagSeconds: nil))

    public init(table: String) {
        self.table = table
    }

    /// The data for `now` (running totals), as deltas from the previous call.
    public func data(_ now: Figures) -> [MetricDatum] {
        let before = previous.withLock { previous in
            defer { previous = now }
            return previous
        }
        let dimensions: [MetricDimension: String] = [.table: table]
        var data = [
            MetricDatum(.rowsRead, dimensions, value: Double(now.changesRead - before.changesRead)),
            MetricDatum(.rowsDeadLettered, dimensions, value: Double(now.deadLettered - before.deadLettered)),
        ]
        if let lag = now.lagSeconds { data.append(MetricDatum(.replicationLagSeconds, dimensions, value: lag)) }
        data.append(MetricDatum(.sourceUnreachableSeconds, dimensions, value: now.sourceUnreachableSeconds))
        data.append(MetricDatum(.targetUnreachableSeconds, dimensions, value: now.targetUnreachableSeconds))
        data.append(MetricDatum(.sourceOnBackupRoute, dimensions, value: now.sourceOnBackupRoute ? 1 : 0))
        if let link = now.sourceLink {
            data.append(MetricDatum(.sourceBytesPerSecond, dimensions, value: link.bytesPerSecond))
            if let share = link.share { data.append(MetricDatum(.sourceBandwidthShare, dimensions, value: share)) }
        }
        return data
    }
}
