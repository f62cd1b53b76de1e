import MigrationTestSupport
import AWSCore
import BillingModel
import DMSStaging
import DynamoDB
import DynamoDBModel
import Foundation
import Migration
import MigrationCore
import NIOCore
import S3
import Testing

/// The real DMS output in the shared fixtures, read in place (never copied into the repository).
enum RealDMSFixture {
    /// `../shared/fixtures/real-dms` beside the repository.
    static let root = RealDMSFixtureLoadTests.fixtures.path
    static let changeFile = "classicmodels/customers/20240809-192717787.csv"

    static var isPresent: Bool {
        FileManager.default.fileExists(atPath: root + "/" + changeFile)
            && FileManager.default.fileExists(atPath: root + "/classicmodels/customers/LOAD00000001.csv")
    }

    static func mapping() throws -> Mapping {
        try Mapping(json: Data(contentsOf: MotoTestServer.packageRoot.appendingPathComponent("mappings/classicmodels-customers.json")))
    }
}

/// Everything in a table but the migration's tracking items.
func rowItems(_ client: AWSClient, table: String) async throws -> [ItemKey: Item] {
    let items = try await DynamoDBClient(client: client).scanAll(ScanInput(tableName: table, consistentRead: true))
    var result: [ItemKey: Item] = [:]
    for item in items {
        let key = try #require(ItemKey(item: item))
        if key.pk != "MIGRATION#STATUS" { result[key] = item }
    }
    return result
}

func createTable(_ client: AWSClient, name: String) async throws {
    _ = try await TableSetup(client: DynamoDBClient(client: client)).ensure(.billingSystem(name: name))
}

func withoutTTL(_ table: [ItemKey: Item]) -> [ItemKey: Item] {
    table.mapValues {
        var item = $0
        item["TTL"] = nil
        return item
    }
}

@Suite("apply: DMS change files against moto_server", .serialized)
struct ChangeApplyIntegrationTests {
    static let applier = ChangeApplier.Configuration(lanes: 16, backoffBase: .milliseconds(5), backoffCap: .milliseconds(200))

    @Test(
        "the real DMS change file applies over its full load to the row its last line says",
        .enabled(if: RealDMSFixture.isPresent, "the real DMS fixtures are not in \(RealDMSFixture.root); skipped"))
    func realChangeFileOverItsFullLoad() async throws {
        let mapping = try RealDMSFixture.mapping()
        let fixtures = LocalDirectoryStore(root: RealDMSFixture.root, chunkSize: 97)
        try await MotoTestServer.withClient { client in
            let table = MotoTestServer.uniqueName("cdc-real")
            try await createTable(client, name: table)
            let target = DynamoDBWriteTarget(aws: client, tableName: table)
            let state = InMemoryObjectStore()

            let load = try await FullLoad(
                configuration: FullLoadConfiguration(
                    sourcePrefix: "", sourceDescription: RealDMSFixture.root, tableName: table, mapping: mapping),
                source: fixtures, target: target, state: StateLocation(store: state, prefix: "state")
            ).run()
            #expect(load.status == .completed)
            #expect(load.total.itemsWritten == 30)
            let loaded = try await rowItems(client, table: table)
            #expect(loaded.count == 30)

            let apply = ChangeFileApply(
                configuration: ChangeApplyConfiguration(
                    sourcePrefix: "", sourceDescription: RealDMSFixture.root, tableName: table, mapping: mapping,
                    applier: Self.applier),
                source: fixtures, target: target, state: StateLocation(store: state, prefix: "state"))
            let summary = try await apply.run()
            #expect(summary.status == .completed)
            #expect(summary.files == .init(found: 1, skipped: 0, applied: 1))
            #expect(summary.total.changesRead == 4)
            #expect(summary.total.deadLettered == 0)

            // The file's last line is the row's final state, at the last line's position.
            let lines = try String(contentsOfFile: RealDMSFixture.root + "/" + RealDMSFixture.changeFile, encoding: .utf8)
                .split(separator: "\n")
            let last = try #require(lines.last)
            #expect(last.hasPrefix("I,497,"))
            let values = last.split(separator: ",", omittingEmptySubsequences: false).dropFirst()
                .map { $0.isEmpty ? SourceValue.null : .text(String($0)) }
            let expected = try ItemMapper(mapping: mapping).item(
                table: "customers", row: Array(values),
                version: SourcePosition.changeFile(name: "20240809-192717787", line: lines.count).orderingKey)

            let after = try await rowItems(client, table: table)
            #expect(after.count == 31)
            #expect(after[expected.key] == expected.item)
            #expect(after[expected.key]?["contactLastName"] == .s("Mitesh"))
            #expect(after[expected.key]?["contactFirstName"] == .s("Ravatka"))
            // Every other row is as the full load wrote it.
            #expect(after.filter { $0.key != expected.key } == loaded)

            // Applied again from scratch (no checkpoint): every change is stale, nothing moves.
            let again = try await ChangeFileApply(
                configuration: ChangeApplyConfiguration(
                    sourcePrefix: "", sourceDescription: RealDMSFixture.root, tableName: table, mapping: mapping,
                    applier: Self.applier),
                source: fixtures, target: target, state: StateLocation(store: InMemoryObjectStore(), prefix: "state")
            ).run()
            #expect(again.total.skippedStale == 4)
            #expect(try await rowItems(client, table: table) == after)
        }
    }

    @Test("generated change files, shuffled across files and applied twice, end like in order; state in S3")
    func generatedFilesShuffledAndTwice() async throws {
        let workload = ChangeWorkload(seed: 2024, count: 400, keys: 40)
        let mapper = try ItemMapper(mapping: .billing)
        let reference = try ChangeWorkload.reference(workload.changes, mapper: mapper, ttl: 0)
        #expect(workload.changes.contains { (try? mapper.map($0).count) == 2 })

        try await MotoTestServer.withClient { client in
            let table = MotoTestServer.uniqueName("cdc-gen")
            let bucket = MotoTestServer.uniqueName("billmig-cdc")
            try await createTable(client, name: table)
            let s3 = S3Client(client: client)
            try await s3.createBucket(bucket)
            let store = S3ObjectStore(client: s3, bucket: bucket)

            // Four files: the history shuffled over three, and all of it again, newest first.
            var random = SeededGenerator(seed: 7)
            let shuffled = workload.changes.shuffled(using: &random)
            let slices = [Array(shuffled[..<150]), Array(shuffled[150..<300]), Array(shuffled[300...]), Array(workload.changes.reversed())]
            for (index, slice) in slices.enumerated() {
                try await store.put(
                    key: "dms/billing/SUBSCRIBER/20240301-10000000\(index).csv", bytes: ChangeFiles.withBeforeImages(slice))
            }

            let configuration = ChangeApplyConfiguration(
                sourcePrefix: "dms", sourceDescription: "s3://\(bucket)/dms", tableName: table,
                readOptions: DMSReadOptions(changeSequenceColumnName: "change_seq"), applier: Self.applier)
            let target = DynamoDBWriteTarget(aws: client, tableName: table)
            let summary = try await ChangeFileApply(
                configuration: configuration, source: store, target: target, state: StateLocation(store: store, prefix: "dms/_billmig/\(table)")
            ).run()
            #expect(summary.status == .completed)
            #expect(summary.total.changesRead == 2 * workload.changes.count)
            #expect(summary.total.skippedStale >= workload.changes.count)
            #expect(summary.files.applied == 4)

            let items = try await rowItems(client, table: table)
            #expect(withoutTTL(items) == withoutTTL(reference))
            let tombstones = items.values.filter(TombstoneBuilder.isTombstone)
            #expect(!tombstones.isEmpty)
            #expect(tombstones.allSatisfy { Set($0.keys) == ["PK", "SK", "Deleted", "SourceVersion", "TTL"] })

            // The checkpoints in S3 say every file is applied: a rerun reads nothing.
            let rerun = try await ChangeFileApply(
                configuration: configuration, source: store, target: target, state: StateLocation(store: store, prefix: "dms/_billmig/\(table)")
            ).run()
            #expect(rerun.files == .init(found: 4, skipped: 4, applied: 0))
            #expect(rerun.total.changesRead == 0)
        }
    }
}

/// DMS change files as an endpoint with `AddColumnName=true`, before-image
/// columns (`BI_`) and a change-sequence column writes them.
enum ChangeFiles {
    static let columns = Mapping.billing.table("SUBSCRIBER")!.columns.map(\.name)

    static func withBeforeImages(_ changes: [SourceChange]) -> ByteBuffer {
        var buffer = ByteBuffer()
        let header = ["Op"] + columns.map { "BI_" + $0 } + columns + ["change_seq"]
        DMSCSVEncoder.appendRecord(header.map { SourceValue.text($0) }, to: &buffer)
        for change in changes {
            let op: String
            switch change.operation {
            case .insert, .snapshot: op = "I"
            case .update: op = "U"
            case .delete: op = "D"
            }
            guard case .changeSequence(let sequence) = change.position else { preconditionFailure("sequenced changes only") }
            let before = change.before ?? Array(repeating: .null, count: columns.count)
            DMSCSVEncoder.appendRecord([.text(op)] + before + change.row + [.text(sequence)], to: &buffer)
        }
        return buffer
    }
}
