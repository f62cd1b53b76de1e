import AWSCore
import DynamoDBModel
import NIOCore

/// A DynamoDB Streams client (JSON 1.0, `X-Amz-Target: DynamoDBStreams_20120810.<Op>`),
/// thin as `DynamoDBClient`: builds each request, sends it through `AWSClient`
/// (signing, retries, typed errors), reads the answer.
public struct DynamoDBStreamsClient: Sendable {
    public let client: AWSClient

    public init(client: AWSClient) {
        self.client = client
    }

    private func call(_ operation: String, _ build: (inout JSONWriter) -> Void) async throws -> JSONValue {
        var writer = JSONWriter()
        writer.beginObject()
        build(&writer)
        writer.endObject()
        let request = AWSRequest(
            service: .dynamoDBStreams, operation: operation, method: .POST, path: "/",
            headers: [
                "X-Amz-Target": "DynamoDBStreams_20120810.\(operation)",
                "Content-Type": "application/x-amz-json-1.0",
            ],
            body: ByteBuffer(bytes: writer.bytes))
        let response = try await client.execute(request)
        let bytes = Array(response.body.readableBytesView)
        if bytes.isEmpty { return .object([:]) }
        do {
            return try JSONValue.parse(bytes)
        } catch {
            throw DynamoDBClientError("\(operation) answered with unreadable JSON: \(error)")
        }
    }

    /// The streams of a table (or of every table), all pages.
    public func listStreams(tableName: String? = nil) async throws -> [StreamSummary] {
        var streams: [StreamSummary] = []
        var start: String?
        repeat {
            let json = try await call("ListStreams") { writer in
                if let tableName { writer.field("TableName", tableName) }
                if let start { writer.field("ExclusiveStartStreamArn", start) }
            }
            for element in json["Streams"]?.arrayValue ?? [] {
                guard let arn = element["StreamArn"]?.stringValue else { continue }
                streams.append(
                    StreamSummary(streamArn: arn, tableName: element["TableName"]?.stringValue, streamLabel: element["StreamLabel"]?.stringValue))
            }
            start = json["LastEvaluatedStreamArn"]?.stringValue
        } while start != nil
        return streams
    }

    /// The stream and all its shards (following `LastEvaluatedShardId`).
    public func describeStream(_ streamArn: String) async throws -> StreamDescription {
        var shards: [StreamShard] = []
        var start: String?
        var description: StreamDescription?
        repeat {
            let json = try await call("DescribeStream") { writer in
                writer.field("StreamArn", streamArn)
                if let start { writer.field("ExclusiveStartShardId", start) }
            }
            guard let stream = json["StreamDescription"] else {
                throw DynamoDBClientError("DescribeStream answered without a StreamDescription")
            }
            for element in stream["Shards"]?.arrayValue ?? [] {
                guard let id = element["ShardId"]?.stringValue else { continue }
                let range = element["SequenceNumberRange"]
                shards.append(
                    StreamShard(
                        shardId: id, parentShardId: element["ParentShardId"]?.stringValue,
                        startingSequenceNumber: range?["StartingSequenceNumber"]?.stringValue,
                        endingSequenceNumber: range?["EndingSequenceNumber"]?.stringValue))
            }
            description = StreamDescription(
                streamArn: stream["StreamArn"]?.stringValue ?? streamArn, status: stream["StreamStatus"]?.stringValue ?? "UNKNOWN",
                viewType: stream["StreamViewType"]?.stringValue.flatMap(StreamViewType.init(rawValue:)),
                tableName: stream["TableName"]?.stringValue, shards: [])
            start = stream["LastEvaluatedShardId"]?.stringValue
        } while start != nil
        guard var result = description else { throw DynamoDBClientError("DescribeStream answered nothing") }
        result.shards = shards
        return result
    }

    public func getShardIterator(streamArn: String, shardId: String, from start: ShardIteratorStart) async throws -> String {
        let json = try await call("GetShardIterator") { writer in
            writer.field("StreamArn", streamArn)
            writer.field("ShardId", shardId)
            switch start {
            case .trimHorizon: writer.field("ShardIteratorType", "TRIM_HORIZON")
            case .latest: writer.field("ShardIteratorType", "LATEST")
            case .atSequenceNumber(let sequence):
                writer.field("ShardIteratorType", "AT_SEQUENCE_NUMBER")
                writer.field("SequenceNumber", sequence)
            case .afterSequenceNumber(let sequence):
                writer.field("ShardIteratorType", "AFTER_SEQUENCE_NUMBER")
                writer.field("SequenceNumber", sequence)
            }
        }
        guard let iterator = json["ShardIterator"]?.stringValue else {
            throw DynamoDBClientError("GetShardIterator answered without a ShardIterator")
        }
        return iterator
    }

    /// One page of a shard's records (at most `limit`, up to 1,000), in the shard's order.
    public func getRecords(shardIterator: String, limit: Int? = nil) async throws -> StreamRecordPage {
        let json = try await call("GetRecords") { writer in
            writer.field("ShardIterator", shardIterator)
            if let limit {
                writer.key("Limit")
                writer.number(limit)
            }
        }
        var records: [StreamRecord] = []
        for element in json["Records"]?.arrayValue ?? [] {
            records.append(try Self.record(element))
        }
        return StreamRecordPage(records: records, nextShardIterator: json["NextShardIterator"]?.stringValue)
    }

    static func record(_ json: JSONValue) throws -> StreamRecord {
        guard let change = json["dynamodb"], let sequence = change["SequenceNumber"]?.stringValue else {
            throw DynamoDBClientError("a stream record has no dynamodb.SequenceNumber")
        }
        guard let name = json["eventName"]?.stringValue, let eventName = StreamRecord.EventName(rawValue: name) else {
            throw DynamoDBClientError("stream record \(sequence) has an unknown eventName")
        }
        func image(_ key: String) throws -> Item? {
            guard let value = change[key] else { return nil }
            do {
                return try DynamoDBJSON.item(from: value)
            } catch {
                throw DynamoDBClientError("stream record \(sequence): \(key): \(error)")
            }
        }
        let identity = json["userIdentity"]
        return StreamRecord(
            eventID: json["eventID"]?.stringValue ?? "", eventName: eventName, sequenceNumber: sequence,
            approximateCreationTime: change["ApproximateCreationDateTime"]?.doubleValue, keys: try image("Keys") ?? [:],
            newImage: try image("NewImage"), oldImage: try image("OldImage"),
            isTimeToLiveRemoval: identity?["type"]?.stringValue == "Service"
                && identity?["principalId"]?.stringValue == "dynamodb.amazonaws.com")
    }
}

extension DynamoDBClient {
    /// Turns the table's stream on (`UpdateTable` with a `StreamSpecification`) and
    /// returns its ARN. The stream records changes from this moment.
    public func enableStream(_ tableName: String, viewType: StreamViewType = .newAndOldImages) async throws -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("TableName", tableName)
        writer.key("StreamSpecification")
        writer.beginObject()
        writer.key("StreamEnabled")
        writer.bool(true)
        writer.field("StreamViewType", viewType.rawValue)
        writer.endObject()
        writer.endObject()
        let (json, _) = try await call(.updateTable, body: writer.bytes)
        guard let arn = json["TableDescription"]?["LatestStreamArn"]?.stringValue else {
            throw DynamoDBClientError("UpdateTable answered without LatestStreamArn: is the stream enabled on \(tableName)?")
        }
        return arn
    }
}
