import ArgumentParser
import Telemetry

/// `--cloudwatch-metrics`: publish the run's counts to CloudWatch (namespace
/// `Billmig`, dimensions `Table` and `Entity`; see `billmig infra metrics`), as
/// the alarms of infra/monitoring.yaml expect.
struct MetricsOptions: ParsableArguments {
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
