import AWSCore
import DynamoDB
import DynamoDBModel
import FaultProxy
import Foundation
import MigrationCore
import Testing

/// The store mode's DynamoDB Streams and `TransactWriteItems` against moto_server: the same
/// writes to both, then each table's stream read back must hold the same changes, in order.
@Suite("FaultProxy store streams against moto_server")
struct FaultProxyStoreStreamTests {
    static func item(_ partition: Int, _ sort: String, amount: String, version: String) -> Item {
        ["PK": .s("BAN#\(partition)"), "SK": .s(sort), "Amount": .n(amount), "_v": .s(version), "Info": .m(["note": .s("n\(amount)")])]
    }

    /// Every kind of write billmig and the billing service make: puts, an overwrite, a put
    /// that changes nothing, batches with a delete, conditional writes that pass and fail,
    /// transactions that commit and one that is cancelled. Returns the conditional outcomes.
    static func write(_ client: DynamoDBClient, table: String) async throws -> [ConditionalWriteOutcome] {
        let newer = DynamoDB.Expression(
            "attribute_not_exists(#pk) OR #version < :version", names: ["#pk": "PK", "#version": "_v"], values: [":version": .s("0002")])
        var outcomes: [ConditionalWriteOutcome] = []
        try await client.putItem(table, item: item(1, "ACCOUNT", amount: "1", version: "0001"))
        try await client.putItem(table, item: item(1, "ACCOUNT", amount: "2", version: "0001"))
        _ = try await client.batchWriteItem(
            table, requests: (1...5).map { .put(item(2, "CHARGE#\($0)", amount: String($0), version: "0001")) })
        _ = try await client.batchWriteItem(table, requests: [.delete(key: ["PK": .s("BAN#2"), "SK": .s("CHARGE#3")])])
        // A delete of a key that holds nothing changes nothing: no record.
        _ = try await client.batchWriteItem(table, requests: [.delete(key: ["PK": .s("BAN#2"), "SK": .s("CHARGE#9")])])
        outcomes.append(try await client.putItem(table, item: item(1, "ACCOUNT", amount: "3", version: "0002"), condition: newer))
        outcomes.append(try await client.putItem(table, item: item(1, "ACCOUNT", amount: "4", version: "0003"), condition: newer))
        outcomes.append(try await client.deleteItem(table, key: ["PK": .s("BAN#2"), "SK": .s("CHARGE#1")], condition: newer))
        // The billing service's writes: a transaction of conditional puts.
        outcomes.append(
            try await client.transactWriteItems(
                table,
                puts: [
                    .init(item: item(3, "ACCOUNT", amount: "7", version: "0001"), condition: newer),
                    .init(item: item(3, "SUB#1", amount: "8", version: "0001"), condition: newer),
                ]))
        // Cancelled: the second put's condition fails (the item's version is not older), so
        // neither is written.
        outcomes.append(
            try await client.transactWriteItems(
                table,
                puts: [
                    .init(item: item(3, "SUB#2", amount: "9", version: "0001"), condition: newer),
                    .init(item: item(1, "ACCOUNT", amount: "5", version: "0004"), condition: newer),
                ]))
        return outcomes
    }

    /// Every record of the table's stream, shard by shard in lineage order, in small pages.
    static func records(_ streams: DynamoDBStreamsClient, _ streamArn: String) async throws -> [StreamRecord] {
        let description = try await streams.describeStream(streamArn)
        #expect(description.viewType == .newAndOldImages)
        let lineage = ShardLineage(description.shards.map { .init(id: $0.shardId, parentId: $0.parentShardId, isClosed: $0.isClosed) })
        var records: [StreamRecord] = []
        for shard in lineage.ordered {
            var iterator: String? = try await streams.getShardIterator(streamArn: streamArn, shardId: shard.id, from: .trimHorizon)
            while let current = iterator {
                let page = try await streams.getRecords(shardIterator: current, limit: 3)
                records += page.records
                iterator = page.records.isEmpty ? nil : page.nextShardIterator
            }
        }
        return records
    }

    @Test("a table's stream holds the same changes as moto's, for puts, batches, conditional writes and transactions")
    func streamRecordsMatchMoto() async throws {
        try await LocalAWS.withMotoServer(authenticated: false) { aws in
            let verifier = SigV4SignatureVerifier(credentials: [aws.credentials])
            let configuration = FaultProxyConfiguration(mode: .store(SinkConfiguration(signatureVerifier: verifier)))
            try await FaultProxy.withRunning(configuration) { proxy in
                var viaStore = aws.configuration
                let endpoint = AWSEndpoint(url: "http://127.0.0.1:\(proxy.port)")!
                viaStore.endpoints.serviceOverrides["DYNAMODB"] = endpoint
                viaStore.endpoints.serviceOverrides["DYNAMODB_STREAMS"] = endpoint
                try await AWSClient.withClient(aws.configuration) { motoAWS in
                    try await AWSClient.withClient(viaStore) { storeAWS in
                        var answers: [(outcomes: [ConditionalWriteOutcome], records: [StreamRecord], listed: [String], arn: String)] = []
                        for aws in [motoAWS, storeAWS] {
                            let client = DynamoDBClient(client: aws)
                            let table = "Streamed"
                            _ = try await client.createTable(.billingSystem(name: table))
                            // Written before the stream: in no record.
                            try await client.putItem(table, item: Self.item(9, "BEFORE", amount: "0", version: "0001"))
                            let streamArn = try await client.enableStream(table)
                            #expect(try await client.describeTable(table).latestStreamArn == streamArn)
                            let outcomes = try await Self.write(client, table: table)
                            let streams = DynamoDBStreamsClient(client: aws)
                            let listed = try await streams.listStreams(tableName: table).map(\.streamArn)
                            answers.append((outcomes, try await Self.records(streams, streamArn), listed, streamArn))
                        }
                        let (moto, store) = (answers[0], answers[1])
                        #expect(store.outcomes == moto.outcomes)
                        #expect(store.outcomes.map(\.isApplied) == [true, false, true, true, false])
                        #expect(store.listed == [store.arn])
                        #expect(store.records.map(\.eventName) == moto.records.map(\.eventName))
                        #expect(store.records.map(\.keys) == moto.records.map(\.keys))
                        #expect(store.records.map(\.newImage) == moto.records.map(\.newImage))
                        #expect(store.records.map(\.oldImage) == moto.records.map(\.oldImage))
                        // 2 puts of one item, 5 batched puts and 1 delete (the absent key's none),
                        // 1 conditional put and 1 conditional delete that passed, 2 committed
                        // transaction puts (the cancelled transaction's none).
                        #expect(
                            store.records.map(\.eventName)
                                == [.insert, .modify] + Array(repeating: .insert, count: 5) + [.remove, .modify, .remove, .insert, .insert])
                        let sequences = store.records.compactMap { StreamSequenceNumber($0.sequenceNumber) }
                        #expect(sequences.count == store.records.count)
                        #expect(sequences == sequences.sorted() && Set(sequences).count == sequences.count)
                        #expect(proxy.stats.signatureRejections == 0)
                    }
                }
            }
        }
    }

    @Test("a reader resumes after its checkpoint, and a disabled stream ends its shard")
    func resumeAndDisable() async throws {
        try await StoreProxy.withClient { aws in
            let client = DynamoDBClient(client: aws)
            let streams = DynamoDBStreamsClient(client: aws)
            _ = try await client.createTable(.billingSystem(name: "Resumed"))
            let streamArn = try await client.enableStream("Resumed")
            for amount in 1...4 {
                try await client.putItem("Resumed", item: Self.item(1, "ACCOUNT", amount: String(amount), version: "0001"))
            }
            let first = try await Self.records(streams, streamArn)
            #expect(first.map(\.eventName) == [.insert, .modify, .modify, .modify])
            let shard = try #require(try await streams.describeStream(streamArn).shards.first)
            let latest = try await streams.getShardIterator(streamArn: streamArn, shardId: shard.shardId, from: .latest)

            try await client.putItem("Resumed", item: Self.item(1, "ACCOUNT", amount: "5", version: "0001"))
            let after = try await streams.getShardIterator(
                streamArn: streamArn, shardId: shard.shardId, from: .afterSequenceNumber(first[1].sequenceNumber))
            let resumed = try await streams.getRecords(shardIterator: after)
            #expect(resumed.records.map { $0.newImage?["Amount"] } == ["3", "4", "5"].map { AttributeValue.n($0) })
            let at = try await streams.getShardIterator(
                streamArn: streamArn, shardId: shard.shardId, from: .atSequenceNumber(first[3].sequenceNumber))
            #expect(try await streams.getRecords(shardIterator: at).records.count == 2)
            #expect(try await streams.getRecords(shardIterator: latest).records.map { $0.newImage?["Amount"] } == [.n("5")])

            // Disabled: the shard gets an end, its records stay readable, and a reader at
            // its end gets no next iterator.
            _ = try await client.call(.updateTable, body: Array(#"{"TableName":"Resumed","StreamSpecification":{"StreamEnabled":false}}"#.utf8))
            #expect(try await client.describeTable("Resumed").latestStreamArn == nil)
            try await client.putItem("Resumed", item: Self.item(1, "ACCOUNT", amount: "6", version: "0001"))
            let closed = try #require(try await streams.describeStream(streamArn).shards.first)
            #expect(closed.isClosed)
            let all = try await streams.getRecords(shardIterator: try await streams.getShardIterator(
                streamArn: streamArn, shardId: shard.shardId, from: .trimHorizon))
            #expect(all.records.count == 5)
            #expect(all.nextShardIterator == nil)
            // Enabled again: a new stream, with only the changes since.
            let second = try await client.enableStream("Resumed")
            #expect(second != streamArn)
            try await client.putItem("Resumed", item: Self.item(1, "ACCOUNT", amount: "7", version: "0001"))
            #expect(try await Self.records(streams, second).map(\.eventName) == [.modify])
            #expect(try await streams.listStreams(tableName: "Resumed").map(\.streamArn) == [streamArn, second])
        }
    }
}
