import AWSCore
import DynamoDBModel
import NIOCore
import NIOHTTP1

extension DynamoDBClient {
    // MARK: Encoding helpers

    static func writeKeySchema(_ writer: inout JSONWriter, partitionKey: String, sortKey: String?) {
        writer.beginArray()
        writer.beginObject()
        writer.field("AttributeName", partitionKey)
        writer.field("KeyType", "HASH")
        writer.endObject()
        if let sortKey {
            writer.beginObject()
            writer.field("AttributeName", sortKey)
            writer.field("KeyType", "RANGE")
            writer.endObject()
        }
        writer.endArray()
    }

    static func writeThroughput(_ writer: inout JSONWriter, _ throughput: ProvisionedThroughput) {
        writer.beginObject()
        writer.key("ReadCapacityUnits")
        writer.number(throughput.readCapacityUnits)
        writer.key("WriteCapacityUnits")
        writer.number(throughput.writeCapacityUnits)
        writer.endObject()
    }

    static func writePlaceholders(_ writer: inout JSONWriter, names: [String: String], values: [String: AttributeValue]) {
        // DynamoDB rejects empty maps here, so they are left out.
        if !names.isEmpty {
            writer.key("ExpressionAttributeNames")
            writer.beginObject()
            for (placeholder, name) in names { writer.field(placeholder, name) }
            writer.endObject()
        }
        if !values.isEmpty {
            writer.key("ExpressionAttributeValues")
            writer.item(values)
        }
    }

    static func writeCondition(_ writer: inout JSONWriter, _ condition: Expression?, returnExisting: Bool) {
        guard let condition else { return }
        writer.field("ConditionExpression", condition.text)
        writePlaceholders(&writer, names: condition.names, values: condition.values)
        if returnExisting { writer.field("ReturnValuesOnConditionCheckFailure", "ALL_OLD") }
    }

    static func writeWriteRequest(_ writer: inout JSONWriter, _ request: WriteRequest) {
        writer.beginObject()
        switch request {
        case .put(let item):
            writer.key("PutRequest")
            writer.beginObject()
            writer.key("Item")
            writer.item(item)
        case .delete(let key):
            writer.key("DeleteRequest")
            writer.beginObject()
            writer.key("Key")
            writer.item(key)
        }
        writer.endObject()
        writer.endObject()
    }

    // MARK: Decoding helpers

    static func writeRequest(from json: JSONValue) throws -> WriteRequest {
        if let item = json["PutRequest"]?["Item"] { return .put(try DynamoDBJSON.item(from: item)) }
        if let key = json["DeleteRequest"]?["Key"] { return .delete(key: try DynamoDBJSON.item(from: key)) }
        throw DynamoDBClientError("an unprocessed item is neither PutRequest nor DeleteRequest")
    }

    static func consumedCapacity(_ json: JSONValue) -> Double? {
        if let list = json["ConsumedCapacity"]?.arrayValue {
            return list.compactMap { $0["CapacityUnits"]?.doubleValue }.reduce(0, +)
        }
        return json["ConsumedCapacity"]?["CapacityUnits"]?.doubleValue
    }

    static func itemPage(_ json: JSONValue) throws -> ItemPage {
        let elements = json["Items"]?.arrayValue ?? []
        var items: [Item] = []
        items.reserveCapacity(elements.count)
        for element in elements { items.append(try DynamoDBJSON.item(from: element)) }
        let lastKey = try json["LastEvaluatedKey"].map { try DynamoDBJSON.item(from: $0) }
        return ItemPage(
            items: items, lastEvaluatedKey: lastKey, count: json["Count"]?.intValue ?? items.count,
            scannedCount: json["ScannedCount"]?.intValue ?? items.count, consumedCapacity: consumedCapacity(json))
    }

    static func keySchema(_ json: JSONValue?) -> (String?, String?) {
        var partition: String?, sort: String?
        for element in json?.arrayValue ?? [] {
            switch element["KeyType"]?.stringValue {
            case "HASH": partition = element["AttributeName"]?.stringValue
            case "RANGE": sort = element["AttributeName"]?.stringValue
            default: break
            }
        }
        return (partition, sort)
    }

    static func throughput(_ json: JSONValue?) -> ProvisionedThroughput? {
        guard let read = json?["ReadCapacityUnits"]?.intValue, let write = json?["WriteCapacityUnits"]?.intValue else { return nil }
        return ProvisionedThroughput(readCapacityUnits: read, writeCapacityUnits: write)
    }

    static func tableDescription(_ json: JSONValue?) throws -> TableDescription {
        guard let json, let name = json["TableName"]?.stringValue else {
            throw DynamoDBClientError("the answer has no table description")
        }
        let (partition, sort) = keySchema(json["KeySchema"])
        let tableThroughput = throughput(json["ProvisionedThroughput"])
        // Absent BillingModeSummary means PROVISIONED (tables created before on-demand existed).
        let mode = json["BillingModeSummary"]?["BillingMode"]?.stringValue ?? "PROVISIONED"
        let billing: BillingMode
        if mode == "PAY_PER_REQUEST" {
            billing = .onDemand
        } else {
            billing = .provisioned(tableThroughput ?? ProvisionedThroughput(readCapacityUnits: 0, writeCapacityUnits: 0))
        }
        let indexes = (json["GlobalSecondaryIndexes"]?.arrayValue ?? []).map { index in
            let (indexPartition, indexSort) = keySchema(index["KeySchema"])
            return IndexDescription(
                name: index["IndexName"]?.stringValue ?? "",
                status: ResourceStatus(rawValue: index["IndexStatus"]?.stringValue ?? "ACTIVE"),
                partitionKey: indexPartition, sortKey: indexSort, itemCount: index["ItemCount"]?.intValue,
                provisionedThroughput: throughput(index["ProvisionedThroughput"]),
                isBackfilling: index["Backfilling"]?.boolValue ?? false)
        }
        return TableDescription(
            name: name, arn: json["TableArn"]?.stringValue,
            status: ResourceStatus(rawValue: json["TableStatus"]?.stringValue ?? "ACTIVE"),
            partitionKey: partition, sortKey: sort, itemCount: json["ItemCount"]?.intValue,
            sizeBytes: json["TableSizeBytes"]?.intValue, billingMode: billing, globalSecondaryIndexes: indexes,
            // A disabled stream keeps its LatestStreamArn: only an enabled one counts.
            latestStreamArn: json["StreamSpecification"]?["StreamEnabled"]?.boolValue == true ? json["LatestStreamArn"]?.stringValue : nil,
            streamViewType: json["StreamSpecification"]?["StreamViewType"]?.stringValue.flatMap(StreamViewType.init(rawValue:)))
    }
}
