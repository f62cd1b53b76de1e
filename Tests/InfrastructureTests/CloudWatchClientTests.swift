import AWSCore
import AWSTestSupport
import Foundation
import Synchronization
import MigrationCore
@testable import Telemetry
import Testing

@Suite("CloudWatch PutMetricData: the catalogue's names and dimensions, batched")
struct CloudWatchClientTests {
    @Test func aLoadSummaryBecomesCountsPerTableAndPerEntity() {
        let data = MetricDatum.load(Self.summary(table: "BillingSystem", entities: [("CHARGE", 990, 10), ("CUSTOMER", 100, 0)]))
        let deadLettered = data.filter { $0.name == .rowsDeadLettered }
        #expect(deadLettered.contains(MetricDatum(.rowsDeadLettered, [.table: "BillingSystem"], value: 10)))
        #expect(deadLettered.contains(MetricDatum(.rowsDeadLettered, [.table: "BillingSystem", .entity: "CHARGE"], value: 10)))
        #expect(data.contains(MetricDatum(.rowsRead, [.table: "BillingSystem"], value: 1090)))
        // Every point uses one of its name's dimension sets.
        #expect(data.allSatisfy { datum in datum.name.dimensionSets.contains { Set($0) == Set(datum.dimensions.keys) } })
    }

    @Test func bodiesNameEveryDimensionAndSplitAtTheCallLimit() async throws {
        let transport = ScriptedTransport(Array(repeating: ScriptedTransport.status(200, "<PutMetricDataResponse/>"), count: 3))
        let data = (0..<1_100).map { MetricDatum(.rowsRead, [.table: "T", .entity: "E\($0)"], value: Double($0)) }
        try await CloudWatchClient(client: transport.client()).putMetricData(data)
        let bodies = transport.requestBodies
        #expect(bodies.count == 3)
        #expect(bodies[0].contains("Action=PutMetricData") && bodies[0].contains("Namespace=Billmig"))
        #expect(bodies[0].contains("MetricData.member.500.MetricName=RowsRead"))
        #expect(!bodies[0].contains("MetricData.member.501."))
        #expect(bodies[2].contains("MetricData.member.100.Dimensions.member.2.Value=E1099"))
        #expect(bodies[1].contains("MetricData.member.1.Dimensions.member.1.Name=Table&MetricData.member.1.Dimensions.member.1.Value=T"))
        #expect(transport.sent.current.allSatisfy { $0.headers.first(name: "Authorization")?.contains("/monitoring/aws4_request") == true })
    }

    @Test func theStreamSamplePublishesWhatHappenedSinceTheLastSampleAndTheLagNow() {
        let sample = StreamCloudWatchSample(table: "T")
        let first = sample.data(.init(changesRead: 100, deadLettered: 1, lagSeconds: 2.5))
        #expect(first.contains(MetricDatum(.rowsRead, [.table: "T"], value: 100)))
        #expect(first.contains(MetricDatum(.replicationLagSeconds, [.table: "T"], value: 2.5)))
        let second = sample.data(.init(changesRead: 160, deadLettered: 1, lagSeconds: nil))
        #expect(second.contains(MetricDatum(.rowsRead, [.table: "T"], value: 60)))
        #expect(second.contains(MetricDatum(.rowsDeadLettered, [.table: "T"], value: 0)))
        #expect(!second.contains { $0.name == .replicationLagSeconds }, "no lag measured yet: no point")
        #expect(second.contains(MetricDatum(.sourceUnreachableSeconds, [.table: "T"], value: 0)))
        let cut = sample.data(.init(changesRead: 160, deadLettered: 1, lagSeconds: nil, sourceUnreachableSeconds: 12.5))
        #expect(cut.contains(MetricDatum(.sourceUnreachableSeconds, [.table: "T"], value: 12.5)))
        #expect(cut.contains(MetricDatum(.targetUnreachableSeconds, [.table: "T"], value: 0)))
    }

    @Test func thePublisherSendsEveryIntervalAndOnceAtTheEndAndSurvivesAFailure() async throws {
        let transport = ScriptedTransport(
            [ScriptedTransport.status(400, "<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>")]
                + Array(repeating: ScriptedTransport.status(200, "<PutMetricDataResponse/>"), count: 50))
        let reports = Mutex<[String]>([])
        let publisher = CloudWatchPublisher(
            cloudWatch: CloudWatchClient(client: transport.client()), interval: .milliseconds(50),
            report: { message in reports.withLock { $0.append(message) } })
        let counter = Mutex(0)
        let result = try await publisher.publishing({
            counter.withLock { $0 += 1 }
            return [MetricDatum(.rowsRead, [.table: "T"], value: 1)]
        }) {
            try await Task.sleep(for: .milliseconds(400))
            return 7
        }
        #expect(result == 7)
        let calls = counter.withLock { $0 }
        #expect(calls >= 3, "sampled every interval and at the end: \(calls)")
        #expect(transport.requestBodies.count == calls)
        #expect(reports.withLock { $0.count } == 1 && reports.withLock { $0[0] }.contains("PutMetricData"))
    }

    @Test func aPublishInFlightWhenTheBodyEndsIsNotCutOffSoTheDeltasAddUp() async throws {
        // Every request takes longer than the interval, so the body ends during one.
        let transport = SlowTransport(delay: .milliseconds(120))
        let publisher = CloudWatchPublisher(
            cloudWatch: CloudWatchClient(client: AWSClient(configuration: SlowTransport.configuration, transport: transport)),
            interval: .milliseconds(30), report: { _ in })
        let sample = StreamCloudWatchSample(table: "T")
        let read = Mutex(0)
        try await publisher.publishing({ sample.data(.init(changesRead: read.withLock { $0 }, deadLettered: 0, lagSeconds: nil)) }) {
            for _ in 0..<10 {
                read.withLock { $0 += 7 }
                try await Task.sleep(for: .milliseconds(15))
            }
        }
        let published = transport.delivered.current
            .compactMap { body in body.firstMatch(of: /member\.1\.MetricName=RowsRead&MetricData\.member\.1\.Unit=\w+&MetricData\.member\.1\.Value=([0-9.]+)/) }
            .compactMap { Double($0.1) }.reduce(0, +)
        #expect(published == 70, "every change is in one published delta")
    }

    static func summary(table: String, entities: [(String, Int, Int)]) -> LoadSummary {
        LoadSummary(
            status: .completedWithDeadLetters, source: "test", table: table, dryRun: false, elapsedSeconds: 1,
            perEntity: entities.map { ($0.0, EntityCounts(rowsRead: $0.1, itemsWritten: $0.1 - $0.2, deadLettered: $0.2), 1) },
            files: LoadSummary.Files(found: 1, skipped: 0, completed: 1), deadLetterLocation: nil, error: nil)
    }
}

/// Answers 200 after `delay`; a request cancelled before then is not delivered.
private struct SlowTransport: AWSHTTPTransport {
    static let configuration = AWSConfiguration(
        region: "us-east-1", credentials: AWSCredentials(accessKeyID: "AKIASLOW", secretAccessKey: "s"),
        endpoint: AWSEndpoint(url: "http://127.0.0.1:9")!, retryPolicy: RetryPolicy(maxAttempts: 1, quota: nil))

    let delay: Duration
    let delivered = Locked<[String]>([])

    func execute(_ request: AWSHTTPRequest, timeout: Duration) async throws -> AWSHTTPResponse {
        try await Task.sleep(for: delay)
        delivered.withLock { $0.append(request.body.map { String(buffer: $0) } ?? "") }
        return AWSHTTPResponse(status: 200, headers: [:], body: AWSHTTPBody(string: "<PutMetricDataResponse/>"))
    }

    func shutdown() async throws {}
}
