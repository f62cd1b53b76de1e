/// The primary key of an item in a single table with a string partition key `PK`
/// and a string sort key `SK`.
public struct ItemKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var pk: String
    public var sk: String

    public init(pk: String, sk: String) {
        self.pk = pk
        self.sk = sk
    }

    public static let partitionKeyName = "PK"
    public static let sortKeyName = "SK"

    /// The key as the two attributes DynamoDB expects in `Key` parameters.
    public var attributes: Item {
        [Self.partitionKeyName: .s(pk), Self.sortKeyName: .s(sk)]
    }

    /// Reads the key back from an item; nil when either key attribute is missing.
    public init?(item: Item) {
        guard let pk = item[Self.partitionKeyName]?.stringValue,
              let sk = item[Self.sortKeyName]?.stringValue else { return nil }
        self.init(pk: pk, sk: sk)
    }

    public static func < (lhs: ItemKey, rhs: ItemKey) -> Bool {
        (lhs.pk, lhs.sk) < (rhs.pk, rhs.sk)
    }

    public var description: String { "\(pk) | \(sk)" }
}
