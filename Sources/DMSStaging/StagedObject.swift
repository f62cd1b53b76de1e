/// What one object under the staging location is, found from its key alone: the
/// question a worker asks of each S3 notification (pure: no listing, no reading).
public enum StagedObject: Sendable, Hashable {
    /// A full-load file of a mapped table.
    case fullLoad(table: String, file: DMSFile)
    /// A timestamp-named change file of a mapped table.
    case changes(table: String, file: DMSFile)
    /// A `CDC_TXN-*` file under the CdcPath (every table in one file).
    case transactionChanges(file: DMSFile)
    /// Nothing a worker can process; `reason` says why and what to do. Never
    /// dropped silently: the worker leaves it for the queue's dead-letter queue.
    case unknown(reason: String)
}

extension DMSStagingLayout {
    /// Classifies `key` against this layout for the tables in `tables` (the mapping's).
    ///
    /// `{bucketFolder}/{schema}/{TABLE}/...` (or the CdcPath's folders) with a DMS file
    /// name is a full-load or change file of `TABLE`; anything else (another folder,
    /// another name, a table the mapping does not have) is `unknown`.
    public func locate(key: String, size: Int64 = 0, tables: [String]) -> StagedObject {
        if let prefix = transactionPrefix, key.hasPrefix(prefix), !key.dropFirst(prefix.count).contains("/") {
            if let file = DMSFile.classify(key: key, size: size, under: prefix), case .transactionChanges = file.kind {
                return .transactionChanges(file: file)
            }
        }
        if let cdcPath, !cdcPath.isEmpty {
            let changeRoot = join(bucketFolder, cdcPath, schema)
            if key.hasPrefix(changeRoot) {
                return locateInTable(key: key, size: size, root: changeRoot, tables: tables, fullLoads: false, changes: true)
            }
        }
        let root = join(bucketFolder, schema)
        guard key.hasPrefix(root) else {
            return .unknown(reason: "\(key) is not under the staging folder \(root) (--from and --schema say where DMS writes)")
        }
        return locateInTable(key: key, size: size, root: root, tables: tables, fullLoads: true, changes: cdcPath?.isEmpty ?? true)
    }

    /// `key` under `{root}{TABLE}/`: the table's DMS file, or why not.
    private func locateInTable(
        key: String, size: Int64, root: String, tables: [String], fullLoads allowsFullLoads: Bool, changes allowsChanges: Bool
    ) -> StagedObject {
        let relative = key.dropFirst(root.count)
        guard let slash = relative.firstIndex(of: "/") else {
            return .unknown(reason: "\(key) is not in a table folder under \(root)")
        }
        let table = String(relative[..<slash])
        guard tables.contains(table) else {
            return .unknown(reason: "\(key) belongs to table \(table), which the mapping does not have (mapped: \(tables.joined(separator: ", ")))")
        }
        guard let file = DMSFile.classify(key: key, size: size, under: root + table + "/") else {
            return .unknown(reason: "\(key) is not a DMS file name (LOAD*.csv[.gz] or a timestamp-named change file)")
        }
        switch file.kind {
        case .fullLoad where allowsFullLoads:
            return .fullLoad(table: table, file: file)
        case .fullLoad:
            return .unknown(reason: "\(key) is a full-load file under the CdcPath: DMS writes full-load files in the table folder")
        case .changes where allowsChanges:
            return .changes(table: table, file: file)
        case .changes:
            return .unknown(reason: "\(key) is a change file in the table folder, but a CdcPath is set: change files are read under it")
        case .transactionChanges:
            return .unknown(reason: "\(key) is a CDC_TXN file outside the CdcPath folder")
        }
    }
}
