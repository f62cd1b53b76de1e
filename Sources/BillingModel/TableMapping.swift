/// How one source table becomes items: its columns in source order, its keys,
/// and the templates that build the item's key attributes.
public struct TableMapping: Sendable, Hashable {
    /// Source table name, as sources report it (`CHARGE`).
    public var table: String
    /// The item's `EntityType` (the table name in the billing mapping).
    public var entityType: String
    /// Every column, in the source table's column order (the order of `SourceRow`).
    public var columns: [ColumnSpec]
    /// The source primary key columns.
    public var primaryKey: [String]
    /// Other unique keys of the source table. The PK and SK templates together
    /// must use every column of the primary key or of one of these, so that two
    /// rows never share an item.
    public var uniqueKeys: [[String]]
    public var partitionKey: KeyTemplate
    public var sortKey: KeyTemplate
    /// Secondary index key pairs; a pair is left out of an item when a column
    /// it uses is NULL.
    public var indexKeys: [IndexKeyTemplates]
    /// The column copied to `CreatedAt` (a DATETIME/TIMESTAMP), if any.
    public var createdAtColumn: String?
    /// The column copied to `UpdatedAt` (a DATETIME/TIMESTAMP), if any.
    public var updatedAtColumn: String?
    /// The DATE/DATETIME/TIMESTAMP column whose date places a row in time
    /// (CHARGE's `charge_creation_date`), if any: a backfill's date range
    /// (`load --since/--until`) selects rows by it.
    public var dateColumn: String?
    /// Columns that hold another table's key (CHARGE's `subscriber_no` names a
    /// SUBSCRIBER): `validate` reports an item whose referenced item is missing.
    public var references: [TableReference]

    public init(
        table: String,
        entityType: String? = nil,
        columns: [ColumnSpec],
        primaryKey: [String],
        uniqueKeys: [[String]] = [],
        partitionKey: KeyTemplate,
        sortKey: KeyTemplate,
        indexKeys: [IndexKeyTemplates] = [],
        createdAtColumn: String? = nil,
        updatedAtColumn: String? = nil,
        references: [TableReference] = [],
        dateColumn: String? = nil
    ) {
        self.table = table
        self.entityType = entityType ?? table
        self.columns = columns
        self.primaryKey = primaryKey
        self.uniqueKeys = uniqueKeys
        self.partitionKey = partitionKey
        self.sortKey = sortKey
        self.indexKeys = indexKeys
        self.createdAtColumn = createdAtColumn
        self.updatedAtColumn = updatedAtColumn
        self.references = references
        self.dateColumn = dateColumn
    }

    /// The position of a column in `columns` (and in a `SourceRow`).
    public func columnIndex(_ name: String) -> Int? {
        columns.firstIndex { $0.name == name }
    }

    public func column(_ name: String) -> ColumnSpec? {
        columns.first { $0.name == name }
    }
}

/// A column whose non-NULL values are keys of another table's rows: the
/// referenced table's primary key (or a unique key) is that one column, of the
/// same name.
public struct TableReference: Sendable, Hashable {
    /// The referring column (`subscriber_no`), also the referenced table's key column.
    public var column: String
    /// The referenced table (`SUBSCRIBER`).
    public var table: String

    public init(column: String, table: String) {
        self.column = column
        self.table = table
    }
}

/// The key pair one table writes for one secondary index.
public struct IndexKeyTemplates: Sendable, Hashable {
    /// The index name (`GSI1`).
    public var indexName: String
    /// The index's partition key attribute name (`GSI1PK`).
    public var partitionKeyAttribute: String
    /// The index's sort key attribute name (`GSI1SK`).
    public var sortKeyAttribute: String
    public var partitionKey: KeyTemplate
    public var sortKey: KeyTemplate

    public init(
        indexName: String,
        partitionKeyAttribute: String,
        sortKeyAttribute: String,
        partitionKey: KeyTemplate,
        sortKey: KeyTemplate
    ) {
        self.indexName = indexName
        self.partitionKeyAttribute = partitionKeyAttribute
        self.sortKeyAttribute = sortKeyAttribute
        self.partitionKey = partitionKey
        self.sortKey = sortKey
    }

    /// The key pair for `index`, taking the attribute names from its definition.
    public init(_ index: IndexDefinition, partitionKey: KeyTemplate, sortKey: KeyTemplate) {
        self.init(
            indexName: index.name,
            partitionKeyAttribute: index.partitionKeyAttribute,
            sortKeyAttribute: index.sortKeyAttribute,
            partitionKey: partitionKey,
            sortKey: sortKey)
    }
}
