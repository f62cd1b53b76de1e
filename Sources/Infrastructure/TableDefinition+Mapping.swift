import BillingModel
import DynamoDB

extension TableDefinition {
    /// The table a mapping's items need: its key attributes and its indexes (string
    /// keys, projection ALL). `table create` sends it and `infra render` writes it
    /// into the CloudFormation table, both through `DynamoDBClient.createTableBody`.
    public init(mapping: Mapping, name: String, billingMode: BillingMode = .onDemand) {
        self.init(
            name: name,
            partitionKey: mapping.partitionKeyAttribute,
            sortKey: mapping.sortKeyAttribute,
            globalSecondaryIndexes: mapping.indexes.map {
                GlobalSecondaryIndex(name: $0.name, partitionKey: $0.partitionKeyAttribute, sortKey: $0.sortKeyAttribute)
            },
            billingMode: billingMode)
    }
}
