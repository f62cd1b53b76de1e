import AWSCore
import DynamoDB

/// Creates the single table if it is missing, turns TTL on, and waits for ACTIVE.
/// Idempotent: running it against an existing table only checks and completes it.
public struct TableSetup: Sendable {
    public struct Outcome: Sendable {
        public var created: Bool
        public var ttlEnabledNow: Bool
        public var description: TableDescription
    }

    let client: DynamoDBClient

    public init(client: DynamoDBClient) {
        self.client = client
    }

    public func ensure(
        _ definition: TableDefinition, ttlAttribute: String = "TTL", wait: Bool = true, timeout: Duration = .seconds(600)
    ) async throws -> Outcome {
        var created = false
        do {
            _ = try await client.describeTable(definition.name)
        } catch let error as AWSError where error.isNotFound {
            do {
                _ = try await client.createTable(definition)
                created = true
            } catch let error as AWSError where error.isResourceInUse {
                // Created meanwhile by someone else: fine.
            }
        }
        // TTL can only be changed on an ACTIVE table.
        var description = try await client.waitUntilActive(definition.name, timeout: wait ? timeout : .seconds(0))
        var ttlEnabledNow = false
        let ttl = try await client.describeTimeToLive(definition.name)
        if ttl.status != "ENABLED" && ttl.status != "ENABLING" {
            try await client.updateTimeToLive(definition.name, attributeName: ttlAttribute, enabled: true)
            ttlEnabledNow = true
        }
        if wait {
            description = try await client.waitUntilActive(definition.name, timeout: timeout)
        }
        return Outcome(created: created, ttlEnabledNow: ttlEnabledNow, description: description)
    }
}
