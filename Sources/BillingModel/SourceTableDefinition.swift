/// A source table's columns as the source's own catalog describes them
/// (`information_schema.COLUMNS`): what a binlog row is decoded with. The
/// binlog's TABLE_MAP carries only wire types unless `binlog_row_metadata` is
/// raised, so names, signedness, ENUM/SET labels and character sets come from here.
public struct SourceTableDefinition: Sendable, Codable, Hashable {
    /// The table name as the source spells it.
    public var table: String
    /// The columns in table order (`ORDINAL_POSITION`).
    public var columns: [SourceColumnDefinition]

    public init(table: String, columns: [SourceColumnDefinition]) {
        self.table = table
        self.columns = columns
    }

    /// The index of the column `name` (case-insensitive, as MySQL compares column names).
    public func columnIndex(named name: String) -> Int? {
        columns.firstIndex { $0.name.caseInsensitiveCompare(name) }
    }
}

/// One column of a `SourceTableDefinition`.
public struct SourceColumnDefinition: Sendable, Codable, Hashable {
    public var name: String
    /// `DATA_TYPE`, lower case: `int`, `decimal`, `varchar`, `enum`.
    public var dataType: String
    /// `COLUMN_TYPE`, lower case: `int(10) unsigned`, `decimal(12,4)`, `enum('a','b')`.
    public var columnType: String
    public var isNullable: Bool
    /// The collation id of a character column (63 for binary strings); nil for other types.
    public var collationID: UInt64?

    public init(name: String, dataType: String, columnType: String, isNullable: Bool, collationID: UInt64? = nil) {
        self.name = name
        self.dataType = dataType.lowercased()
        self.columnType = columnType.lowercased()
        self.isNullable = isNullable
        self.collationID = collationID
    }

    /// True for numeric columns declared `UNSIGNED`.
    public var isUnsigned: Bool {
        columnType.split(separator: " ").contains("unsigned")
    }

    /// The labels of an ENUM or SET column, in declaration order; nil for other types.
    /// Read from `COLUMN_TYPE` (`enum('a','it''s')`), where a quote inside a label is doubled.
    public var labels: [String]? {
        guard dataType == "enum" || dataType == "set" else { return nil }
        return Self.quotedLabels(in: columnType)
    }

    static func quotedLabels(in columnType: String) -> [String] {
        var labels: [String] = []
        var current = ""
        var inside = false
        var characters = columnType.makeIterator()
        var pending = characters.next()
        while let character = pending {
            pending = characters.next()
            if !inside {
                if character == "'" { inside = true; current = "" }
                continue
            }
            if character == "'" {
                if pending == "'" {
                    current.append("'")
                    pending = characters.next()
                } else {
                    inside = false
                    labels.append(current)
                }
            } else if character == "\\", let escaped = pending {
                current.append(escaped)
                pending = characters.next()
            } else {
                current.append(character)
            }
        }
        return labels
    }
}

extension String {
    fileprivate func caseInsensitiveCompare(_ other: String) -> Bool {
        lowercased() == other.lowercased()
    }
}
