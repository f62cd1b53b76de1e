import DynamoDB
import MigrationCore

extension AdaptiveRateController.Configuration {
    /// The throttle for writing to `table`: `ceiling` (`--max-wcu`) and, when the
    /// table is provisioned, its capacity as the first rate, so writing starts at
    /// the capacity instead of bursting into it. A table that cannot be described
    /// now starts unlimited; the writes report an outage themselves.
    public static func writing(to table: String, ceiling: Double?, client: DynamoDBClient) async -> Self {
        var configuration = Self(ceiling: ceiling)
        if let capacity = try? await client.describeTable(table).provisionedWriteCapacity {
            configuration.knownCapacity = Double(capacity)
        }
        return configuration
    }
}
