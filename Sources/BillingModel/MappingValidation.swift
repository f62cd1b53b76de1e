/// Everything wrong with a mapping, found at once so a user can fix a file in one pass.
public struct MappingValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// The source table the problem is in, nil for mapping-wide problems.
        public let table: String?
        public let message: String

        public init(table: String?, message: String) {
            self.table = table
            self.message = message
        }

        public var description: String {
            table.map { "table \($0): \(message)" } ?? message
        }
    }

    public let problems: [Problem]

    public init(problems: [Problem]) {
        self.problems = problems
    }

    public var description: String {
        if problems.count == 1 { return "invalid mapping: \(problems[0])" }
        return "invalid mapping (\(problems.count) problems):\n" + problems.map { "- \($0)" }.joined(separator: "\n")
    }
}

extension Mapping {
    /// Checks that the mapping can only produce unambiguous items: known and
    /// unique names, templates over existing columns, keys that identify a row,
    /// attribute names that never collide with the migration's own.
    public func validate() throws(MappingValidationError) {
        var problems: [MappingValidationError.Problem] = []
        func fail(_ table: String?, _ message: String) {
            problems.append(.init(table: table, message: message))
        }

        if sourceSchema.isEmpty { fail(nil, "the source schema name is empty") }
        if partitionKeyAttribute.isEmpty || sortKeyAttribute.isEmpty {
            fail(nil, "the target key attribute names must not be empty")
        }
        if partitionKeyAttribute == sortKeyAttribute {
            fail(nil, "the partition and sort key attributes have the same name `\(partitionKeyAttribute)`")
        }
        // Key and index attribute names must be distinct from each other and from migration attributes.
        var keyAttributeOwners: [String: String] = [:]
        keyAttributeOwners[sortKeyAttribute] = "the table's sort key"
        keyAttributeOwners[partitionKeyAttribute] = "the table's partition key"
        for name in [partitionKeyAttribute, sortKeyAttribute] where MigrationAttribute.allNames.contains(name) {
            fail(nil, "key attribute `\(name)` is a migration attribute name")
        }
        var indexNames: Set<String> = []
        for index in indexes {
            if index.name.isEmpty { fail(nil, "an index has an empty name") }
            if !indexNames.insert(index.name).inserted { fail(nil, "index `\(index.name)` is defined twice") }
            for name in [index.partitionKeyAttribute, index.sortKeyAttribute] {
                if name.isEmpty {
                    fail(nil, "index `\(index.name)` has an empty key attribute name")
                } else if let owner = keyAttributeOwners[name] {
                    fail(nil, "index `\(index.name)` key attribute `\(name)` is already \(owner)")
                } else if MigrationAttribute.allNames.contains(name) {
                    fail(nil, "index `\(index.name)` key attribute `\(name)` is a migration attribute name")
                }
                keyAttributeOwners[name] = "a key of index `\(index.name)`"
            }
        }

        if tables.isEmpty { fail(nil, "the mapping has no tables") }
        var tableNames: Set<String> = []
        var entityTypes: Set<String> = []
        let reserved = reservedAttributeNames
        for table in tables {
            let name = table.table
            if name.isEmpty { fail(nil, "a table has an empty name") }
            if !tableNames.insert(name).inserted { fail(nil, "table `\(name)` is mapped twice") }
            if table.entityType.isEmpty {
                fail(name, "the entity type is empty")
            } else if !entityTypes.insert(table.entityType).inserted {
                fail(name, "entity type `\(table.entityType)` is used by another table")
            }
            problems += table.problems(mapping: self, reservedAttributeNames: reserved)
            for reference in table.references {
                if let problem = referenceProblem(reference, from: table) { fail(name, problem) }
            }
        }
        let referenced = Set(tables.flatMap { $0.references.map(\.table) })
        if referenced.count > 1 {
            fail(nil, "references name \(referenced.sorted().joined(separator: " and ")): validation follows references into one table; keep the references to one of them")
        }
        if !problems.isEmpty { throw MappingValidationError(problems: problems) }
    }

    /// Why `reference` cannot be checked, if it cannot: the column must be in both
    /// tables and be the referenced table's key, and an item must be findable by
    /// it (the referenced table's partition key, or an index partition key, built
    /// from that column alone).
    private func referenceProblem(_ reference: TableReference, from referring: TableMapping) -> String? {
        let what = "reference `\(reference.column)` -> \(reference.table)"
        guard let target = table(reference.table) else { return "\(what): no such table in the mapping" }
        guard referring.column(reference.column) != nil else { return "\(what): the table has no column `\(reference.column)`" }
        guard target.column(reference.column) != nil else { return "\(what): \(reference.table) has no column `\(reference.column)`" }
        guard target.primaryKey == [reference.column] || target.uniqueKeys.contains([reference.column]) else {
            return "\(what): `\(reference.column)` is not \(reference.table)'s primary key or a unique key of it alone"
        }
        let findable = target.partitionKey.columnNames == [reference.column]
            || target.indexKeys.contains { $0.partitionKey.columnNames == [reference.column] }
        guard findable else {
            return "\(what): no key of \(reference.table) is built from `\(reference.column)` alone; "
                + "add index keys whose partition key uses only it, so that validation can look the referenced item up"
        }
        return nil
    }
}

extension TableMapping {
    fileprivate func problems(
        mapping: Mapping, reservedAttributeNames: Set<String>
    ) -> [MappingValidationError.Problem] {
        var problems: [MappingValidationError.Problem] = []
        func fail(_ message: String) {
            problems.append(.init(table: table, message: message))
        }

        if columns.isEmpty { fail("the table has no columns") }
        var columnTypes: [String: ColumnType] = [:]
        var attributeNames: Set<String> = []
        for column in columns {
            if column.name.isEmpty { fail("a column has an empty name") }
            if columnTypes.updateValue(column.type, forKey: column.name) != nil {
                fail("column `\(column.name)` is listed twice")
            }
            guard !column.isExcluded else { continue }
            if column.attributeName.isEmpty {
                fail("column `\(column.name)` has an empty attribute name")
            } else if reservedAttributeNames.contains(column.attributeName) {
                fail(
                    "column `\(column.name)` would be written as attribute `\(column.attributeName)`, "
                        + "which the migration uses itself; rename it")
            } else if !attributeNames.insert(column.attributeName).inserted {
                fail("attribute `\(column.attributeName)` is written by two columns")
            }
        }

        func checkKey(_ key: [String], _ what: String) {
            if key.isEmpty { fail("the \(what) has no columns") }
            for column in key where columnTypes[column] == nil {
                fail("the \(what) names unknown column `\(column)`")
            }
        }
        checkKey(primaryKey, "primary key")
        for key in uniqueKeys { checkKey(key, "unique key") }

        func checkTemplate(_ template: KeyTemplate, _ what: String, needsColumn: Bool) {
            if needsColumn && template.columnNames.isEmpty {
                fail("the \(what) template `\(template)` uses no column, so every row would share it")
            }
            for case .column(let name, let padding) in template.segments {
                guard let type = columnTypes[name] else {
                    fail("the \(what) template `\(template)` names unknown column `\(name)`")
                    continue
                }
                switch type.family {
                case .binary:
                    fail("the \(what) template `\(template)` uses binary column `\(name)`")
                case .integer, .string:
                    break
                case .decimal, .date, .dateTime:
                    if padding != nil {
                        fail(
                            "the \(what) template `\(template)` pads column `\(name)` of type \(type); "
                                + "padding needs an integer or text column holding digits")
                    }
                }
            }
        }
        checkTemplate(partitionKey, "partition key", needsColumn: true)
        checkTemplate(sortKey, "sort key", needsColumn: false)

        // The item key must identify the row: PK and SK together use a whole unique key.
        let keyColumns = Set(partitionKey.columnNames + sortKey.columnNames)
        let candidates = [primaryKey] + uniqueKeys
        if !candidates.contains(where: { !$0.isEmpty && Set($0).isSubset(of: keyColumns) }) {
            fail(
                "the partition and sort key templates use columns \(keyColumns.sorted()), which do not include "
                    + "the primary key \(primaryKey) or a unique key, so two rows could share one item")
        }
        for column in keyColumns {
            if let spec = self.column(column), spec.isExcluded {
                fail("column `\(column)` is used by the item key and cannot be excluded")
            }
        }

        var usedIndexes: Set<String> = []
        for pair in indexKeys {
            guard let index = mapping.indexes.first(where: { $0.name == pair.indexName }) else {
                fail("index keys name undefined index `\(pair.indexName)`")
                continue
            }
            if !usedIndexes.insert(pair.indexName).inserted {
                fail("index `\(pair.indexName)` has two key pairs")
            }
            if pair.partitionKeyAttribute != index.partitionKeyAttribute
                || pair.sortKeyAttribute != index.sortKeyAttribute
            {
                fail(
                    "index `\(pair.indexName)` keys are written as `\(pair.partitionKeyAttribute)`/"
                        + "`\(pair.sortKeyAttribute)` but the index is on `\(index.partitionKeyAttribute)`/"
                        + "`\(index.sortKeyAttribute)`")
            }
            checkTemplate(pair.partitionKey, "\(pair.indexName) partition key", needsColumn: true)
            checkTemplate(pair.sortKey, "\(pair.indexName) sort key", needsColumn: false)
        }

        for (column, what) in [(createdAtColumn, "created-at"), (updatedAtColumn, "updated-at")] {
            guard let column else { continue }
            guard let type = columnTypes[column] else {
                fail("the \(what) column `\(column)` is not a column of the table")
                continue
            }
            if type.family != .dateTime {
                fail("the \(what) column `\(column)` is \(type), not a DATETIME or TIMESTAMP")
            }
        }
        if let column = dateColumn {
            if let type = columnTypes[column] {
                if type.family != .date && type.family != .dateTime {
                    fail("the date column `\(column)` is \(type), not a DATE, DATETIME or TIMESTAMP")
                }
            } else {
                fail("the date column `\(column)` is not a column of the table")
            }
        }
        return problems
    }
}
