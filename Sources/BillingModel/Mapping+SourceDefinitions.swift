extension Mapping {
    /// How the mapping differs from the source's tables, one line per difference
    /// (empty when they agree): a missing table or column, a column out of
    /// order, a type or nullability the source does not have. A command that
    /// reads the source refuses to run on any of them, because rows would be
    /// misread or refused further on.
    public func differences(from definitions: [String: SourceTableDefinition]) -> [String] {
        tables.flatMap { table -> [String] in
            guard let definition = definitions[table.table] else {
                return ["\(table.table): the source has no such table in \(sourceSchema)"]
            }
            return table.differences(from: definition)
        }
    }
}

extension TableMapping {
    /// How this table's columns differ from `definition` (see `Mapping.differences(from:)`).
    public func differences(from definition: SourceTableDefinition) -> [String] {
        var found: [String] = []
        var lastSourceIndex = -1
        for column in columns {
            guard let index = definition.columnIndex(named: column.name) else {
                found.append("\(table).\(column.name): the source table has no such column")
                continue
            }
            let source = definition.columns[index]
            if index < lastSourceIndex {
                found.append(
                    "\(table).\(column.name): listed after \(definition.columns[lastSourceIndex].name) in the mapping "
                        + "but before it in the source (the source's order is "
                        + definition.columns.map(\.name).joined(separator: ", ") + ")")
            }
            lastSourceIndex = max(lastSourceIndex, index)
            if let reason = column.type.mismatch(with: source) {
                found.append("\(table).\(column.name): the mapping declares \(column.type), the source has \(source.columnType)\(reason)")
            }
            if source.isNullable != column.isNullable {
                found.append(
                    "\(table).\(column.name): the mapping says \(column.isNullable ? "nullable" : "NOT NULL"), "
                        + "the source \(source.isNullable ? "nullable" : "NOT NULL")")
            }
        }
        for source in definition.columns where !columns.contains(where: { $0.name.lowercased() == source.name.lowercased() }) {
            found.append(
                "\(table).\(source.name): a source column the mapping does not list "
                    + "(list it, with \"excluded\": true to keep it out of items)")
        }
        return found
    }
}

extension ColumnType {
    /// Why this declared type cannot stand for the source column, or nil when it can.
    /// Types the mapping can spell must be the same; ENUM and SET, which it cannot,
    /// read as strings.
    func mismatch(with source: SourceColumnDefinition) -> String? {
        if let parsed = ColumnType(sql: source.columnType) {
            return parsed == self ? nil : ""
        }
        if source.dataType == "enum" || source.dataType == "set" {
            return family == .string ? nil : " (ENUM and SET read as strings)"
        }
        return " (a type billmig does not map)"
    }
}
