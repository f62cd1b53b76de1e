import AWSTestSupport
import Foundation
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

    static func summary(table: String, entities: [(String, Int, Int)]) -> LoadSummary {
        LoadSummary(
            status: .completedWithDeadLetters, source: "test", table: table, dryRun: false, elapsedSeconds: 1,
            perEntity: entities.map { ($0.0, EntityCounts(rowsRead: $0.1, itemsWritten: $0.1 - $0.2, deadLettered: $0.2), 1) },
            files: LoadSummary.Files(found: 1, skipped: 0, completed: 1), deadLetterLocation: nil, error: nil)
    }
}
