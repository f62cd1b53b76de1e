import DynamoDB
import MigrationCore

extension AdaptiveRateController.Configuration {
    /// The throttle for writing to `table`: `ceiling` (`--max-wcu`) and, when the
    /// table is provisioned, its capacity as the first rate, so writing starts at
    /// the capacity instead of bursting into it. A table that does not answer within
    /// `patience` starts unlimited: the writes report an outage themselves, and a
    /// command must not sit silent while a connection to nowhere is retried.
    public static func writing(
        to table: String, ceiling: Double?, client: DynamoDBClient, patience: Duration = .seconds(2)
    ) async -> Self {
        var configuration = Self(ceiling: ceiling)
        let capacity = await withTaskGroup(of: Int?.self) { group in
            group.addTask { try? await client.describeTable(table).provisionedWriteCapacity }
            group.addTask {
                try? await Task.sleep(for: patience)
                return nil
            }
            defer { group.cancelAll() }
            return await group.next() ?? nil
        }
        configuration.knownCapacity = capacity.map(Double.init)
        return configuration
    }
}
