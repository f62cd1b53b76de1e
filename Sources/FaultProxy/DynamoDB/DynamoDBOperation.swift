import NIOHTTP1

/// A DynamoDB API operation, as named by a request's `X-Amz-Target` header.
enum DynamoDBOperation: Hashable {
    case batchWriteItem, putItem, deleteItem, updateItem
    case getItem, batchGetItem, query, scan
    case createTable, describeTable, deleteTable, listTables, updateTable
    case updateTimeToLive, describeTimeToLive
    case transactWriteItems
    case other(String)

    static let targetPrefix = "DynamoDB_20120810."

    init(name: String) {
        switch name {
        case "BatchWriteItem": self = .batchWriteItem
        case "PutItem": self = .putItem
        case "DeleteItem": self = .deleteItem
        case "UpdateItem": self = .updateItem
        case "GetItem": self = .getItem
        case "BatchGetItem": self = .batchGetItem
        case "Query": self = .query
        case "Scan": self = .scan
        case "CreateTable": self = .createTable
        case "DescribeTable": self = .describeTable
        case "DeleteTable": self = .deleteTable
        case "ListTables": self = .listTables
        case "UpdateTable": self = .updateTable
        case "UpdateTimeToLive": self = .updateTimeToLive
        case "DescribeTimeToLive": self = .describeTimeToLive
        case "TransactWriteItems": self = .transactWriteItems
        default: self = .other(name)
        }
    }

    var name: String {
        switch self {
        case .batchWriteItem: "BatchWriteItem"
        case .putItem: "PutItem"
        case .deleteItem: "DeleteItem"
        case .updateItem: "UpdateItem"
        case .getItem: "GetItem"
        case .batchGetItem: "BatchGetItem"
        case .query: "Query"
        case .scan: "Scan"
        case .createTable: "CreateTable"
        case .describeTable: "DescribeTable"
        case .deleteTable: "DeleteTable"
        case .listTables: "ListTables"
        case .updateTable: "UpdateTable"
        case .updateTimeToLive: "UpdateTimeToLive"
        case .describeTimeToLive: "DescribeTimeToLive"
        case .transactWriteItems: "TransactWriteItems"
        case .other(let name): name
        }
    }

    /// Single-item writes: charged capacity per request.
    var isSingleItemWrite: Bool {
        switch self {
        case .putItem, .deleteItem, .updateItem: true
        default: false
        }
    }
}

/// What a data-plane request is for: DynamoDB or DynamoDB Streams (identified by
/// `X-Amz-Target`) or, failing that, S3 (the only other service billmig talks to through
/// the proxy).
enum ServiceRequest: Equatable {
    case dynamoDB(DynamoDBOperation)
    /// A DynamoDB Streams operation, by name (`GetRecords`, ...).
    case dynamoDBStreams(String)
    case s3

    static let streamsTargetPrefix = "DynamoDBStreams_20120810."

    init(headers: HTTPHeaders) {
        if let target = headers.first(name: "x-amz-target") {
            if target.hasPrefix(DynamoDBOperation.targetPrefix) {
                self = .dynamoDB(DynamoDBOperation(name: String(target.dropFirst(DynamoDBOperation.targetPrefix.count))))
                return
            }
            if target.hasPrefix(Self.streamsTargetPrefix) {
                self = .dynamoDBStreams(String(target.dropFirst(Self.streamsTargetPrefix.count)))
                return
            }
        }
        self = .s3
    }

    /// The key stats count requests under.
    var statsName: String {
        switch self {
        case .dynamoDB(let operation): operation.name
        case .dynamoDBStreams(let operation): "Streams.\(operation)"
        case .s3: "S3"
        }
    }
}
