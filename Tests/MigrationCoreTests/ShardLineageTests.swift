import Foundation
import MigrationCore
import Testing

@Suite struct ShardLineageTests {
    typealias Shard = ShardLineage.Shard

    /// A split: root r closed into a and b; a closed into c. Listed out of order.
    static let shards = [
        Shard(id: "shardId-00003-c", parentId: "shardId-00002-a", isClosed: false),
        Shard(id: "shardId-00002-b", parentId: "shardId-00001-r", isClosed: false),
        Shard(id: "shardId-00001-r", parentId: nil, isClosed: true),
        Shard(id: "shardId-00002-a", parentId: "shardId-00001-r", isClosed: true),
    ]

    @Test func parentsComeBeforeChildren() {
        let ordered = ShardLineage(Self.shards).ordered.map(\.id)
        #expect(ordered == ["shardId-00001-r", "shardId-00002-a", "shardId-00002-b", "shardId-00003-c"])
        for shard in Self.shards {
            if let parent = shard.parentId {
                #expect(ordered.firstIndex(of: parent)! < ordered.firstIndex(of: shard.id)!)
            }
        }
    }

    @Test func onlyShardsWhoseParentIsFinishedAreReadable() {
        let lineage = ShardLineage(Self.shards)
        #expect(lineage.readable(finished: []).map(\.id) == ["shardId-00001-r"])
        #expect(lineage.readable(finished: ["shardId-00001-r"]).map(\.id) == ["shardId-00002-a", "shardId-00002-b"])
        #expect(lineage.readable(finished: ["shardId-00001-r", "shardId-00002-a"]).map(\.id) == ["shardId-00002-b", "shardId-00003-c"])
    }

    @Test func aTrimmedParentCountsAsDone() {
        let lineage = ShardLineage([Shard(id: "child", parentId: "gone-after-24h", isClosed: false)])
        #expect(lineage.ordered.map(\.id) == ["child"])
        #expect(lineage.readable(finished: []).map(\.id) == ["child"])
    }

    @Test func sequenceNumbersCompareAsNumbers() throws {
        let small = try #require(StreamSequenceNumber("900000000000000000001"))
        let large = try #require(StreamSequenceNumber("1000000000000000000001"))
        #expect(small < large)
        #expect(StreamSequenceNumber("0042") == StreamSequenceNumber("42"))
        #expect(StreamSequenceNumber("0") == StreamSequenceNumber("000"))
        #expect(StreamSequenceNumber("12a") == nil)
        #expect(StreamSequenceNumber("") == nil)
    }

    @Test func theCheckpointOnlyMovesForwardAndSurvivesJSON() throws {
        var checkpoint = StreamCheckpoint(streamArn: "arn:aws:dynamodb:us-east-1:1:table/T/stream/x")
        #expect(checkpoint.resumePoint(shard: "a") == nil)
        checkpoint.markApplied(shard: "a", through: try #require(StreamSequenceNumber("200")))
        checkpoint.markApplied(shard: "a", through: try #require(StreamSequenceNumber("150")))  // a replay
        #expect(checkpoint.resumePoint(shard: "a") == StreamSequenceNumber("200"))
        checkpoint.markApplied(shard: "b", through: try #require(StreamSequenceNumber("7")))
        checkpoint.markFinished(shard: "a")
        let decoded = try JSONDecoder().decode(StreamCheckpoint.self, from: JSONEncoder().encode(checkpoint))
        #expect(decoded == checkpoint)
        checkpoint.prune(keeping: ["b"])
        #expect(checkpoint.resumePoint(shard: "a") == nil)
        #expect(checkpoint.finishedShards.isEmpty)
        #expect(checkpoint.resumePoint(shard: "b") == StreamSequenceNumber("7"))
    }
}
