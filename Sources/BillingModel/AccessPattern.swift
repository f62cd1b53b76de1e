/// The six access patterns of the contract (§3) as key queries: what to ask
/// DynamoDB, independent of how the request is sent. Every range is a key
/// condition, never a filter, so a query reads only what it returns.
public enum AccessPattern: Sendable, Hashable {
    /// 1. Everything for a billing account.
    case account(ban: UInt64)
    /// 2. One entity of an account (`ACCOUNT`, `CUSTOMER`, `SUB#…`, `BILL#…`, …).
    case accountEntity(ban: UInt64, sortKey: String)
    /// 3. A subscriber with its service agreements.
    case subscriber(subscriberNo: String)
    /// 4. A subscriber's charges created between two dates (inclusive).
    case subscriberCharges(subscriberNo: String, from: String, to: String)
    /// 5. Bills of a cycle whose cycle closed between two dates (inclusive).
    case cycleBills(cycleCode: String, from: String, to: String)
    /// 6. Charges of a feature code created between two dates (inclusive).
    case featureCharges(featureCode: String, from: String, to: String)

    /// The key queries that answer the pattern; their results together are the answer.
    /// Pattern 3 needs two (a key condition has no OR): the subscriber item, then
    /// its service agreements.
    public var queries: [KeyQuery] {
        switch self {
        case .account(let ban):
            return [KeyQuery(table: .base, partitionKey: "BAN#\(ban)", excludeTombstones: true)]
        case .accountEntity(let ban, let sortKey):
            return [KeyQuery(table: .base, partitionKey: "BAN#\(ban)", sortKey: .equals(sortKey), excludeTombstones: true)]
        case .subscriber(let number):
            return [
                KeyQuery(table: .gsi1, partitionKey: "SUB#\(number)", sortKey: .equals("ACCOUNT")),
                KeyQuery(table: .gsi1, partitionKey: "SUB#\(number)", sortKey: .beginsWith("SA#")),
            ]
        case .subscriberCharges(let number, let from, let to):
            return [KeyQuery(table: .gsi1, partitionKey: "SUB#\(number)", sortKey: .between("CHARGE#\(from)", "CHARGE#\(to)"))]
        case .cycleBills(let cycle, let from, let to):
            return [KeyQuery(table: .gsi2, partitionKey: "BILL#\(cycle)", sortKey: .between(from, to))]
        case .featureCharges(let feature, let from, let to):
            return [KeyQuery(table: .gsi2, partitionKey: "CHARGE#\(feature)", sortKey: .between(from, to))]
        }
    }
}

/// One DynamoDB Query by key: a partition key value and an optional sort key condition.
public struct KeyQuery: Sendable, Hashable {
    /// The base table or one of its indexes, with its key attribute names.
    public struct Target: Sendable, Hashable {
        public var indexName: String?
        public var partitionKeyAttribute: String
        public var sortKeyAttribute: String

        public static let base = Target(indexName: nil, partitionKeyAttribute: "PK", sortKeyAttribute: "SK")
        public static let gsi1 = Target(indexName: "GSI1", partitionKeyAttribute: "GSI1PK", sortKeyAttribute: "GSI1SK")
        public static let gsi2 = Target(indexName: "GSI2", partitionKeyAttribute: "GSI2PK", sortKeyAttribute: "GSI2SK")
    }

    public enum SortKeyCondition: Sendable, Hashable {
        case equals(String)
        case beginsWith(String)
        /// Inclusive on both ends, as SQL's BETWEEN.
        case between(String, String)
    }

    public var table: Target
    public var partitionKey: String
    public var sortKey: SortKeyCondition?
    /// Base-table reads may meet tombstones (indexes never do: tombstones have
    /// no index keys); they are filtered out.
    public var excludeTombstones: Bool

    public init(table: Target, partitionKey: String, sortKey: SortKeyCondition? = nil, excludeTombstones: Bool = false) {
        self.table = table
        self.partitionKey = partitionKey
        self.sortKey = sortKey
        self.excludeTombstones = excludeTombstones
    }

    /// The request's expression parts, with placeholders for names and values.
    public var keyConditionExpression: String {
        switch sortKey {
        case nil: return "#pk = :pk"
        case .equals?: return "#pk = :pk AND #sk = :sk"
        case .beginsWith?: return "#pk = :pk AND begins_with(#sk, :sk)"
        case .between?: return "#pk = :pk AND #sk BETWEEN :from AND :to"
        }
    }

    public var filterExpression: String? {
        excludeTombstones ? "attribute_not_exists(#deleted)" : nil
    }

    public var expressionAttributeNames: [String: String] {
        var names = ["#pk": table.partitionKeyAttribute]
        if sortKey != nil { names["#sk"] = table.sortKeyAttribute }
        if excludeTombstones { names["#deleted"] = MigrationAttribute.deleted }
        return names
    }

    public var expressionAttributeValues: [String: String] {
        var values = [":pk": partitionKey]
        switch sortKey {
        case nil: break
        case .equals(let value)?, .beginsWith(let value)?: values[":sk"] = value
        case .between(let from, let to)?:
            values[":from"] = from
            values[":to"] = to
        }
        return values
    }
}
