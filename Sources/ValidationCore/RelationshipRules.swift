/// Which items need which other items in the table (CONTRACT §2's
/// relationships): every child of an account under its account item, and every
/// service agreement and subscriber charge pointing at an existing subscriber.
public struct RelationshipRules: Sendable, Hashable {
    /// The entity whose item every child's partition must hold (`BILLING_ACCOUNT`).
    public var accountEntity: String
    /// Entities that live under an account item (same partition key).
    public var accountChildren: Set<String>
    /// The entity other items point at by a column (`SUBSCRIBER`).
    public var subscriberEntity: String
    /// The column (and attribute) holding the reference (`subscriber_no`); a
    /// NULL (absent) reference is no reference (an account-level charge).
    public var subscriberColumn: String
    /// Entities that point at a subscriber.
    public var subscriberChildren: Set<String>

    public init(
        accountEntity: String, accountChildren: Set<String>, subscriberEntity: String, subscriberColumn: String,
        subscriberChildren: Set<String>
    ) {
        self.accountEntity = accountEntity
        self.accountChildren = accountChildren
        self.subscriberEntity = subscriberEntity
        self.subscriberColumn = subscriberColumn
        self.subscriberChildren = subscriberChildren
    }

    /// The billing schema's relationships.
    public static let billing = RelationshipRules(
        accountEntity: "BILLING_ACCOUNT",
        accountChildren: ["CUSTOMER", "SUBSCRIBER", "SERVICE_AGREEMENT", "BILL", "CHARGE"],
        subscriberEntity: "SUBSCRIBER",
        subscriberColumn: "subscriber_no",
        subscriberChildren: ["SERVICE_AGREEMENT", "CHARGE"])

    /// No relationships (a mapping of another schema).
    public static let none = RelationshipRules(
        accountEntity: "", accountChildren: [], subscriberEntity: "", subscriberColumn: "", subscriberChildren: [])
}
