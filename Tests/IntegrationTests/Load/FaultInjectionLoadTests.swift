import AWSCore
import BillingModel
import DMSStaging
import DynamoDB
import DynamoDBModel
import FaultProxy
import Foundation
import Migration
import MigrationCore
import S3
import SampleData
import Testing

/// The full load through the fault proxy: under every injected fault nothing is
/// lost or duplicated, and under an enforced capacity the load uses it.
@Suite(.serialized)
struct FaultInjectionLoadTests {
    struct Scenario: Sendable, CustomTestStringConvertible {
        var name: String
        var faults: FaultConfiguration
        var testDescription: String { name }
    }

    static let writes = FaultScope.dynamoDB(operations: ["BatchWriteItem"])
    static let scenarios: [Scenario] = [
        Scenario(name: "throttling", faults: .init(throttleShare: 0.3, scope: writes)),
        Scenario(name: "partial UnprocessedItems", faults: .init(unprocessedItemsShare: 0.5, scope: writes)),
        Scenario(name: "HTTP 500", faults: .init(internalErrorShare: 0.2, scope: writes)),
        Scenario(name: "HTTP 503", faults: .init(serviceUnavailableShare: 0.2, scope: writes)),
        Scenario(name: "slow responses", faults: .init(latency: .init(share: 0.3, minimum: .milliseconds(50), maximum: .milliseconds(400)), scope: writes)),
        Scenario(name: "connection dropped before forwarding", faults: .init(dropBeforeForwardShare: 0.15, scope: writes)),
        Scenario(name: "connection dropped after forwarding", faults: .init(dropAfterForwardShare: 0.15, scope: writes)),
        Scenario(name: "everything at once", faults: .init(
            throttleShare: 0.05, unprocessedItemsShare: 0.1, internalErrorShare: 0.05, serviceUnavailableShare: 0.05,
            dropBeforeForwardShare: 0.05, dropAfterForwardShare: 0.05,
            latency: .init(share: 0.1, minimum: .milliseconds(10), maximum: .milliseconds(200)), scope: writes)),
    ]

    /// Stages `data` in moto's S3, creates `table`, and loads through a proxy with `faults`.
    static func load(
        _ data: SampleDataSet, table: String, faults: FaultConfiguration, capacity: WriteCapacityConfiguration? = nil,
        billingMode: BillingMode = .onDemand, aws: LocalAWSEnvironment, _ check: (LoadSummary, FaultProxyStats, DynamoDBClient) async throws -> Void
    ) async throws {
        try await AWSClient.withClient(aws.configuration) { direct in
            let s3 = S3Client(client: direct)
            try? await s3.createBucket("stage")
            let store = S3ObjectStore(client: s3, bucket: "stage")
            _ = try await data.writeDMSFullLoad(to: store, layout: DMSStagingLayout(bucketFolder: table))
            _ = try await TableSetup(client: DynamoDBClient(client: direct)).ensure(.billingSystem(name: table, billingMode: billingMode))

            let proxyConfiguration = FaultProxyConfiguration(
                mode: .forward(ForwardConfiguration(upstream: aws.endpointURL, resigningCredentials: aws.credentials)),
                faults: faults, writeCapacity: capacity)
            try await FaultProxy.withRunning(proxyConfiguration) { proxy in
                var viaProxy = aws.configuration
                viaProxy.endpoints.serviceOverrides["DYNAMODB"] = AWSEndpoint(url: "http://127.0.0.1:\(proxy.port)")!
                try await AWSClient.withClient(viaProxy) { client in
                    var configuration = FullLoadConfiguration(
                        sourcePrefix: table, sourceDescription: "s3://stage/\(table)", tableName: table,
                        applier: .init(maxAttempts: 30, backoffBase: .milliseconds(10), backoffCap: .milliseconds(500)))
                    configuration.throttle = await .writing(to: table, ceiling: nil, client: DynamoDBClient(client: client))
                    let load = FullLoad(
                        configuration: configuration,
                        source: store,
                        target: DynamoDBWriteTarget(aws: client, tableName: table),
                        state: StateLocation(store: store, prefix: "\(table)/_billmig/"))
                    let summary = try await load.run()
                    try await check(summary, proxy.stats, DynamoDBClient(client: direct))
                }
            }
        }
    }

    @Test(arguments: scenarios)
    func nothingIsLostOrDuplicatedUnderAFault(_ scenario: Scenario) async throws {
        try await LocalAWS.withMotoServer(authenticated: false) { aws in
            let data = SampleDataSet(.init(seed: 21, accounts: 3))
            try await Self.load(data, table: "Faults", faults: scenario.faults, aws: aws) { summary, stats, dynamo in
                #expect(summary.status == .completed, "\(summary.error ?? "")")
                let generated = data.rowCounts.values.reduce(0, +)
                #expect(summary.total.itemsWritten == generated)
                #expect(summary.total.deadLettered == 0)
                // The fault really happened.
                #expect(stats.injectedFailures + stats.delayedRequests > 0)
                try ExpectedTable(data).verify(try await ExpectedTable.scan(dynamo, table: "Faults"))
            }
        }
    }

    /// An on-demand table hides its limit (here the proxy's), so the load finds it by
    /// pushing into it; a provisioned one declares it, and the load starts there.
    @Test(arguments: [false, true])
    func keepsUsingAnEnforcedCapacityAfterItPushesBack(tableDeclaresIt: Bool) async throws {
        try await LocalAWS.withMotoServer(authenticated: false) { aws in
            let capacity = 300.0
            let data = SampleDataSet(.init(seed: 8, accounts: 16))
            try await Self.load(
                data, table: "Capacity", faults: FaultConfiguration(),
                capacity: WriteCapacityConfiguration(unitsPerSecond: capacity),
                billingMode: tableDeclaresIt ? .provisioned(.init(readCapacityUnits: 100, writeCapacityUnits: Int(capacity))) : .onDemand,
                aws: aws
            ) { summary, stats, dynamo in
                #expect(summary.status == .completed, "\(summary.error ?? "")")
                // Whole seconds of the steady part: the first two hold the initial burst
                // and the controller finding the capacity; the last fifth is the last
                // file's final batches trickling in, when demand is below capacity.
                let all = stats.consumedWriteUnitsPerSecond
                let seconds = all.dropFirst(2).dropLast(max(1, all.count / 5))
                #expect(seconds.count >= 5, "the load was too short to measure: \(stats.consumedWriteUnitsPerSecond)")
                let rate = Double(seconds.reduce(0, +)) / Double(max(seconds.count, 1))
                let refused = stats.capacityUnprocessedWriteRequests + stats.capacityThrottledRequests
                print("enforced capacity \(capacity) WCU/s: achieved \(rate) WCU/s (\(Int(rate / capacity * 100))%), refused \(stats.capacityUnprocessedWriteRequests) write requests and \(stats.capacityThrottledRequests) calls, per second \(stats.consumedWriteUnitsPerSecond)")
                // The controller keeps using the capacity after it pushes back instead of
                // collapsing to a trickle. How close it gets (the issue's 95%) is a speed
                // figure, measured by scripts/bench (run 10): alone this test measures 92-104%,
                // but inside the suite the two cores are shared with other loads, and beside
                // the stream tests it measured 38%, whole seconds at 0 while the process waited
                // for a core. The floor only tells a trickle from a load.
                #expect(rate >= 0.3 * capacity, "achieved \(rate) WCU/s of \(capacity): \(stats.consumedWriteUnitsPerSecond)")
                if tableDeclaresIt {
                    // Starting at the capacity, only the gentle probe above it comes back:
                    // not the burst an unknown capacity costs (about a third of the items).
                    #expect(Double(stats.capacityUnprocessedWriteRequests) <= 0.1 * Double(summary.total.itemsWritten), "refused \(refused) for \(summary.total.itemsWritten) items")
                } else {
                    #expect(refused > 0, "the capacity never pushed back")
                }
                try ExpectedTable(data).verify(try await ExpectedTable.scan(dynamo, table: "Capacity"))
            }
        }
    }
}
