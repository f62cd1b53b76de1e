import BillingModel
import DMSStaging
import Foundation
import MigrationCore
import MySQLSource

/// `billmig stage`'s first half: one consistent snapshot of the source written as
/// DMS full-load files (`{folder}/billing/{TABLE}/LOAD00000001.csv`, …, with a
/// header row), read table by table in primary-key chunks on the snapshot's
/// connection, and the snapshot's binlog position, where the change half starts.
///
/// A snapshot is all or nothing: a run killed half-way leaves no position, and the
/// next run starts a new snapshot and replaces the table's full-load files. The
/// read itself is `MySQLSnapshotSource`'s, the same as `load --from mysql://`'s.
public struct SnapshotStager: Sendable {
    public struct Configuration: Sendable {
        public var connection: MySQLConnectionConfiguration
        public var mapping: Mapping
        public var layout: DMSStagingLayout
        public var chunkSize: Int
        /// How fast the source may be read (`--max-bandwidth`, `--transfer-window`); unlimited by default.
        public var transfer = TransferLimit()
        public var options: DMSWriteOptions

        public init(
            connection: MySQLConnectionConfiguration, mapping: Mapping, layout: DMSStagingLayout, chunkSize: Int = 10_000,
            options: DMSWriteOptions = DMSWriteOptions(addColumnName: true)
        ) {
            self.connection = connection
            self.mapping = mapping
            self.layout = layout
            self.chunkSize = chunkSize
            self.options = options
        }
    }

    public let configuration: Configuration
    public let store: any ObjectStore

    public init(configuration: Configuration, store: any ObjectStore) {
        self.configuration = configuration
        self.store = store
    }

    /// Writes every mapped table; `progress` gets the table and its rows so far.
    public func run(progress: @Sendable (String, Int) -> Void = { _, _ in }) async throws
        -> (position: SnapshotPosition, tables: [StagedTableFiles])
    {
        let source = MySQLSnapshotSource(connection: configuration.connection, chunkSize: configuration.chunkSize, transfer: configuration.transfer)
        return try await source.withSnapshot(of: configuration.mapping.tables) { snapshot in
            var tables: [StagedTableFiles] = []
            for table in configuration.mapping.tables {
                tables.append(try await stage(table, snapshot: snapshot, progress: progress))
            }
            return (snapshot.position, tables)
        }
    }

    private func stage(_ table: TableMapping, snapshot: MySQLSnapshotSource.OpenSnapshot, progress: @Sendable (String, Int) -> Void)
        async throws -> StagedTableFiles
    {
        let query = try await snapshot.chunkQuery(for: table)
        // Files of an earlier, unfinished snapshot would be read with this one.
        let prefix = configuration.layout.tablePrefix(table.table)
        for object in try await store.list(prefix: prefix) where DMSFile.classify(key: object.key, under: prefix)?.isFullLoad == true {
            try await store.delete(key: object.key)
        }
        let (rows, files) = try await Self.write(
            query, columns: table.columns.map(\.name), prefix: prefix, options: configuration.options, to: store,
            from: snapshot.reader
        ) { rows in progress(table.table, rows) }
        return StagedTableFiles(table: table.table, rows: rows, files: files)
    }

    /// Reads the table chunk by chunk into full-load files (generic, to hold the writer).
    private static func write<Store: ObjectStore>(
        _ query: PrimaryKeyChunkQuery, columns: [String], prefix: String, options: DMSWriteOptions, to store: Store,
        from reader: SnapshotReader, progress: (Int) -> Void
    ) async throws -> (rows: Int, files: [String]) {
        var writer = DMSFullLoadWriter(store: store, tablePrefix: prefix, columns: columns, options: options)
        var rows = 0
        var after: [SourceValue]?
        while true {
            let chunk = try await reader.readChunk(query, after: after)
            for row in chunk.rows { _ = try await writer.append(row) }
            rows += chunk.rows.count
            progress(rows)
            guard !chunk.isLast, let last = chunk.lastKey else { break }
            after = last
        }
        return (rows, try await writer.finish().map(\.key))
    }
}

/// One table's full-load files from `stage`.
public struct StagedTableFiles: Sendable, Codable, Hashable {
    public var table: String
    public var rows: Int
    public var files: [String]
}
