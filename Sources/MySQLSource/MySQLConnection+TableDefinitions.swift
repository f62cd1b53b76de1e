import BillingModel

extension MySQLConnection {
    /// The definitions of `tables` of `database` (all its tables when nil) from
    /// `information_schema`, by table name: columns in table order with type,
    /// signedness, nullability, ENUM/SET labels and collation.
    public func tableDefinitions(database: String, tables: Set<String>? = nil) throws(MySQLError) -> [String: SourceTableDefinition] {
        var filter = "c.TABLE_SCHEMA = " + (try quote(database))
        if let tables {
            guard !tables.isEmpty else { return [:] }
            var names: [String] = []
            for table in tables.sorted() { names.append(try quote(table)) }
            filter += " AND c.TABLE_NAME IN (" + names.joined(separator: ", ") + ")"
        }
        let result = try query("""
            SELECT c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE, c.COLUMN_TYPE, c.IS_NULLABLE, co.ID
            FROM information_schema.COLUMNS c
            LEFT JOIN information_schema.COLLATIONS co ON co.COLLATION_NAME = c.COLLATION_NAME
            WHERE \(filter)
            ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION
            """)
        var definitions: [String: SourceTableDefinition] = [:]
        for row in result.rows {
            guard row.count == 6, let table = row[0].text, let name = row[1].text, let dataType = row[2].text,
                let columnType = row[3].text
            else { continue }
            let binaryTypes: Set<String> = ["binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"]
            let collation = binaryTypes.contains(dataType.lowercased()) ? 63 : row[5].text.flatMap { UInt64($0) }
            let column = SourceColumnDefinition(
                name: name, dataType: dataType, columnType: columnType, isNullable: row[4].text == "YES",
                collationID: collation)
            definitions[table, default: SourceTableDefinition(table: table, columns: [])].columns.append(column)
        }
        return definitions
    }
}
