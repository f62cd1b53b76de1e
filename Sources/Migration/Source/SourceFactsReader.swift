import BillingModel
import MigrationCore
import MySQLSource

/// Gathers what `SourceCheck` judges from a live server. Reads only what any
/// account may read (server variables, its own grants, `information_schema`),
/// so that the check itself works for an account that lacks privileges.
public enum SourceFactsReader {
    public static func read(
        _ configuration: MySQLConnectionConfiguration, mapping: Mapping, retry: MySQLRetryPolicy = MySQLRetryPolicy()
    ) async throws -> SourceFacts {
        let connection = try await MySQLConnection.connect(configuration, retry: retry)
        do {
            let facts = try await read(connection, database: configuration.database, mapping: mapping)
            await connection.close()
            return facts
        } catch {
            await connection.close()
            throw error
        }
    }

    /// The facts about `mapping`'s tables, each with how the mapping differs from it.
    public static func read(_ connection: MySQLConnection, database: String, mapping: Mapping) async throws -> SourceFacts {
        var facts = try await read(connection, database: database, tables: mapping.tables.map(\.table))
        let definitions = try await connection.tableDefinitions(database: database)
        for index in facts.tables.indices where facts.tables[index].exists {
            guard let table = mapping.tables.first(where: { $0.table == facts.tables[index].name }) else { continue }
            let definition = definitions[table.table]
                ?? definitions.first { $0.key.lowercased() == table.table.lowercased() }?.value
            guard let definition else { continue }
            facts.tables[index].mappingDifferences = table.differences(from: definition)
        }
        return facts
    }

    public static func read(_ connection: MySQLConnection, database: String, tables: [String]) async throws -> SourceFacts {
        let identity = try await connection.query("SELECT VERSION(), CURRENT_USER()").rows.first
        var variables: [String: String] = [:]
        for row in try await connection.query("""
            SHOW GLOBAL VARIABLES WHERE Variable_name IN
              ('log_bin', 'binlog_format', 'binlog_row_image', 'binlog_expire_logs_seconds', 'expire_logs_days')
            """).rows where row.count >= 2 {
            if let name = row[0].text?.lowercased(), let value = row[1].text { variables[name] = value }
        }
        let grants = try await connection.query("SHOW GRANTS").rows.compactMap { $0.first?.text }

        let quotedDatabase = try await connection.quote(database)
        var engines: [String: String?] = [:]
        for row in try await connection.query(
            "SELECT table_name, engine FROM information_schema.tables WHERE table_schema = \(quotedDatabase)"
        ).rows {
            if let name = row[0].text { engines[name] = row[1].text }
        }
        var tableFacts: [SourceFacts.Table] = []
        for table in tables {
            // Table names are case-sensitive on most Linux servers: prefer the exact name.
            let actual = engines[table] != nil ? table : engines.keys.first { $0.lowercased() == table.lowercased() }
            guard let actual else {
                tableFacts.append(.init(name: table, exists: false, engine: nil, primaryKey: []))
                continue
            }
            let key = try await connection.primaryKeyColumns(database: database, table: actual)
            tableFacts.append(.init(name: table, exists: true, engine: engines[actual] ?? nil, primaryKey: key))
        }

        let configuration = await connection.configuration
        let security = await connection.transportSecurity
        return SourceFacts(
            version: identity?[0].text ?? "",
            logBin: variables["log_bin"].map { ["ON", "1"].contains($0.uppercased()) },
            binlogFormat: variables["binlog_format"],
            binlogRowImage: variables["binlog_row_image"],
            binlogExpireLogsSeconds: variables["binlog_expire_logs_seconds"].flatMap(Double.init),
            expireLogsDays: variables["expire_logs_days"].flatMap(Double.init),
            account: identity?[1].text ?? "\(configuration.user)@\(configuration.host)",
            grants: grants,
            database: database,
            tables: tableFacts,
            transport: .init(
                encrypted: security.encrypted, tlsVersion: security.tlsVersion, cipher: security.cipher,
                identityVerified: security.identityVerified, sslMode: configuration.tls.mode.rawValue))
    }
}
