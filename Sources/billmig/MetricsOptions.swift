import ArgumentParser
import Migration
import MigrationCore
import Telemetry

/// `--metrics-port`: Prometheus `/metrics` with the running counts while a
/// long command runs.
struct PrometheusOptions: ParsableArguments {
    @Option(name: .long, help: "Serve Prometheus metrics (GET /metrics) on this port while the command runs (0: any free port).")
    var metricsPort: Int?

    func validate() throws {
        if let metricsPort, !(0...65535).contains(metricsPort) { throw ValidationError("--metrics-port takes a port, 0 to 65535") }
    }

    /// Runs `body` with `/metrics` served (when asked), sampling `progress` (and
    /// how long the source has been unreachable, for a snapshot) every second.
    func exposing<Result: Sendable>(
        _ progress: LoadProgress, source: SourceReachability? = nil, link: SourceLinkMeter? = nil, table: String,
        _ body: () async throws -> Result
    ) async throws -> Result {
        let recorder = ProgressMetrics(table: table)
        return try await exposing(
            sample: {
                recorder.record(progress.snapshot().perEntity)
                if let source { recorder.recordSourceUnreachable(seconds: source.outage?.seconds ?? 0) }
                if let link { recorder.recordSourceLink(link.use()) }
            }, body)
    }

    /// Runs a load (or an apply) with its progress shown on a terminal (unless
    /// `quiet`) and exposed as metrics (when asked).
    func showing<Result: Sendable>(
        _ progress: LoadProgress, throttle: WriteThrottle, outage: TargetOutage, source: SourceReachability? = nil,
        link: SourceLinkMeter? = nil, table: String, quiet: Bool, _ body: () async throws -> Result
    ) async throws -> Result {
        try await exposing(progress, source: source, link: link, table: table) {
            try await ProgressReporter(
                mode: quiet ? .silent : ProgressReporter.automaticMode, progress: progress, rate: { throttle.currentRate },
                outage: outage, source: source
            ).showing(body)
        }
    }

    /// The same for `stream`: its counts, its lag, and how long the source and
    /// the table have been unreachable.
    func exposing<Result: Sendable>(
        _ progress: StreamProgress, outage: TargetOutage, link: SourceLinkMeter, table: String, _ body: () async throws -> Result
    ) async throws -> Result {
        let recorder = StreamMetrics(table: table)
        return try await exposing(
            sample: {
                let figures = StreamCloudWatchSample.Figures(progress.snapshot(), outage: outage, link: link.use())
                recorder.record(
                    changesRead: figures.changesRead, deadLettered: figures.deadLettered, lagSeconds: figures.lagSeconds,
                    sourceUnreachableSeconds: figures.sourceUnreachableSeconds, targetUnreachableSeconds: figures.targetUnreachableSeconds,
                    sourceOnBackupRoute: figures.sourceOnBackupRoute, sourceLink: figures.sourceLink)
            }, body)
    }

    /// The same for `stage`: rows and changes staged, per table.
    func exposing<Result: Sendable>(_ progress: StageProgress, table: String, _ body: () async throws -> Result) async throws -> Result {
        let recorder = ProgressMetrics(table: table)
        return try await exposing(sample: { recorder.record(progress.perTable) }, body)
    }

    /// The same for `reverse-stream`: records read, dead letters, lag and pending records.
    func exposing<Result: Sendable>(_ progress: ReverseReplicationProgress, table: String, _ body: () async throws -> Result) async throws -> Result {
        let recorder = ReverseStreamMetrics(table: table)
        return try await exposing(
            sample: {
                let snapshot = progress.snapshot()
                recorder.record(
                    recordsRead: snapshot.records, deadLettered: snapshot.deadLettered, lagSeconds: snapshot.lagSeconds,
                    pendingRecords: snapshot.pendingRecords)
            }, body)
    }

    private func exposing<Result: Sendable>(sample: @escaping @Sendable () -> Void, _ body: () async throws -> Result) async throws -> Result {
        guard let metricsPort else { return try await body() }
        return try await PrometheusEndpoint.withEndpoint(port: metricsPort) { port in
            note("billmig: Prometheus metrics on port \(port), GET /metrics")
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        sample()
                        try await Task.sleep(for: .seconds(1))
                    }
                }
                defer { group.cancelAll() }
                let result = try await body()
                sample()
                return result
            }
        }
    }

}

/// `--cloudwatch-metrics`: the summary's counts to CloudWatch (namespace
/// `Billmig`, dimensions `Table` and `Entity`; see `billmig infra metrics`), as
/// the alarms of infra/monitoring.yaml expect.
struct CloudWatchMetricsOptions: ParsableArguments {
    @Flag(name: .long, help: "Publish the summary's counts to CloudWatch (PutMetricData, namespace Billmig).")
    var cloudwatchMetrics = false

    /// Publishes `data` when asked. A failure is reported, not fatal: the rows are
    /// written and counted in the summary whatever CloudWatch answers.
    func publish(_ data: @autoclosure () -> [MetricDatum]) async {
        guard cloudwatchMetrics else { return }
        let data = data()
        do {
            try await Runtime.with { runtime in
                try await CloudWatchClient(client: try runtime.awsClient()).putMetricData(data)
            }
        } catch {
            note("billmig: could not publish \(data.count) metrics to CloudWatch: \(error) (the role needs cloudwatch:PutMetricData on namespace \(MetricCatalogue.namespace))")
        }
    }
}

/// `--cloudwatch-metrics` for a long-running command: its figures published every
/// `--cloudwatch-interval` while it runs (the stream's lag, for its alarm).
struct CloudWatchPublishingOptions: ParsableArguments {
    @OptionGroup var metrics: CloudWatchMetricsOptions

    @Option(name: .long, help: "With --cloudwatch-metrics, how often to publish while the command runs.")
    var cloudwatchInterval = DurationArgument(argument: "60s")!

    /// Runs `body` while `sample` is published every --cloudwatch-interval (when asked).
    func publishing<Result: Sendable>(
        through runtime: Runtime, _ sample: @escaping @Sendable () -> [MetricDatum], _ body: () async throws -> Result
    ) async throws -> Result {
        guard metrics.cloudwatchMetrics else { return try await body() }
        return try await CloudWatchPublisher(
            cloudWatch: CloudWatchClient(client: try runtime.awsClient()), interval: cloudwatchInterval.duration,
            report: { note("billmig: " + $0) }
        ).publishing(sample, body)
    }
}

extension StreamCloudWatchSample.Figures {
    /// The stream's running figures now, as both metric backends take them.
    init(_ snapshot: StreamProgress.Snapshot, outage: TargetOutage, link: LinkUse? = nil) {
        self.init(
            changesRead: snapshot.changesRead, deadLettered: snapshot.deadLettered,
            lagSeconds: snapshot.health?.lagCurrentMilliseconds.map { $0 / 1000 },
            sourceUnreachableSeconds: snapshot.sourceOutage?.seconds ?? 0, targetUnreachableSeconds: outage.current?.seconds ?? 0,
            sourceOnBackupRoute: snapshot.backupRoute != nil, sourceLink: link)
    }
}
