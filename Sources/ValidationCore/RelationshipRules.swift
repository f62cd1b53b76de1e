import BillingModel

/// Which items need which other items in the table (CONTRACT §2's
/// relationships): every child of an account under its account item, and every
/// service agreement and subscriber charge pointing at an existing subscriber.
///
/// For any mapping the partition rules come from the mapping itself
/// (`of(_:)`): a table whose primary key is exactly the columns of its
/// partition-key template has one item per partition, and is the parent of
/// every other table with the same template. References between tables are
/// declared in the mapping (`references`: CHARGE's `subscriber_no` names a
/// SUBSCRIBER, which may live in another partition). Billing's rules are that
/// derivation of billing's mapping.
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
    /// Further partition parents beyond `accountEntity`: child entity -> the
    /// entity whose item the child's partition must hold.
    public var partitionParents: [String: String] = [:]

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

    /// The entity whose item a partition holding an item of `entity` must hold, if any.
    public func parent(of entity: String) -> String? {
        accountChildren.contains(entity) ? accountEntity : partitionParents[entity]
    }

    /// The partition rules a mapping implies: each table whose primary key is
    /// the set of its partition-key columns is the parent of the other tables
    /// with the same partition-key template. The first such group (in the
    /// mapping's order) fills `accountEntity`/`accountChildren`, the rest
    /// `partitionParents`; the declared references fill the `subscriber` fields.
    public static func of(_ mapping: Mapping) -> RelationshipRules {
        var rules = RelationshipRules.none
        for parent in mapping.tables {
            let columns = parent.partitionKey.columnNames
            guard !columns.isEmpty, Set(columns) == Set(parent.primaryKey), columns.count == parent.primaryKey.count
            else { continue }
            // A table already in a group (as parent or child) starts none and joins none.
            func grouped(_ table: String) -> Bool {
                table == rules.accountEntity || rules.parent(of: table) != nil
                    || rules.partitionParents.values.contains(table)
            }
            guard !grouped(parent.table) else { continue }
            let children = mapping.tables.filter {
                $0.table != parent.table && $0.partitionKey == parent.partitionKey && !grouped($0.table)
            }
            guard !children.isEmpty else { continue }
            if rules.accountEntity.isEmpty {
                rules.accountEntity = parent.table
                rules.accountChildren = Set(children.map(\.table))
            } else {
                for child in children { rules.partitionParents[child.table] = parent.table }
            }
        }
        // The declared references (a valid mapping names one referenced table).
        for table in mapping.tables {
            for reference in table.references {
                rules.subscriberEntity = reference.table
                rules.subscriberColumn = reference.column
                rules.subscriberChildren.insert(table.table)
            }
        }
        return rules
    }

    /// No relationships (a mapping of another schema).
    public static let none = RelationshipRules(
        accountEntity: "", accountChildren: [], subscriberEntity: "", subscriberColumn: "", subscriberChildren: [])
}
