/// One source column: its name, SQL type, nullability, and how it appears in items.
public struct ColumnSpec: Sendable, Hashable {
    /// The source column name (`credit_limit`).
    public var name: String
    public var type: ColumnType
    /// False for `NOT NULL` columns: a NULL there is a mapping error (it usually
    /// means the row's values are misaligned), and readers of formats that cannot
    /// tell NULL from an empty string (DMS CSV) read an empty field as `""`.
    public var isNullable: Bool
    /// The item attribute name; the column name unless the mapping renames it.
    public var attributeName: String
    /// An excluded column is still checked (and may feed key templates) but is
    /// not written as an attribute. Columns used by the PK or SK template cannot
    /// be excluded, so that an item alone still gives back its key.
    public var isExcluded: Bool

    public init(
        _ name: String,
        _ type: ColumnType,
        nullable: Bool = false,
        attributeName: String? = nil,
        excluded: Bool = false
    ) {
        self.name = name
        self.type = type
        self.isNullable = nullable
        self.attributeName = attributeName ?? name
        self.isExcluded = excluded
    }
}
