import BillingModel

extension BinlogTableMap {
    /// The map completed from the table's definition read from the source:
    /// names, signedness, ENUM/SET labels and character sets, which the TABLE_MAP
    /// carries only when `binlog_row_metadata` is raised. What the TABLE_MAP does
    /// carry (column count and wire types always; names, signedness and labels
    /// with FULL metadata) is checked against the definition, so a table altered
    /// since the definition was read stops the stream instead of being misread.
    public func described(by definition: SourceTableDefinition) throws(BinlogDecodingError) -> BinlogTableMap {
        guard definition.columns.count == columns.count else {
            throw .definitionMismatch(
                table: qualifiedName,
                reason: "the binlog has \(columns.count) columns, the definition read from the source \(definition.columns.count)")
        }
        var described = self
        for (index, source) in definition.columns.enumerated() {
            var column = columns[index]
            func mismatch(_ what: String, _ logged: String, _ read: String) -> BinlogDecodingError {
                .definitionMismatch(
                    table: qualifiedName,
                    reason: "column \(index + 1) (\(source.name)): the binlog says \(what) \(logged), the source's definition \(read)")
            }
            if let expected = Self.realTypes(of: source.dataType), !expected.contains(column.realType) {
                throw mismatch("type", column.realType.description, source.columnType)
            }
            if let logged = column.name, logged.lowercased() != source.name.lowercased() {
                throw mismatch("name", logged, source.name)
            }
            column.name = source.name
            if column.realType.isNumeric {
                if let logged = column.isUnsigned, logged != source.isUnsigned {
                    throw mismatch("unsigned", String(logged), source.columnType)
                }
                column.isUnsigned = source.isUnsigned
            }
            if let labels = source.labels {
                if let logged = column.labels, logged != labels {
                    throw mismatch("labels", logged.joined(separator: ","), source.columnType)
                }
                column.labels = labels
            }
            if column.collation == nil, let collation = source.collationID {
                column.collation = collation
            }
            described.columns[index] = column
        }
        return described
    }

    /// The real types a column of `dataType` (information_schema spelling) is logged as;
    /// nil for types not checked (a server's own extensions).
    static func realTypes(of dataType: String) -> Set<BinlogColumnType>? {
        switch dataType {
        case "tinyint", "bool", "boolean": [.tiny]
        case "smallint": [.short]
        case "mediumint": [.int24]
        case "int", "integer": [.long]
        case "bigint": [.longLong]
        case "decimal", "numeric": [.newDecimal, .decimal]
        case "float": [.float]
        case "double", "real": [.double]
        case "year": [.year]
        case "bit": [.bit]
        case "date": [.date, .newDate]
        case "datetime": [.datetime2, .datetime]
        case "timestamp": [.timestamp2, .timestamp]
        case "time": [.time2, .time]
        case "varchar", "varbinary": [.varchar, .varString]
        case "char", "binary": [.string]
        case "enum": [.enum]
        case "set": [.set]
        case "tinytext", "text", "mediumtext", "longtext", "tinyblob", "blob", "mediumblob", "longblob": [.blob]
        case "json": [.blob, .json]
        case "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon",
            "geometrycollection": [.geometry]
        default: nil
        }
    }
}
