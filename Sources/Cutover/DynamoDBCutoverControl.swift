import BillingModel
import BillingService
import BillingStores
import CutoverCore
import DynamoDB
import DynamoDBModel
import Foundation
import ValidationCore

/// The cutover's control items in the target table: the state (`CONTROL#CUTOVER`,
/// JSON, conditional on `Revision`), the flags and the forward stream's position
/// (through `DynamoDBControlStore`), reverse replication's progress
/// (`CONTROL#REVERSE`) and the last validation run (`VALIDATION#…`).
public struct DynamoDBCutoverControl: CutoverControlStore, ReverseProgressSource, ValidationRunSource {
    let client: DynamoDBClient
    let tableName: String
    let flagsStore: DynamoDBControlStore

    public init(client: DynamoDBClient, tableName: String) {
        self.client = client
        self.tableName = tableName
        self.flagsStore = DynamoDBControlStore(client: client, tableName: tableName)
    }

    enum Attribute {
        static let revision = "Revision"
        static let state = "State"
        static let updatedAt = "UpdatedAt"
        static let caughtUpThrough = "CaughtUpThrough"
        static let lagMilliseconds = "LagMilliseconds"
        static let checkpoints = "Checkpoints"
        static let directive = "Directive"
        static let acknowledgement = "Acknowledgement"
    }

    public func loadCutover() async throws -> CutoverState {
        guard let item = try await client.getItem(tableName, key: DynamoDBControlStore.key(ControlItems.cutoverSortKey), consistentRead: true)
        else { return CutoverState() }
        return try Self.decoded(CutoverState.self, item[Attribute.state], item: ControlItems.cutoverSortKey)
    }

    public func saveCutover(_ state: CutoverState, expectedRevision: Int) async throws {
        var item = DynamoDBControlStore.key(ControlItems.cutoverSortKey)
        item[Attribute.revision] = .n(String(state.revision))
        item[Attribute.state] = .s(try Self.json(state))
        item[Attribute.updatedAt] = .s(Self.now())
        let condition = DynamoDBControlStore.still(Attribute.revision, at: expectedRevision)
        guard try await client.putItem(tableName, item: item, condition: condition).isApplied else {
            let found = (try? await loadCutover().revision) ?? -1
            throw CutoverError.staleState(expected: expectedRevision, found: found)
        }
    }

    public func loadFlags() async throws -> ServiceFlags {
        try await flagsStore.load().flags
    }

    public func updateFlags(_ flags: ServiceFlags, expectedVersion: UInt64) async throws -> ServiceFlags {
        try await flagsStore.update(flags, expectedVersion: expectedVersion)
    }

    public func forwardStreamPosition() async throws -> ReplicationPosition? {
        try await flagsStore.load().replicated
    }

    public func reverseProgress() async throws -> ReverseProgress? {
        guard let item = try await client.getItem(tableName, key: DynamoDBControlStore.key(ControlItems.reverseSortKey), consistentRead: true),
            case .n(let through)? = item[Attribute.caughtUpThrough], let milliseconds = Int64(through)
        else { return nil }
        var lag: Double?
        if case .n(let text)? = item[Attribute.lagMilliseconds] { lag = Double(text) }
        var checkpoints: [String: String] = [:]
        if case .m(let map)? = item[Attribute.checkpoints] {
            for (shard, value) in map { checkpoints[shard] = value.stringValue }
        }
        return ReverseProgress(caughtUpThroughMilliseconds: milliseconds, lagMilliseconds: lag, checkpoints: checkpoints)
    }

    /// The `CONTROL#REVERSE` item for `progress` (what reverse replication publishes).
    public static func reverseProgressItem(_ progress: ReverseProgress) -> Item {
        var item = DynamoDBControlStore.key(ControlItems.reverseSortKey)
        item[Attribute.caughtUpThrough] = .n(String(progress.caughtUpThroughMilliseconds))
        if let lag = progress.lagMilliseconds { item[Attribute.lagMilliseconds] = .n(String(lag)) }
        item[Attribute.checkpoints] = .m(progress.checkpoints.mapValues { .s($0) })
        item[Attribute.updatedAt] = .s(Self.now())
        return item
    }

    /// The newest `VALIDATION#{run}` item, by its end time.
    public func lastValidation() async throws -> CutoverObservations.Validation? {
        let items = try await client.queryAll(
            QueryInput(
                tableName: tableName, keyCondition: "#pk = :pk AND begins_with(#sk, :prefix)",
                names: ["#pk": ItemKey.partitionKeyName, "#sk": ItemKey.sortKeyName],
                values: [":pk": .s(TrackingItem.partitionKey), ":prefix": .s(ValidationRunRecord.sortKeyPrefix)], consistentRead: true))
        let runs = items.compactMap { item -> (end: String, run: CutoverObservations.Validation)? in
            guard let end = item[ValidationRunRecord.Attribute.endTime]?.stringValue,
                let milliseconds = DateTimeText.epochMilliseconds(fromISO8601: end)
            else { return nil }
            var unsettled = 0
            if case .n(let text)? = item[ValidationRunRecord.Attribute.unsettled] { unsettled = Int(text) ?? 0 }
            let passed = item[ValidationRunRecord.Attribute.status]?.stringValue == "PASSED"
            return (end, .init(passed: passed, finishedAt: Double(milliseconds) / 1000, unsettled: unsettled))
        }
        return runs.max { $0.run.finishedAt < $1.run.finishedAt }?.run
    }
}

/// The last validation run's result, for the recent-validation gate.
public protocol ValidationRunSource: Sendable {
    func lastValidation() async throws -> CutoverObservations.Validation?
}
