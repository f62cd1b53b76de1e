import Foundation
import NIOCore

/// The tables the sink pretends to have: enough for `CreateTable`, `DescribeTable`, the TTL
/// calls and a stream's settings to behave as DynamoDB's do (tables are `ACTIVE` at once).
/// Items (and stream records) are the store mode's, in `ItemStore`.
struct SinkTables {
    struct Table {
        var name: String
        /// Raw JSON values copied from `CreateTable`.
        var keySchema: String
        var attributeDefinitions: String
        var globalSecondaryIndexes: [String]
        var localSecondaryIndexes: String?
        var billingMode: String
        var provisionedThroughput: String?
        var creationTime: Double
        var timeToLiveAttribute: String?
        /// The table's latest stream, enabled or not (DynamoDB keeps showing a disabled one).
        var stream: Stream?
    }

    struct Stream {
        var createdAt: Double
        var viewType: StoreStream.ViewType
        var isEnabled: Bool

        func arn(table: String) -> String { StoreStream.arn(table: table, label: StoreStream.label(createdAt)) }
    }

    private(set) var tables: [String: Table] = [:]

    /// The contract's single table: `PK`/`SK`, `GSI1` and `GSI2`, TTL on `TTL`, on demand.
    static func contractTable(named name: String, creationTime: Double) -> Table {
        func index(_ number: Int) -> String {
            #"{"IndexName":"GSI\#(number)","KeySchema":[{"AttributeName":"GSI\#(number)PK","KeyType":"HASH"},{"AttributeName":"GSI\#(number)SK","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"},"IndexStatus":"ACTIVE"}"#
        }
        return Table(
            name: name,
            keySchema: #"[{"AttributeName":"PK","KeyType":"HASH"},{"AttributeName":"SK","KeyType":"RANGE"}]"#,
            attributeDefinitions: "["
                + ["PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK"]
                .map { #"{"AttributeName":"\#($0)","AttributeType":"S"}"# }.joined(separator: ",") + "]",
            globalSecondaryIndexes: [index(1), index(2)],
            localSecondaryIndexes: nil,
            billingMode: "PAY_PER_REQUEST",
            provisionedThroughput: nil,
            creationTime: creationTime,
            timeToLiveAttribute: "TTL",
            stream: nil)
    }

    mutating func add(_ table: Table) {
        tables[table.name] = table
    }

    // MARK: Operations

    enum Answer {
        case ok(ByteBuffer)
        case error(type: String, message: String)
    }

    mutating func createTable(_ bytes: UnsafeRawBufferPointer, now: Double) throws -> Answer {
        var cursor = JSONCursor(bytes)
        var members = try cursor.beginObject()
        var table = Table(
            name: "", keySchema: "[]", attributeDefinitions: "[]", globalSecondaryIndexes: [],
            localSecondaryIndexes: nil, billingMode: "PROVISIONED", provisionedThroughput: nil,
            creationTime: now, timeToLiveAttribute: nil, stream: nil)
        func raw(_ range: Range<Int>) -> String {
            String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }
        while let key = try cursor.nextKey(&members) {
            if cursor.token(key, equals: "TableName") {
                table.name = try cursor.string(cursor.readString())
            } else if cursor.token(key, equals: "KeySchema") {
                table.keySchema = raw(try cursor.skipValue())
            } else if cursor.token(key, equals: "AttributeDefinitions") {
                table.attributeDefinitions = raw(try cursor.skipValue())
            } else if cursor.token(key, equals: "BillingMode") {
                table.billingMode = try cursor.string(cursor.readString())
            } else if cursor.token(key, equals: "ProvisionedThroughput") {
                table.provisionedThroughput = raw(try cursor.skipValue())
            } else if cursor.token(key, equals: "LocalSecondaryIndexes") {
                table.localSecondaryIndexes = raw(try cursor.skipValue())
            } else if cursor.token(key, equals: "GlobalSecondaryIndexes") {
                var elements = try cursor.beginArray()
                while try cursor.nextElement(&elements) {
                    table.globalSecondaryIndexes.append(Self.markedActive(raw(try cursor.skipValue())))
                }
            } else if cursor.token(key, equals: "StreamSpecification") {
                if let specification = try Self.streamSpecification(&cursor), specification.enabled {
                    table.stream = Stream(createdAt: now, viewType: specification.viewType ?? .newAndOldImages, isEnabled: true)
                }
            } else {
                try cursor.skipValue()
            }
        }
        try cursor.expectEnd()
        guard !table.name.isEmpty else {
            return .error(type: "ValidationException", message: "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null")
        }
        guard tables[table.name] == nil else {
            return .error(type: "ResourceInUseException", message: "Table already exists: \(table.name)")
        }
        tables[table.name] = table
        return .ok(Self.wrapped("TableDescription", describe(table, status: "ACTIVE")))
    }

    func describeTable(_ bytes: UnsafeRawBufferPointer) throws -> Answer {
        let name = try Self.tableName(bytes)
        guard let table = tables[name] else { return Self.notFound(name) }
        return .ok(Self.wrapped("Table", describe(table, status: "ACTIVE")))
    }

    mutating func deleteTable(_ bytes: UnsafeRawBufferPointer) throws -> Answer {
        let name = try Self.tableName(bytes)
        guard let table = tables.removeValue(forKey: name) else { return Self.notFound(name) }
        return .ok(Self.wrapped("TableDescription", describe(table, status: "DELETING")))
    }

    /// `UpdateTable`: only its `StreamSpecification` changes anything (the sink's tables have
    /// no capacity to change).
    mutating func updateTable(_ bytes: UnsafeRawBufferPointer, now: Double) throws -> Answer {
        var cursor = JSONCursor(bytes)
        var members = try cursor.beginObject()
        var name = ""
        var specification: (enabled: Bool, viewType: StoreStream.ViewType?)?
        while let key = try cursor.nextKey(&members) {
            if cursor.token(key, equals: "TableName") {
                name = try cursor.string(cursor.readString())
            } else if cursor.token(key, equals: "StreamSpecification") {
                specification = try Self.streamSpecification(&cursor)
            } else {
                try cursor.skipValue()
            }
        }
        try cursor.expectEnd()
        guard var table = tables[name] else { return Self.notFound(name) }
        if let specification {
            let current = table.stream.flatMap { $0.isEnabled ? $0 : nil }
            switch (specification.enabled, current) {
            case (true, let current?):
                return .error(type: "ValidationException", message: "Table already has an enabled stream: \(current.arn(table: name))")
            case (true, nil):
                guard let viewType = specification.viewType else {
                    return .error(type: "ValidationException", message: "One or more parameter values were invalid: StreamViewType is required when StreamEnabled is true")
                }
                // A new stream has a new label (its time to the millisecond), hence a new ARN.
                let createdAt = max(now, (table.stream?.createdAt ?? 0) + 0.001)
                table.stream = Stream(createdAt: createdAt, viewType: viewType, isEnabled: true)
            case (false, nil):
                return .error(type: "ValidationException", message: "Table already has no enabled stream: \(name)")
            case (false, _?):
                table.stream?.isEnabled = false
            }
            tables[name] = table
        }
        return .ok(Self.wrapped("TableDescription", describe(table, status: "ACTIVE")))
    }

    /// A `StreamSpecification` object: whether it enables a stream, and its view type.
    private static func streamSpecification(_ cursor: inout JSONCursor) throws -> (enabled: Bool, viewType: StoreStream.ViewType?)? {
        var fields = try cursor.beginObject()
        var enabled = false
        var viewType: StoreStream.ViewType?
        while let field = try cursor.nextKey(&fields) {
            if cursor.token(field, equals: "StreamEnabled") {
                enabled = cursor.peek() == UInt8(ascii: "t")
                try cursor.skipValue()
            } else if cursor.token(field, equals: "StreamViewType") {
                let text = try cursor.string(cursor.readString())
                guard let known = StoreStream.ViewType(rawValue: text) else {
                    throw DynamoDBShapeError(message: "1 validation error detected: Value '\(text)' at 'streamSpecification.streamViewType' failed to satisfy constraint: Member must satisfy enum value set: [NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY]")
                }
                viewType = known
            } else {
                try cursor.skipValue()
            }
        }
        return (enabled, viewType)
    }

    func listTables() -> Answer {
        var body = ByteBuffer()
        body.writeStaticString("{\"TableNames\":[")
        for (position, name) in tables.keys.sorted().enumerated() {
            if position > 0 { body.writeStaticString(",") }
            body.writeJSONString(name)
        }
        body.writeStaticString("]}")
        return .ok(body)
    }

    mutating func updateTimeToLive(_ bytes: UnsafeRawBufferPointer) throws -> Answer {
        var cursor = JSONCursor(bytes)
        var members = try cursor.beginObject()
        var name = ""
        var enabled = false
        var attribute: String?
        var specification: Range<Int>?
        while let key = try cursor.nextKey(&members) {
            if cursor.token(key, equals: "TableName") {
                name = try cursor.string(cursor.readString())
            } else if cursor.token(key, equals: "TimeToLiveSpecification") {
                let start = cursor.valueStart()
                var fields = try cursor.beginObject()
                while let field = try cursor.nextKey(&fields) {
                    if cursor.token(field, equals: "AttributeName") {
                        attribute = try cursor.string(cursor.readString())
                    } else if cursor.token(field, equals: "Enabled") {
                        enabled = cursor.peek() == UInt8(ascii: "t")
                        try cursor.skipValue()
                    } else {
                        try cursor.skipValue()
                    }
                }
                specification = start..<cursor.index
            } else {
                try cursor.skipValue()
            }
        }
        try cursor.expectEnd()
        guard tables[name] != nil else { return Self.notFound(name) }
        guard let specification, let attribute else {
            return .error(type: "ValidationException", message: "1 validation error detected: Value null at 'timeToLiveSpecification' failed to satisfy constraint: Member must not be null")
        }
        tables[name]?.timeToLiveAttribute = enabled ? attribute : nil
        var body = ByteBuffer()
        body.writeStaticString("{\"TimeToLiveSpecification\":")
        body.writeBytes(of: bytes, range: specification)
        body.writeStaticString("}")
        return .ok(body)
    }

    func describeTimeToLive(_ bytes: UnsafeRawBufferPointer) throws -> Answer {
        let name = try Self.tableName(bytes)
        guard let table = tables[name] else { return Self.notFound(name) }
        var body = ByteBuffer()
        if let attribute = table.timeToLiveAttribute {
            body.writeStaticString("{\"TimeToLiveDescription\":{\"TimeToLiveStatus\":\"ENABLED\",\"AttributeName\":")
            body.writeJSONString(attribute)
            body.writeStaticString("}}")
        } else {
            body.writeStaticString("{\"TimeToLiveDescription\":{\"TimeToLiveStatus\":\"DISABLED\"}}")
        }
        return .ok(body)
    }

    // MARK: Helpers

    private static func notFound(_ name: String) -> Answer {
        .error(type: "ResourceNotFoundException", message: "Requested resource not found: Table: \(name) not found")
    }

    static func tableName(_ bytes: UnsafeRawBufferPointer) throws -> String {
        var cursor = JSONCursor(bytes)
        var members = try cursor.beginObject()
        var name = ""
        while let key = try cursor.nextKey(&members) {
            if cursor.token(key, equals: "TableName") {
                name = try cursor.string(cursor.readString())
            } else {
                try cursor.skipValue()
            }
        }
        try cursor.expectEnd()
        return name
    }

    /// Adds `"IndexStatus":"ACTIVE"` to a secondary index description from `CreateTable`.
    private static func markedActive(_ index: String) -> String {
        guard let close = index.lastIndex(of: "}") else { return index }
        let head = index[..<close].trimmingCharacters(in: .whitespaces)
        let separator = head.hasSuffix("{") ? "" : ","
        return head + separator + #""IndexStatus":"ACTIVE","ItemCount":0,"IndexSizeBytes":0}"#
    }

    private static func wrapped(_ name: String, _ description: String) -> ByteBuffer {
        ByteBuffer(string: "{\"\(name)\":\(description)}")
    }

    private func describe(_ table: Table, status: String) -> String {
        var body = ByteBuffer()
        body.writeStaticString("{\"TableName\":")
        body.writeJSONString(table.name)
        body.writeString(",\"TableStatus\":\"\(status)\",\"TableArn\":")
        body.writeJSONString("arn:aws:dynamodb:us-east-1:000000000000:table/\(table.name)")
        body.writeString(",\"CreationDateTime\":\(table.creationTime),\"ItemCount\":0,\"TableSizeBytes\":0")
        body.writeString(",\"KeySchema\":\(table.keySchema),\"AttributeDefinitions\":\(table.attributeDefinitions)")
        body.writeString(",\"BillingModeSummary\":{\"BillingMode\":")
        body.writeJSONString(table.billingMode)
        body.writeStaticString("}")
        if let throughput = table.provisionedThroughput {
            body.writeString(",\"ProvisionedThroughput\":\(throughput)")
        } else {
            body.writeStaticString(",\"ProvisionedThroughput\":{\"ReadCapacityUnits\":0,\"WriteCapacityUnits\":0,\"NumberOfDecreasesToday\":0}")
        }
        if !table.globalSecondaryIndexes.isEmpty {
            body.writeString(",\"GlobalSecondaryIndexes\":[\(table.globalSecondaryIndexes.joined(separator: ","))]")
        }
        if let local = table.localSecondaryIndexes {
            body.writeString(",\"LocalSecondaryIndexes\":\(local)")
        }
        if let stream = table.stream {
            body.writeString(",\"StreamSpecification\":{\"StreamEnabled\":\(stream.isEnabled)")
            if stream.isEnabled { body.writeString(",\"StreamViewType\":\"\(stream.viewType.rawValue)\"") }
            body.writeStaticString("},\"LatestStreamLabel\":")
            body.writeJSONString(StoreStream.label(stream.createdAt))
            body.writeStaticString(",\"LatestStreamArn\":")
            body.writeJSONString(stream.arn(table: table.name))
        }
        body.writeStaticString("}")
        return String(buffer: body)
    }
}
