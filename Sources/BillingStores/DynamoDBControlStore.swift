import BillingModel
import BillingService
import DynamoDB
import DynamoDBModel

/// The flags as the `CONTROL#FLAGS` item of the target table, changed only by
/// a PutItem conditional on `FlagsVersion`; the stream's position as the
/// `CONTROL#STREAM` item (`ControlItems`).
public struct DynamoDBControlStore: ControlStore {
    let client: DynamoDBClient
    let tableName: String

    public init(client: DynamoDBClient, tableName: String) {
        self.client = client
        self.tableName = tableName
    }

    /// The condition of a control item's optimistic write: its counter `attribute`
    /// is still `expected`, and 0 means the item is not there yet.
    public static func still(_ attribute: String, at expected: some BinaryInteger) -> DynamoDB.Expression {
        expected == 0
            ? DynamoDB.Expression("attribute_not_exists(#pk)", names: ["#pk": ItemKey.partitionKeyName])
            : DynamoDB.Expression("#counter = :expected", names: ["#counter": attribute], values: [":expected": .n(String(expected))])
    }

    /// The key of a control item (`ControlItems`).
    public static func key(_ sortKey: String) -> Item {
        [ItemKey.partitionKeyName: .s(ControlItems.partitionKey), ItemKey.sortKeyName: .s(sortKey)]
    }

    public func load() async throws -> ControlState {
        async let flagsItem = client.getItem(tableName, key: Self.key(ControlItems.flagsSortKey), consistentRead: true)
        async let streamItem = client.getItem(tableName, key: Self.key(ControlItems.streamSortKey), consistentRead: true)
        let flags = try await flagsItem.map(Self.flags(from:)) ?? ServiceFlags()
        let position = try await streamItem?["Position"]?.stringValue.map(ReplicationPosition.init(orderingKey:))
        return ControlState(flags: flags, replicated: position)
    }

    public func update(_ flags: ServiceFlags, expectedVersion: UInt64) async throws -> ServiceFlags {
        var next = try flags.validated()
        next.version = expectedVersion + 1
        var item = Self.key(ControlItems.flagsSortKey)
        item["FlagsVersion"] = .n(String(next.version))
        item["ReadMode"] = .s(next.readMode.rawValue)
        item["WritePrimary"] = .s(next.writePrimary.rawValue)
        item["ShadowSample"] = .n(String(next.shadowSample))
        item["Epoch"] = .n(String(next.epoch))
        let outcome = try await client.putItem(tableName, item: item, condition: Self.still("FlagsVersion", at: expectedVersion))
        guard outcome.isApplied else {
            throw StoreError(.conflict, "the flags changed (not at version \(expectedVersion) any more); show them and set again")
        }
        return next
    }

    static func flags(from item: Item) throws -> ServiceFlags {
        func number(_ name: String) -> String? {
            if case .n(let text)? = item[name] { return text }
            return nil
        }
        guard let version = number("FlagsVersion").flatMap(UInt64.init),
            let readMode = item["ReadMode"]?.stringValue.flatMap(ReadMode.init(rawValue:)),
            let writePrimary = item["WritePrimary"]?.stringValue.flatMap(WritePrimary.init(rawValue:))
        else {
            throw StoreError(.unavailable, "the flags item \(ControlItems.flagsSortKey) is unreadable; set the flags again with `billmig flags set`")
        }
        return ServiceFlags(
            version: version, readMode: readMode, writePrimary: writePrimary,
            shadowSample: number("ShadowSample").flatMap(Double.init) ?? 1, epoch: number("Epoch").flatMap(UInt32.init) ?? 0)
    }
}
