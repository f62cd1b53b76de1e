import BillingModel
import DynamoDBModel

/// One of the six access patterns of CONTRACT §3, with typed arguments.
/// Date ranges are inclusive on both ends, as SQL's BETWEEN.
public enum BillingQuery: Sendable, Hashable {
    /// 1. Everything for a billing account.
    case account(ban: UInt64)
    /// 2. One entity of an account, by its item sort key (`ACCOUNT`, `CUSTOMER`, `SUB#…`, `BILL#…`).
    case accountEntity(ban: UInt64, sortKey: String)
    /// 3. A subscriber with its service agreements.
    case subscriber(subscriberNo: String)
    /// 4. A subscriber's charges created between two dates.
    case subscriberCharges(subscriberNo: String, from: BillingDate, to: BillingDate)
    /// 5. Bills of a cycle whose cycle closed between two dates.
    case cycleBills(cycleCode: String, from: BillingDate, to: BillingDate)
    /// 6. Charges of a feature code created between two dates.
    case featureCharges(featureCode: String, from: BillingDate, to: BillingDate)

    /// The key queries of the one mapping; both stores answer exactly these.
    public var accessPattern: AccessPattern {
        switch self {
        case .account(let ban): .account(ban: ban)
        case .accountEntity(let ban, let sortKey): .accountEntity(ban: ban, sortKey: sortKey)
        case .subscriber(let number): .subscriber(subscriberNo: number)
        case .subscriberCharges(let number, let from, let to):
            .subscriberCharges(subscriberNo: number, from: from.text, to: to.text)
        case .cycleBills(let cycle, let from, let to): .cycleBills(cycleCode: cycle, from: from.text, to: to.text)
        case .featureCharges(let feature, let from, let to):
            .featureCharges(featureCode: feature, from: from.text, to: to.text)
        }
    }

    /// A short, stable name for metrics and logs.
    public var patternName: String {
        switch self {
        case .account: "account"
        case .accountEntity: "account_entity"
        case .subscriber: "subscriber"
        case .subscriberCharges: "subscriber_charges"
        case .cycleBills: "cycle_bills"
        case .featureCharges: "feature_charges"
        }
    }

    /// The partition keys (base table or index) the query reads: a write that
    /// touched an item under one of them makes the query's answer change.
    public var partitionKeys: [String] { accessPattern.queries.map(\.partitionKey) }

    /// Which index's sort key orders the answer (nil: the base table's SK).
    var orderingIndex: KeyQuery.Target { accessPattern.queries[0].table }
}

/// Where a record sits in a query's answer: the index sort key (for index
/// queries), then PK, then SK, compared as UTF-8 bytes. Both stores order
/// every answer this way, so pages are the same from either (DynamoDB itself
/// leaves the order of equal index sort keys unspecified).
public struct PagePosition: Sendable, Hashable, Comparable, Codable {
    public var indexSortKey: String?
    public var pk: String
    public var sk: String

    public init(indexSortKey: String?, pk: String, sk: String) {
        self.indexSortKey = indexSortKey
        self.pk = pk
        self.sk = sk
    }

    /// The position of an item (as the mapping builds it) in a query on `target`.
    public init?(item: Item, target: KeyQuery.Target) {
        guard let pk = item[ItemKey.partitionKeyName]?.stringValue, let sk = item[ItemKey.sortKeyName]?.stringValue
        else { return nil }
        if target.indexName == nil {
            self.init(indexSortKey: nil, pk: pk, sk: sk)
        } else {
            guard let indexSortKey = item[target.sortKeyAttribute]?.stringValue else { return nil }
            self.init(indexSortKey: indexSortKey, pk: pk, sk: sk)
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        let left = [lhs.indexSortKey ?? "", lhs.pk, lhs.sk]
        let right = [rhs.indexSortKey ?? "", rhs.pk, rhs.sk]
        for (a, b) in zip(left, right) where a != b {
            return a.utf8.lexicographicallyPrecedes(b.utf8)
        }
        return false
    }
}

/// A record with its position in the answer.
public struct PositionedRecord: Sendable, Hashable {
    public var position: PagePosition
    public var record: BillingRecord

    public init(position: PagePosition, record: BillingRecord) {
        self.position = position
        self.record = record
    }
}

/// One page as a store answers it: at most `limit` records, and the position
/// after which the next page starts (nil on the last page).
public struct StorePage: Sendable, Hashable {
    public var records: [PositionedRecord]
    public var next: PagePosition?

    public init(records: [PositionedRecord], next: PagePosition?) {
        self.records = records
        self.next = next
    }

    /// The first `limit` of records already sorted and after the cursor, one more telling there is a next page.
    public static func cut(_ sorted: [PositionedRecord], limit: Int) -> StorePage {
        if sorted.count > limit {
            let page = Array(sorted.prefix(limit))
            return StorePage(records: page, next: page.last?.position)
        }
        return StorePage(records: sorted, next: nil)
    }
}
