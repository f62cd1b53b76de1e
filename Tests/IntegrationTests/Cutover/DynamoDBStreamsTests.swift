import AWSCore
import BillingModel
import DynamoDB
import DynamoDBModel
import Foundation
import MigrationCore
import Testing

/// DynamoDBStreamsClient against moto: a table's stream read back in order, shard by
/// shard in lineage order, resumed from a checkpoint, and turned into MySQL writes.
@Suite("DynamoDB Streams against moto")
struct DynamoDBStreamsTests {
    static let subscriberRow: [String?] = [
        "4165550101", "1000000001", "A", "2024-01-10", "C", "PP", nil, "2023-06-01 00:00:00.000", "2024-01-10 12:00:00.500",
    ]

    @Test func itemChangesComeBackInOrderWithBothImages() async throws {
        try await LocalAWS.withMotoServer(authenticated: true) { env in
            try await AWSClient.withClient(env.configuration) { client in
                let dynamo = DynamoDBClient(client: client)
                let streams = DynamoDBStreamsClient(client: client)
                let table = "BillingSystem"
                _ = try await dynamo.createTable(.billingSystem(name: table))
                _ = try await dynamo.waitUntilActive(table, timeout: .seconds(60), pollInterval: .milliseconds(200))
                let streamArn = try await dynamo.enableStream(table)

                // The application's writes: a subscriber inserted, its status changed, then deleted (a tombstone).
                let mapper = try ItemMapper(mapping: .billing)
                func item(_ values: [String?], clock: UInt64) throws -> Item {
                    let version = ItemVersion(epoch: SwitchEpoch(1), position: .applicationClock(clock)).orderingKey
                    let change = SourceChange(
                        table: "SUBSCRIBER", operation: .insert, row: values.map { $0.map(SourceValue.text) ?? .null },
                        position: .fullLoad(file: "app", line: 1), origin: RowOrigin(source: "test"))
                    guard case .put(var item) = try mapper.map(change)[0].action else { throw DynamoDBClientError("no put") }
                    item[MigrationAttribute.sourceVersion] = .s(version)
                    return item
                }
                var suspended = Self.subscriberRow
                suspended[2] = "S"
                let first = try item(Self.subscriberRow, clock: 1)
                let second = try item(suspended, clock: 2)
                let key = try #require(ItemKey(item: first))
                let tombstone = TombstoneBuilder(mapping: .billing).item(
                    key: key, version: ItemVersion(epoch: SwitchEpoch(1), position: .applicationClock(3)).orderingKey,
                    nowEpochSeconds: 1_800_000_000)
                let other: Item = ["PK": .s("MIGRATION#CONTROL"), "SK": .s("FLAGS"), "ReadMode": .s("dynamodb")]
                for write in [first, second, other, tombstone] {
                    try await dynamo.putItem(table, item: write)
                }
                try await dynamo.deleteItem(table, key: ["PK": .s("MIGRATION#CONTROL"), "SK": .s("FLAGS")])

                let listed = try await streams.listStreams(tableName: table)
                #expect(listed.map(\.streamArn) == [streamArn])
                let description = try await streams.describeStream(streamArn)
                #expect(description.viewType == .newAndOldImages)
                #expect(!description.shards.isEmpty)

                // Read every shard, parents first, each to the end of what it holds now.
                let lineage = ShardLineage(description.shards.map { .init(id: $0.shardId, parentId: $0.parentShardId, isClosed: $0.isClosed) })
                var checkpoint = StreamCheckpoint(streamArn: streamArn)
                var records: [StreamRecord] = []
                for shard in lineage.ordered {
                    var iterator: String? = try await streams.getShardIterator(streamArn: streamArn, shardId: shard.id, from: .trimHorizon)
                    while let current = iterator {
                        let page = try await streams.getRecords(shardIterator: current, limit: 2)
                        records += page.records
                        if let last = page.records.last {
                            checkpoint.markApplied(shard: shard.id, through: try #require(StreamSequenceNumber(last.sequenceNumber)))
                        }
                        iterator = page.records.isEmpty ? nil : page.nextShardIterator
                    }
                }
                #expect(records.map(\.eventName) == [.insert, .modify, .insert, .modify, .remove])
                let sequences = records.compactMap { StreamSequenceNumber($0.sequenceNumber) }
                #expect(sequences.count == records.count)
                #expect(sequences == sequences.sorted())
                #expect(Set(sequences).count == sequences.count)
                #expect(records[0].newImage == first)
                #expect(records[0].oldImage == nil)
                #expect(records[1].oldImage == first)
                #expect(records[1].newImage == second)
                #expect(records[3].newImage == tombstone)
                #expect(records[4].oldImage == other)
                #expect(records[4].keys == ["PK": .s("MIGRATION#CONTROL"), "SK": .s("FLAGS")])

                // Reverse replication's view: upsert, upsert, nothing, delete by key, nothing.
                let reverse = ReverseMapper(decoder: ItemDecoder(mapping: .billing))
                let writes = try records.map { try reverse.rowWrites(oldImage: $0.oldImage, newImage: $0.newImage) }
                let columns = try #require(Mapping.billing.table("SUBSCRIBER")).columns.map(\.name)
                #expect(writes[0] == [.upsert(table: "SUBSCRIBER", columns: columns, values: Self.subscriberRow.map { $0.map(SourceValue.text) ?? .null })])
                #expect(writes[1] == [.upsert(table: "SUBSCRIBER", columns: columns, values: suspended.map { $0.map(SourceValue.text) ?? .null })])
                #expect(writes[2].isEmpty)
                #expect(writes[3] == [.delete(table: "SUBSCRIBER", keyColumns: ["subscriber_no", "ban"], keyValues: [.text("4165550101"), .text(Self.subscriberRow[1]!)])])
                #expect(writes[4].isEmpty)

                // A restart resumes after the checkpoint: only later writes come back.
                let shard = try #require(lineage.ordered.last)
                let resume = try #require(checkpoint.resumePoint(shard: shard.id))
                try await dynamo.putItem(table, item: second)
                let iterator = try await streams.getShardIterator(
                    streamArn: streamArn, shardId: shard.id, from: .afterSequenceNumber(resume.digits))
                let page = try await streams.getRecords(shardIterator: iterator)
                // The key held the tombstone: the put is a MODIFY of it.
                #expect(page.records.map(\.eventName) == [.modify])
                #expect(page.records.first?.oldImage == tombstone)
                #expect(page.records.first?.newImage == second)
                #expect(page.records.allSatisfy { StreamSequenceNumber($0.sequenceNumber).map { $0 > resume } ?? false })
            }
        }
    }
}
