extension DynamoDBClient {
    /// Every DynamoDB operation this client can send: `call` takes nothing else, so
    /// this list is what an IAM policy for the client's users has to allow
    /// (`billmig infra actions`, checked against infra/iam.yaml).
    public enum Operation: String, Sendable, CaseIterable {
        case batchWriteItem = "BatchWriteItem"
        case createTable = "CreateTable"
        case deleteItem = "DeleteItem"
        case deleteTable = "DeleteTable"
        case describeTable = "DescribeTable"
        case describeTimeToLive = "DescribeTimeToLive"
        case getItem = "GetItem"
        case listTables = "ListTables"
        case putItem = "PutItem"
        case query = "Query"
        case scan = "Scan"
        case transactWriteItems = "TransactWriteItems"
        case updateTable = "UpdateTable"
        case updateTimeToLive = "UpdateTimeToLive"

        /// The IAM action that allows it.
        public var iamAction: String { "dynamodb:\(rawValue)" }
    }
}
