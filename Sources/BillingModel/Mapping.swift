import DynamoDBModel

/// The whole source-to-target mapping as data: the source schema's tables and
/// how each becomes items in one DynamoDB table.
///
/// `Mapping.billing` is the built-in mapping of the contract; a mapping file
/// (`MappingFile`) describes others. `validate()` checks that a mapping can
/// only ever produce unambiguous items; `ItemMapper` compiles it for speed.
public struct Mapping: Sendable, Hashable {
    /// The source database (schema) name; DMS puts it in the S3 layout
    /// `{bucketFolder}/{schema}/{TABLE}/...`.
    public var sourceSchema: String
    public var tables: [TableMapping]
    /// The target table's partition key attribute name (`PK`).
    public var partitionKeyAttribute: String
    /// The target table's sort key attribute name (`SK`).
    public var sortKeyAttribute: String
    /// The target table's global secondary indexes.
    public var indexes: [IndexDefinition]

    public init(
        sourceSchema: String = "billing",
        tables: [TableMapping],
        partitionKeyAttribute: String = ItemKey.partitionKeyName,
        sortKeyAttribute: String = ItemKey.sortKeyName,
        indexes: [IndexDefinition]
    ) {
        self.sourceSchema = sourceSchema
        self.tables = tables
        self.partitionKeyAttribute = partitionKeyAttribute
        self.sortKeyAttribute = sortKeyAttribute
        self.indexes = indexes
    }

    /// The table mapping for a source table name (exact match).
    public func table(_ name: String) -> TableMapping? {
        tables.first { $0.table == name }
    }

    /// The table mapping whose items carry `entityType`.
    public func table(entityType: String) -> TableMapping? {
        tables.first { $0.entityType == entityType }
    }

    /// Attribute names the migration itself writes; no column attribute may use one.
    public var reservedAttributeNames: Set<String> {
        var names: Set<String> = [partitionKeyAttribute, sortKeyAttribute]
        for index in indexes {
            names.insert(index.partitionKeyAttribute)
            names.insert(index.sortKeyAttribute)
        }
        names.formUnion(MigrationAttribute.allNames)
        return names
    }
}

/// A global secondary index of the target table: string partition and sort
/// keys, projection ALL.
public struct IndexDefinition: Sendable, Hashable {
    public var name: String
    public var partitionKeyAttribute: String
    public var sortKeyAttribute: String

    public init(name: String, partitionKeyAttribute: String, sortKeyAttribute: String) {
        self.name = name
        self.partitionKeyAttribute = partitionKeyAttribute
        self.sortKeyAttribute = sortKeyAttribute
    }
}

/// Attributes the migration adds to items, besides the key attributes. They
/// are fixed by the contract and never collide with a column attribute
/// (`Mapping.validate()` enforces that).
public enum MigrationAttribute {
    /// S: the source table name of a row item.
    public static let entityType = "EntityType"
    /// S: the row's creation time, ISO-8601 UTC (from `createdAtColumn`).
    public static let createdAt = "CreatedAt"
    /// S: the row's last update time, ISO-8601 UTC (from `updatedAtColumn`).
    public static let updatedAt = "UpdatedAt"
    /// S: `SourcePosition.orderingKey` of the change that wrote the item, on
    /// every row item and tombstone. Conditional writes compare it.
    public static let sourceVersion = "SourceVersion"
    /// BOOL true on a tombstone.
    public static let deleted = "Deleted"
    /// N: expiry in epoch seconds (tombstones and tracking items).
    public static let ttl = "TTL"

    public static let allNames: Set<String> = [entityType, createdAt, updatedAt, sourceVersion, deleted, ttl]
}
