import AWSCore
import AWSTestSupport
import BillingModel
import DMSStaging
import DynamoDB
import DynamoDBModel
import Foundation
import MigrationCore
import Testing

@testable import Migration

/// The replication loop against a scripted DynamoDB Streams: a closed parent shard
/// is read to its end before its child, a round that only closed a shard is not
/// "caught up", each shard's checkpoint is its last sequence number and a resumed
/// read starts after it.
@Suite struct ReverseReplicationLoopTests {
    /// Records the pages of row writes it is sent.
    final class RecordingTarget: RowWriteTarget {
        let pages = Locked<[[RowWrite]]>([])
        func apply(_ writes: [RowWrite]) async throws { pages.withLock { $0.append(writes) } }
    }

    static let arn = "arn:aws:dynamodb:us-east-1:1:table/T/stream/2027"

    static func json(_ text: String) -> ScriptedTransport.Responder { ScriptedTransport.status(200, text) }

    static var describe: ScriptedTransport.Responder {
        json(
            """
            {"StreamDescription":{"StreamArn":"\(arn)","StreamStatus":"ENABLED","StreamViewType":"NEW_AND_OLD_IMAGES","Shards":[
              {"ShardId":"shardId-A","SequenceNumberRange":{"StartingSequenceNumber":"100","EndingSequenceNumber":"200"}},
              {"ShardId":"shardId-B","ParentShardId":"shardId-A","SequenceNumberRange":{"StartingSequenceNumber":"300"}}]}}
            """)
    }

    static func record(_ sequence: String, _ name: String, keys: Item, new: Item?, old: Item?) -> String {
        func image(_ item: Item?) -> String { item.map { String(decoding: DynamoDBJSON.encode($0), as: UTF8.self) } ?? "null" }
        var change = "\"SequenceNumber\":\"\(sequence)\",\"ApproximateCreationDateTime\":1800000000,\"Keys\":\(image(keys))"
        if let new { change += ",\"NewImage\":\(image(new))" }
        if let old { change += ",\"OldImage\":\(image(old))" }
        return "{\"eventID\":\"e\(sequence)\",\"eventName\":\"\(name)\",\"dynamodb\":{\(change)}}"
    }

    @Test func parentsBeforeChildrenAndAClosingRoundIsNotCaughtUp() async throws {
        let mapper = try ItemMapper(mapping: .billing)
        let row: [String?] = [
            "1000000001", "I", "01", "O", "2024-01-15", "MONTHLY", nil, "5000.00", "USD", "2023-06-01",
            "2024-01-15 10:22:31.120", "2024-02-01 08:00:00.000",
        ]
        let version = ItemVersion(epoch: SwitchEpoch(1), position: .applicationClock(7)).orderingKey
        let (key, account) = try mapper.item(table: "BILLING_ACCOUNT", row: row.map { $0.map(SourceValue.text) ?? .null }, version: version)
        let keys: Item = [ItemKey.partitionKeyName: .s(key.pk), ItemKey.sortKeyName: .s(key.sk)]
        let tombstone = TombstoneBuilder(mapping: .billing).item(
            key: key, version: ItemVersion(epoch: SwitchEpoch(1), position: .applicationClock(8)).orderingKey, nowEpochSeconds: 1_800_000_000)

        let transport = ScriptedTransport([
            // Round 1: the parent is empty and closed; its child is not readable yet.
            Self.describe, Self.json(#"{"ShardIterator":"itA"}"#), Self.json(#"{"Records":[]}"#),
            // Round 2: the child: an insert and a delete of one account, then an empty page.
            Self.describe, Self.json(#"{"ShardIterator":"itB"}"#),
            Self.json(
                "{\"Records\":[\(Self.record("300", "INSERT", keys: keys, new: account, old: nil)),"
                    + "\(Self.record("301", "MODIFY", keys: keys, new: tombstone, old: account))],\"NextShardIterator\":\"itB2\"}"),
            Self.json(#"{"Records":[],"NextShardIterator":"itB3"}"#),
            // Round 3: nothing new after the child's checkpoint: caught up.
            Self.describe, Self.json(#"{"ShardIterator":"itB4"}"#), Self.json(#"{"Records":[],"NextShardIterator":"itB5"}"#),
        ])
        let state = StateLocation(store: InMemoryObjectStore(), prefix: "state")
        let target = RecordingTarget()
        let replication = ReverseReplication(
            configuration: .init(
                streamArn: Self.arn, epochs: SwitchEpochHistory(alternatingThrough: SwitchEpoch(1)), reverseEpoch: SwitchEpoch(1),
                pollInterval: .milliseconds(1), stopWhenCaughtUp: true),
            streams: DynamoDBStreamsClient(client: transport.client()), target: target, state: state)
        let summary = try await replication.run()

        #expect(summary.ending == .caughtUp && summary.caughtUp && summary.lagSeconds == 0)
        #expect(summary.records == 2 && summary.rowWrites == 2 && summary.deadLettered == 0)
        #expect(summary.checkpoints == ["shardId-B": "301"])
        let pages = target.pages.current
        #expect(pages.count == 1)
        guard case .upsert("BILLING_ACCOUNT", _, _)? = pages.first?.first, case .delete("BILLING_ACCOUNT", _, _)? = pages.first?.last else {
            Issue.record("expected the upsert then the delete: \(pages)")
            return
        }

        // The iterators asked for: the parent from its start, the child from its start, then after its checkpoint.
        let bodies = transport.requestBodies.filter { $0.contains("ShardIteratorType") }
        #expect(bodies.count == 3)
        #expect(bodies[0].contains("shardId-A") && bodies[0].contains("TRIM_HORIZON"))
        #expect(bodies[1].contains("shardId-B") && bodies[1].contains("TRIM_HORIZON"))
        #expect(bodies[2].contains("shardId-B") && bodies[2].contains("AFTER_SEQUENCE_NUMBER") && bodies[2].contains("301"))

        let checkpoint = try #require(try await state.read(StateFile<StreamCheckpoint>.reverseCheckpoint))
        #expect(checkpoint.finishedShards == ["shardId-A"])
        #expect(checkpoint.resumePoint(shard: "shardId-B") == StreamSequenceNumber("301"))
        let progress = try #require(try await state.read(StateFile<ReverseStreamProgress>.reverseProgress))
        #expect(progress.caughtUp && progress.rowWrites == 2 && progress.checkpoints == ["shardId-B": "301"])
        #expect(progress.caughtUpThroughMilliseconds != nil)
    }
}
