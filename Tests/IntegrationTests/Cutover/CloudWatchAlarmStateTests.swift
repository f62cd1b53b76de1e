import AWSCore
import Cutover
import CutoverCore
import Telemetry
import Testing

/// The no-alarm gate's input from CloudWatch (moto_server): an alarm in ALARM
/// refuses with its name, an alarm back to OK passes, a name CloudWatch does not
/// know is an error rather than a silent pass.
@Suite struct CloudWatchAlarmStateTests {
    @Test func theNoAlarmGateReadsAlarmStatesFromCloudWatch() async throws {
        try await LocalAWS.withMotoServer(authenticated: false) { aws in
            try await AWSClient.withClient(aws.configuration) { client in
                func call(_ action: String, _ parameters: [(name: String, value: String)]) async throws {
                    _ = try await client.executeQuery(.cloudWatch, action: action, version: "2010-08-01", parameters: parameters)
                }
                for name in ["billing-5xx", "billing-p99"] {
                    try await call("PutMetricAlarm", [
                        ("AlarmName", name), ("MetricName", "Errors"), ("Namespace", "BillingTest"), ("Statistic", "Sum"),
                        ("Period", "60"), ("EvaluationPeriods", "1"), ("Threshold", "1"), ("ComparisonOperator", "GreaterThanThreshold"),
                    ])
                }
                try await call("SetAlarmState", [("AlarmName", "billing-5xx"), ("StateValue", "ALARM"), ("StateReason", "test")])
                let watched = CloudWatchAlarms(cloudWatch: CloudWatchClient(client: client), names: ["billing-5xx", "billing-p99"])

                let firing = try await watched.alarms()
                #expect(firing.map(\.name) == ["billing-5xx", "billing-p99"])
                #expect(firing.first { $0.name == "billing-5xx" }?.state == "ALARM")
                #expect(firing.first { $0.name == "billing-p99" }?.state != "ALARM")
                let refused = CutoverGates.check(.noAlarm, CutoverObservations(now: 0, alarms: firing), policy: CutoverGatePolicy())
                #expect(!refused.passed && refused.reason.contains("in ALARM: billing-5xx"), "\(refused)")

                try await call("SetAlarmState", [("AlarmName", "billing-5xx"), ("StateValue", "OK"), ("StateReason", "recovered")])
                let calm = try await watched.alarms()
                #expect(CutoverGates.check(.noAlarm, CutoverObservations(now: 0, alarms: calm), policy: CutoverGatePolicy()).passed)

                let mistyped = CloudWatchAlarms(cloudWatch: CloudWatchClient(client: client), names: ["billing-5xx", "billing-p98"])
                let error = await #expect(throws: CutoverExecutorError.self) { try await mistyped.alarms() }
                #expect(error?.description.contains("billing-p98") == true)
            }
        }
    }
}
