import Foundation
import NIOCore

/// DynamoDB Streams in the store mode: each table's stream (from its `StreamSpecification`)
/// records every change to its items; `ListStreams`, `DescribeStream`, `GetShardIterator` and
/// `GetRecords` read them as DynamoDB Streams documents.
extension ItemStore {
    /// Makes the table's stream what its description says: a new stream when one was
    /// enabled, the current one closed when disabled.
    mutating func keepStream(of name: String, as described: SinkTables.Stream?) {
        guard let described, described.isEnabled else { return disableStream(of: name) }
        if let current = enabledStreams[name], streams[current].createdAt == described.createdAt { return }
        disableStream(of: name)
        guard let schema = tables[name]?.schema else { return }
        streams.append(
            StoreStream(
                tableName: name, keys: schema.table.order.map { schema.attributes[$0] }, viewType: described.viewType,
                createdAt: described.createdAt, startingSequence: nextSequence))
        enabledStreams[name] = streams.count - 1
    }

    /// Ends the table's enabled stream, if any: its shard gets its last sequence number,
    /// its records stay readable.
    mutating func disableStream(of name: String) {
        guard let current = enabledStreams.removeValue(forKey: name) else { return }
        streams[current].disable(lastSequence: nextSequence - 1)
    }

    /// Adds a write's change to the table's stream.
    mutating func record(on stream: Int, old: StoreTable.StoredItem?, new: StoreTable.PreparedItem?) {
        let change = StoreStream.Change(
            old: old.map { $0.bytes[..<Int($0.jsonCount)] }, new: new.map { $0.bytes[..<Int($0.jsonCount)] },
            oldSize: old.map { Int($0.size) } ?? 0, newSize: new.map { Int($0.size) } ?? 0)
        if streams[stream].record(change, sequence: nextSequence, at: Date().timeIntervalSince1970) { nextSequence += 1 }
    }

    // MARK: The Streams API

    /// The store's answer to a DynamoDB Streams operation.
    mutating func streamsCall(_ operation: String, _ bytes: UnsafeRawBufferPointer) throws -> StoreAnswer {
        let request = try StreamsRequest(bytes)
        switch operation {
        case "ListStreams": return listStreams(request)
        case "DescribeStream": return describeStream(request)
        case "GetShardIterator": return try shardIterator(request)
        case "GetRecords": return try records(request)
        default:
            return .error(type: "UnknownOperationException", message: "billmig-fault-proxy's store does not support DynamoDB Streams' \(operation)")
        }
    }

    private func listStreams(_ request: StreamsRequest) -> StoreAnswer {
        let matching = streams.filter { request.tableName == nil || $0.tableName == request.tableName }
        let start = request.exclusiveStartStreamArn.flatMap { arn in matching.firstIndex { $0.arn == arn }.map { $0 + 1 } } ?? 0
        let limit = request.limit ?? 100
        let page = matching[min(start, matching.count)...].prefix(limit)
        var body = ByteBuffer()
        body.writeStaticString("{\"Streams\":[")
        for (position, stream) in page.enumerated() {
            if position > 0 { body.writeStaticString(",") }
            body.writeStaticString("{\"StreamArn\":")
            body.writeJSONString(stream.arn)
            body.writeStaticString(",\"TableName\":")
            body.writeJSONString(stream.tableName)
            body.writeStaticString(",\"StreamLabel\":")
            body.writeJSONString(stream.label)
            body.writeStaticString("}")
        }
        body.writeStaticString("]")
        if start + page.count < matching.count, let last = page.last {
            body.writeStaticString(",\"LastEvaluatedStreamArn\":")
            body.writeJSONString(last.arn)
        }
        body.writeStaticString("}")
        return .ok(body)
    }

    private func describeStream(_ request: StreamsRequest) -> StoreAnswer {
        guard let stream = streams.first(where: { $0.arn == request.streamArn }) else {
            return Self.streamNotFound(request.streamArn)
        }
        var body = ByteBuffer()
        body.writeStaticString("{\"StreamDescription\":")
        stream.describe(into: &body)
        body.writeStaticString("}")
        return .ok(body)
    }

    private func shardIterator(_ request: StreamsRequest) throws -> StoreAnswer {
        guard let index = streams.firstIndex(where: { $0.arn == request.streamArn }) else {
            return Self.streamNotFound(request.streamArn)
        }
        let stream = streams[index]
        guard request.shardID == stream.shardID else {
            return .error(type: "ResourceNotFoundException", message: "Requested resource not found: Shard does not exist")
        }
        let position: Int
        switch request.iteratorType {
        case "TRIM_HORIZON": position = 0
        case "LATEST": position = stream.records.count
        case "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER":
            guard let text = request.sequenceNumber, let sequence = UInt64(text) else {
                throw DynamoDBShapeError(message: "Invalid SequenceNumber for ShardIteratorType \(request.iteratorType ?? "")")
            }
            position = stream.position(of: sequence, inclusive: request.iteratorType == "AT_SEQUENCE_NUMBER")
        default:
            throw DynamoDBShapeError(message: "1 validation error detected: Value '\(request.iteratorType ?? "null")' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]")
        }
        var body = ByteBuffer()
        body.writeStaticString("{\"ShardIterator\":")
        body.writeJSONString(Self.iterator(stream: index, position: position))
        body.writeStaticString("}")
        return .ok(body)
    }

    private func records(_ request: StreamsRequest) throws -> StoreAnswer {
        guard let iterator = request.shardIterator, let (index, position) = Self.position(of: iterator), index < streams.count,
            position <= streams[index].records.count
        else {
            throw DynamoDBShapeError(message: "Invalid ShardIterator")
        }
        let limit = request.limit ?? StoreStream.maximumRecordsPerPage
        guard (1...StoreStream.maximumRecordsPerPage).contains(limit) else {
            throw DynamoDBShapeError(message: "1 validation error detected: Value '\(limit)' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000")
        }
        var (body, next) = streams[index].page(from: position, limit: limit)
        if let next {
            body.writeStaticString(",\"NextShardIterator\":")
            body.writeJSONString(Self.iterator(stream: index, position: next))
        }
        body.writeStaticString("}")
        return .ok(body)
    }

    /// A shard iterator names a stream and a record position (streams are never dropped and
    /// records never trimmed, so a position stays valid).
    private static func iterator(stream: Int, position: Int) -> String {
        "billmig-store-iterator/\(stream)/\(position)"
    }

    private static func position(of iterator: String) -> (stream: Int, position: Int)? {
        let parts = iterator.split(separator: "/")
        guard parts.count == 3, parts[0] == "billmig-store-iterator", let stream = Int(parts[1]), let position = Int(parts[2]),
            stream >= 0, position >= 0
        else { return nil }
        return (stream, position)
    }

    private static func streamNotFound(_ arn: String?) -> StoreAnswer {
        .error(type: "ResourceNotFoundException", message: "Requested resource not found: Stream: \(arn ?? "") not found")
    }
}

/// The members of a DynamoDB Streams request the store uses.
private struct StreamsRequest {
    var tableName: String?
    var streamArn: String?
    var exclusiveStartStreamArn: String?
    var shardID: String?
    var iteratorType: String?
    var sequenceNumber: String?
    var shardIterator: String?
    var limit: Int?

    init(_ bytes: UnsafeRawBufferPointer) throws {
        var cursor = JSONCursor(bytes)
        var members = try cursor.beginObject()
        while let key = try cursor.nextKey(&members) {
            if cursor.token(key, equals: "TableName") {
                tableName = try cursor.string(cursor.readString())
            } else if cursor.token(key, equals: "StreamArn") {
                streamArn = try cursor.string(cursor.readString())
            } else if cursor.token(key, equals: "ExclusiveStartStreamArn") {
                exclusiveStartStreamArn = try cursor.string(cursor.readString())
            } else if cursor.token(key, equals: "ShardId") {
                shardID = try cursor.string(cursor.readString())
            } else if cursor.token(key, equals: "ShardIteratorType") {
                iteratorType = try cursor.string(cursor.readString())
            } else if cursor.token(key, equals: "SequenceNumber") {
                sequenceNumber = try cursor.string(cursor.readString())
            } else if cursor.token(key, equals: "ShardIterator") {
                shardIterator = try cursor.string(cursor.readString())
            } else if cursor.token(key, equals: "Limit") {
                let range = try cursor.skipValue()
                guard let value = Int(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)) else {
                    throw DynamoDBShapeError(message: "expected an integer Limit")
                }
                limit = value
            } else {
                try cursor.skipValue()
            }
        }
        try cursor.expectEnd()
    }
}
