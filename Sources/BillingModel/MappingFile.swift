#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The mapping file format (JSON), documented in docs/mapping-format.md.
///
/// Reading a file checks its shape (unknown fields are errors, so a typo never
/// goes unnoticed), parses types and key templates, and validates the result
/// with `Mapping.validate()`. Reading the bytes from disk is the caller's job.
extension Mapping {
    /// The format version this code reads and writes.
    public static let fileFormatVersion = 1

    /// Reads a mapping file's JSON.
    public init(json: Data) throws(MappingFileError) {
        let file: MappingFile
        do {
            file = try JSONDecoder().decode(MappingFile.self, from: json)
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty,
                let (line, column) = JSONSyntaxLocation.firstError(in: Array(json))
            {
                throw MappingFileError(kind: .malformed, messages: ["not valid JSON at line \(line), column \(column)"])
            }
            throw MappingFileError(kind: .malformed, messages: [MappingFileError.describe(error)])
        } catch {
            throw MappingFileError(kind: .malformed, messages: ["\(error)"])
        }
        let mapping = try file.mapping()
        do {
            try mapping.validate()
        } catch {
            throw MappingFileError(kind: .invalid, messages: error.problems.map(\.description))
        }
        self = mapping
    }

    /// The mapping as a mapping file (pretty-printed JSON, keys sorted).
    public func jsonData() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(MappingFile(self))
        } catch {
            preconditionFailure("a mapping file of strings and integers always encodes: \(error)")
        }
    }
}

/// A mapping file that cannot be used.
public struct MappingFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// Not JSON, or not the shape of a mapping file (missing or unknown field, wrong type).
        case malformed
        /// Well-formed, but a type or template does not parse or the mapping fails validation.
        case invalid
    }

    public let kind: Kind
    /// One message per problem, naming the table and field.
    public let messages: [String]

    public init(kind: Kind, messages: [String]) {
        self.kind = kind
        self.messages = messages
    }

    public var description: String {
        let head = kind == .malformed ? "malformed mapping file" : "invalid mapping file"
        if messages.count == 1 { return "\(head): \(messages[0])" }
        return "\(head):\n" + messages.map { "- \($0)" }.joined(separator: "\n")
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            var text = ""
            for key in codingPath {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += text.isEmpty ? key.stringValue : "." + key.stringValue
                }
            }
            return text.isEmpty ? "the top level" : "`\(text)`"
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath)) is missing required field `\(key.stringValue)`"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)) should be \(jsonTypeName(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)) is null but should be \(jsonTypeName(type))"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "not valid JSON: \(context.debugDescription)" }
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    private static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Int64.Type: return "an integer"
        case is Bool.Type: return "true or false"
        default: return "\(type)".hasPrefix("Array") ? "an array" : "an object"
        }
    }
}

// MARK: - The file's shape

/// Top level of a mapping file.
struct MappingFile: Codable {
    var formatVersion: Int?
    var sourceSchema: String?
    var target: Target
    var tables: [Table]

    struct Target: Codable {
        var partitionKey: String
        var sortKey: String
        var indexes: [Index]?

        enum CodingKeys: String, CodingKey, CaseIterable { case partitionKey, sortKey, indexes }

        init(partitionKey: String, sortKey: String, indexes: [Index]?) {
            self.partitionKey = partitionKey
            self.sortKey = sortKey
            self.indexes = indexes
        }

        init(from decoder: any Decoder) throws {
            try rejectUnknownFields(decoder, CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            partitionKey = try container.decode(String.self, forKey: .partitionKey)
            sortKey = try container.decode(String.self, forKey: .sortKey)
            indexes = try container.decodeIfPresent([Index].self, forKey: .indexes)
        }
    }

    struct Index: Codable {
        var name: String
        var partitionKey: String
        var sortKey: String

        enum CodingKeys: String, CodingKey, CaseIterable { case name, partitionKey, sortKey }

        init(name: String, partitionKey: String, sortKey: String) {
            self.name = name
            self.partitionKey = partitionKey
            self.sortKey = sortKey
        }

        init(from decoder: any Decoder) throws {
            try rejectUnknownFields(decoder, CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            partitionKey = try container.decode(String.self, forKey: .partitionKey)
            sortKey = try container.decode(String.self, forKey: .sortKey)
        }
    }

    struct Table: Codable {
        var table: String
        var entityType: String?
        var columns: [Column]
        var primaryKey: [String]
        var uniqueKeys: [[String]]?
        var partitionKey: String
        var sortKey: String
        var indexKeys: [IndexKeys]?
        var createdAtColumn: String?
        var updatedAtColumn: String?
        var references: [Reference]?
        var dateColumn: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case table, entityType, columns, primaryKey, uniqueKeys, partitionKey, sortKey, indexKeys
            case createdAtColumn, updatedAtColumn, references, dateColumn
        }

        init(
            table: String, entityType: String?, columns: [Column], primaryKey: [String], uniqueKeys: [[String]]?,
            partitionKey: String, sortKey: String, indexKeys: [IndexKeys]?, createdAtColumn: String?,
            updatedAtColumn: String?, references: [Reference]?, dateColumn: String?
        ) {
            self.references = references
            self.dateColumn = dateColumn
            self.table = table
            self.entityType = entityType
            self.columns = columns
            self.primaryKey = primaryKey
            self.uniqueKeys = uniqueKeys
            self.partitionKey = partitionKey
            self.sortKey = sortKey
            self.indexKeys = indexKeys
            self.createdAtColumn = createdAtColumn
            self.updatedAtColumn = updatedAtColumn
        }

        init(from decoder: any Decoder) throws {
            try rejectUnknownFields(decoder, CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            table = try container.decode(String.self, forKey: .table)
            entityType = try container.decodeIfPresent(String.self, forKey: .entityType)
            columns = try container.decode([Column].self, forKey: .columns)
            primaryKey = try container.decode([String].self, forKey: .primaryKey)
            uniqueKeys = try container.decodeIfPresent([[String]].self, forKey: .uniqueKeys)
            partitionKey = try container.decode(String.self, forKey: .partitionKey)
            sortKey = try container.decode(String.self, forKey: .sortKey)
            indexKeys = try container.decodeIfPresent([IndexKeys].self, forKey: .indexKeys)
            createdAtColumn = try container.decodeIfPresent(String.self, forKey: .createdAtColumn)
            updatedAtColumn = try container.decodeIfPresent(String.self, forKey: .updatedAtColumn)
            references = try container.decodeIfPresent([Reference].self, forKey: .references)
            dateColumn = try container.decodeIfPresent(String.self, forKey: .dateColumn)
        }
    }

    struct Reference: Codable {
        var column: String
        var table: String

        enum CodingKeys: String, CodingKey, CaseIterable { case column, table }

        init(column: String, table: String) {
            self.column = column
            self.table = table
        }

        init(from decoder: any Decoder) throws {
            try rejectUnknownFields(decoder, CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            column = try container.decode(String.self, forKey: .column)
            table = try container.decode(String.self, forKey: .table)
        }
    }

    struct Column: Codable {
        var name: String
        var type: String
        var nullable: Bool?
        var attribute: String?
        var excluded: Bool?

        enum CodingKeys: String, CodingKey, CaseIterable { case name, type, nullable, attribute, excluded }

        init(name: String, type: String, nullable: Bool?, attribute: String?, excluded: Bool?) {
            self.name = name
            self.type = type
            self.nullable = nullable
            self.attribute = attribute
            self.excluded = excluded
        }

        init(from decoder: any Decoder) throws {
            try rejectUnknownFields(decoder, CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            type = try container.decode(String.self, forKey: .type)
            nullable = try container.decodeIfPresent(Bool.self, forKey: .nullable)
            attribute = try container.decodeIfPresent(String.self, forKey: .attribute)
            excluded = try container.decodeIfPresent(Bool.self, forKey: .excluded)
        }
    }

    struct IndexKeys: Codable {
        var index: String
        var partitionKey: String
        var sortKey: String

        enum CodingKeys: String, CodingKey, CaseIterable { case index, partitionKey, sortKey }

        init(index: String, partitionKey: String, sortKey: String) {
            self.index = index
            self.partitionKey = partitionKey
            self.sortKey = sortKey
        }

        init(from decoder: any Decoder) throws {
            try rejectUnknownFields(decoder, CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            index = try container.decode(String.self, forKey: .index)
            partitionKey = try container.decode(String.self, forKey: .partitionKey)
            sortKey = try container.decode(String.self, forKey: .sortKey)
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case formatVersion, sourceSchema, target, tables }

    init(from decoder: any Decoder) throws {
        try rejectUnknownFields(decoder, CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        formatVersion = try container.decodeIfPresent(Int.self, forKey: .formatVersion)
        sourceSchema = try container.decodeIfPresent(String.self, forKey: .sourceSchema)
        target = try container.decode(Target.self, forKey: .target)
        tables = try container.decode([Table].self, forKey: .tables)
    }

    /// The file form of a mapping; optional fields at their defaults are left out.
    init(_ mapping: Mapping) {
        formatVersion = Mapping.fileFormatVersion
        sourceSchema = mapping.sourceSchema
        target = Target(
            partitionKey: mapping.partitionKeyAttribute, sortKey: mapping.sortKeyAttribute,
            indexes: mapping.indexes.map {
                Index(name: $0.name, partitionKey: $0.partitionKeyAttribute, sortKey: $0.sortKeyAttribute)
            })
        tables = mapping.tables.map { table in
            Table(
                table: table.table,
                entityType: table.entityType == table.table ? nil : table.entityType,
                columns: table.columns.map {
                    Column(
                        name: $0.name, type: $0.type.description, nullable: $0.isNullable ? true : nil,
                        attribute: $0.attributeName == $0.name ? nil : $0.attributeName,
                        excluded: $0.isExcluded ? true : nil)
                },
                primaryKey: table.primaryKey,
                uniqueKeys: table.uniqueKeys.isEmpty ? nil : table.uniqueKeys,
                partitionKey: table.partitionKey.description,
                sortKey: table.sortKey.description,
                indexKeys: table.indexKeys.isEmpty
                    ? nil
                    : table.indexKeys.map {
                        IndexKeys(index: $0.indexName, partitionKey: $0.partitionKey.description, sortKey: $0.sortKey.description)
                    },
                createdAtColumn: table.createdAtColumn,
                updatedAtColumn: table.updatedAtColumn,
                references: table.references.isEmpty ? nil : table.references.map { Reference(column: $0.column, table: $0.table) },
                dateColumn: table.dateColumn)
        }
    }

    /// The mapping this file describes; collects every type and template problem.
    func mapping() throws(MappingFileError) -> Mapping {
        var problems: [String] = []
        if let version = formatVersion, version != Mapping.fileFormatVersion {
            problems.append("formatVersion \(version) is not supported (this build reads \(Mapping.fileFormatVersion))")
        }
        let indexes = (target.indexes ?? []).map {
            IndexDefinition(name: $0.name, partitionKeyAttribute: $0.partitionKey, sortKeyAttribute: $0.sortKey)
        }
        func template(_ text: String, _ table: String, _ what: String) -> KeyTemplate {
            do {
                return try KeyTemplate(text)
            } catch {
                problems.append("table \(table): \(what): \(error)")
                return KeyTemplate(segments: [.literal(text)])
            }
        }
        var tables: [TableMapping] = []
        for table in self.tables {
            var columns: [ColumnSpec] = []
            for column in table.columns {
                guard let type = ColumnType(sql: column.type) else {
                    problems.append("table \(table.table): column `\(column.name)` has unsupported type `\(column.type)`")
                    continue
                }
                columns.append(
                    ColumnSpec(
                        column.name, type, nullable: column.nullable ?? false, attributeName: column.attribute,
                        excluded: column.excluded ?? false))
            }
            var indexKeys: [IndexKeyTemplates] = []
            for pair in table.indexKeys ?? [] {
                let partitionKey = template(pair.partitionKey, table.table, "\(pair.index) partition key")
                let sortKey = template(pair.sortKey, table.table, "\(pair.index) sort key")
                guard let index = indexes.first(where: { $0.name == pair.index }) else {
                    problems.append("table \(table.table): index keys name undefined index `\(pair.index)`")
                    continue
                }
                indexKeys.append(IndexKeyTemplates(index, partitionKey: partitionKey, sortKey: sortKey))
            }
            tables.append(
                TableMapping(
                    table: table.table,
                    entityType: table.entityType,
                    columns: columns,
                    primaryKey: table.primaryKey,
                    uniqueKeys: table.uniqueKeys ?? [],
                    partitionKey: template(table.partitionKey, table.table, "partition key"),
                    sortKey: template(table.sortKey, table.table, "sort key"),
                    indexKeys: indexKeys,
                    createdAtColumn: table.createdAtColumn,
                    updatedAtColumn: table.updatedAtColumn,
                    references: (table.references ?? []).map { TableReference(column: $0.column, table: $0.table) },
                    dateColumn: table.dateColumn))
        }
        guard problems.isEmpty else { throw MappingFileError(kind: .invalid, messages: problems) }
        return Mapping(
            sourceSchema: sourceSchema ?? "billing",
            tables: tables,
            partitionKeyAttribute: target.partitionKey,
            sortKeyAttribute: target.sortKey,
            indexes: indexes)
    }
}

private struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

/// Throws for fields the format does not define, so a misspelt optional field is not silently ignored.
private func rejectUnknownFields<Keys: CodingKey & CaseIterable & RawRepresentable<String>>(
    _ decoder: any Decoder, _ keys: Keys.Type
) throws {
    let container = try decoder.container(keyedBy: AnyCodingKey.self)
    let known = Set(Keys.allCases.map(\.rawValue))
    let unknown = container.allKeys.map(\.stringValue).filter { !known.contains($0) }.sorted()
    guard unknown.isEmpty else {
        throw DecodingError.dataCorrupted(
            .init(
                codingPath: decoder.codingPath,
                debugDescription: "unknown field\(unknown.count > 1 ? "s" : "") \(unknown.map { "`\($0)`" }.joined(separator: ", ")); "
                    + "known fields are \(known.sorted().joined(separator: ", "))"))
    }
}
