import BillingModel
import MySQLSource

/// The mapping does not describe the source's tables: reading on would put
/// values under the wrong names or refuse them row by row.
public struct SourceMappingError: Error, CustomStringConvertible, Sendable {
    private enum Kind: Sendable { case differs }
    private let kind: Kind
    /// Each difference, one line each.
    public let differences: [String]
    public let source: String

    public var description: String {
        switch kind {
        case .differs:
            return "the mapping does not match \(source) (\(differences.count) difference\(differences.count == 1 ? "" : "s")):\n"
                + differences.map { "  " + $0 }.joined(separator: "\n")
                + "\ncorrect the mapping file's columns to the source's (names, order, types, nullability), "
                + "or pass the matching one (--mapping); `billmig check` lists the same"
        }
    }

    init(differences: [String], source: String) {
        self.kind = .differs
        self.differences = differences
        self.source = source
    }
}

extension MySQLConnectionConfiguration {
    /// Throws `SourceMappingError` when `mapping` differs from the source's tables
    /// (read from `information_schema`); every command that reads the source calls
    /// it before reading.
    public func verify(_ mapping: Mapping) async throws {
        let connection = try await MySQLConnection.connect(self, retry: .none)
        let definitions: [String: SourceTableDefinition]
        do {
            definitions = try await connection.tableDefinitions(database: database)
            await connection.close()
        } catch {
            await connection.close()
            throw error
        }
        let differences = mapping.differences(from: definitions)
        guard differences.isEmpty else { throw SourceMappingError(differences: differences, source: sourceName) }
    }
}
