/// One DMS output file, classified from its key.
public struct DMSFile: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// A full-load file `LOAD{8 hex digits}.csv`, possibly `SEGMENT{n}_LOAD...` or
        /// in a partition/segment sub-folder (`subfolder`, relative to the table folder).
        case fullLoad(counter: UInt64, segment: Int?, subfolder: String)
        /// A per-table change file named by its timestamp (`20240809-192717787`).
        case changes(timestamp: String)
        /// A `CDC_TXN-{timestamp}` file of `PreserveTransactions=true` (all tables).
        case transactionChanges(timestamp: String)
    }

    public enum Compression: String, Sendable, Hashable {
        case none
        case gzip
    }

    /// The object's full key.
    public var key: String
    public var kind: Kind
    public var compression: Compression
    /// Size in bytes as listed (compressed size for `.csv.gz`).
    public var size: Int64

    public init(key: String, kind: Kind, compression: Compression, size: Int64) {
        self.key = key
        self.kind = kind
        self.compression = compression
        self.size = size
    }

    /// The last path component (`LOAD0000000A.csv.gz`).
    public var name: Substring {
        key.lastIndex(of: "/").map { key[key.index(after: $0)...] } ?? key[...]
    }

    /// The file name without `.csv` / `.csv.gz`: what orders change files
    /// (`20240809-192717787`, `CDC_TXN-20240809-192717787`).
    public var stem: String {
        let name = self.name
        let suffix = compression == .gzip ? 7 : 4
        return String(name.dropLast(suffix))
    }

    public var isFullLoad: Bool {
        if case .fullLoad = kind { return true }
        return false
    }

    public var description: String { key }

    /// Classifies `key`, found under a table folder or a CdcPath folder `folderPrefix`
    /// (which ends with `/`). Nil for anything that is not a DMS CSV file.
    public static func classify(key: String, size: Int64 = 0, under folderPrefix: String) -> DMSFile? {
        guard key.hasPrefix(folderPrefix) else { return nil }
        let relative = key.dropFirst(folderPrefix.count)
        let slash = relative.lastIndex(of: "/")
        let name = slash.map { relative[relative.index(after: $0)...] } ?? relative
        let subfolder = slash.map { String(relative[..<$0]) } ?? ""

        let compression: Compression
        let stem: Substring
        if name.hasSuffix(".csv") {
            compression = .none
            stem = name.dropLast(4)
        } else if name.hasSuffix(".csv.gz") {
            compression = .gzip
            stem = name.dropLast(7)
        } else {
            return nil
        }

        if let (counter, segment) = parseLoadStem(stem) {
            return DMSFile(
                key: key,
                kind: .fullLoad(counter: counter, segment: segment, subfolder: subfolder),
                compression: compression,
                size: size
            )
        }
        if isTimestamp(stem) {
            return DMSFile(key: key, kind: .changes(timestamp: String(stem)), compression: compression, size: size)
        }
        if stem.hasPrefix("CDC_TXN-"), isTransactionTimestamp(stem.dropFirst("CDC_TXN-".count)) {
            return DMSFile(
                key: key,
                kind: .transactionChanges(timestamp: String(stem.dropFirst("CDC_TXN-".count))),
                compression: compression,
                size: size
            )
        }
        return nil
    }

    /// `LOAD0000000A` -> (10, nil); `SEGMENT3_LOAD00000001` -> (1, 3).
    static func parseLoadStem(_ stem: Substring) -> (counter: UInt64, segment: Int?)? {
        var rest = stem
        var segment: Int?
        if rest.hasPrefix("SEGMENT") {
            let afterWord = rest.dropFirst("SEGMENT".count)
            guard let underscore = afterWord.firstIndex(of: "_") else { return nil }
            let digits = afterWord[..<underscore]
            guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                let number = Int(digits)
            else { return nil }
            segment = number
            rest = afterWord[afterWord.index(after: underscore)...]
        }
        guard rest.hasPrefix("LOAD") else { return nil }
        let hex = rest.dropFirst(4)
        // DMS writes 8 hex digits; older documentation shows 5. Accept 1-16.
        guard (1...16).contains(hex.count), hex.utf8.allSatisfy({ hexValue($0) != nil }),
            let counter = UInt64(hex, radix: 16)
        else { return nil }
        return (counter, segment)
    }

    /// `yyyyMMdd-HHmmss` followed by fraction digits (`20240809-192717787`).
    static func isTimestamp(_ stem: Substring) -> Bool {
        let bytes = Array(stem.utf8)
        guard bytes.count >= 15, bytes.count <= 24, bytes[8] == UInt8(ascii: "-") else { return false }
        for (index, byte) in bytes.enumerated() where index != 8 {
            guard byte >= 0x30 && byte <= 0x39 else { return false }
        }
        return true
    }

    /// The part after `CDC_TXN-`: digits, optionally with `-` separators.
    static func isTransactionTimestamp(_ text: Substring) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 8, bytes.first != UInt8(ascii: "-") else { return false }
        return bytes.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "-") }
    }
}

extension DMSFile {
    /// The order DMS wrote full-load files in: by sub-folder, segment, then hex counter.
    public static func fullLoadOrder(_ a: DMSFile, _ b: DMSFile) -> Bool {
        guard case .fullLoad(let ca, let sa, let fa) = a.kind, case .fullLoad(let cb, let sb, let fb) = b.kind else {
            return a.key < b.key
        }
        if fa != fb { return fa.utf8.lexicographicallyPrecedes(fb.utf8) }
        if sa != sb { return (sa ?? -1) < (sb ?? -1) }
        if ca != cb { return ca < cb }
        return a.key.utf8.lexicographicallyPrecedes(b.key.utf8)
    }

    /// Commit order of change files: by timestamp name (date-partition folders do not matter).
    public static func changeOrder(_ a: DMSFile, _ b: DMSFile) -> Bool {
        let sa = a.stem
        let sb = b.stem
        if sa != sb { return sa.utf8.lexicographicallyPrecedes(sb.utf8) }
        return a.key.utf8.lexicographicallyPrecedes(b.key.utf8)
    }
}

/// Where DMS writes one source database's files, and how to find them.
///
/// Full load: `{bucketFolder}/{schema}/{TABLE}/LOAD...csv`; changes in the same
/// folder, or under `{bucketFolder}/{cdcPath}/{schema}/{TABLE}/` when a CdcPath is set
/// without PreserveTransactions; with PreserveTransactions, `CDC_TXN-...csv` files
/// directly under `{bucketFolder}/{cdcPath}/`.
public struct DMSStagingLayout: Sendable, Hashable {
    /// The key prefix DMS writes under (BucketFolder, plus any S3 prefix), without
    /// leading or trailing `/`; empty for the bucket's root.
    public var bucketFolder: String
    /// The source schema (database) name: `billing`.
    public var schema: String
    /// The CdcPath setting, relative to `bucketFolder`, when one is set.
    public var cdcPath: String?

    public init(bucketFolder: String, schema: String = "billing", cdcPath: String? = nil) {
        self.bucketFolder = StagingLocation.trimSlashes(Substring(bucketFolder))
        self.schema = schema
        self.cdcPath = cdcPath.map { StagingLocation.trimSlashes(Substring($0)) }
    }

    func join(_ parts: String...) -> String {
        parts.filter { !$0.isEmpty }.joined(separator: "/") + "/"
    }

    /// `{bucketFolder}/{schema}/{table}/`
    public func tablePrefix(_ table: String) -> String {
        join(bucketFolder, schema, table)
    }

    /// Where per-table change files live: the table folder, or under the CdcPath.
    public func changePrefix(_ table: String) -> String {
        if let cdcPath, !cdcPath.isEmpty { return join(bucketFolder, cdcPath, schema, table) }
        return tablePrefix(table)
    }

    /// `{bucketFolder}/{cdcPath}/`, where `CDC_TXN-*.csv` files live.
    public var transactionPrefix: String? {
        guard let cdcPath, !cdcPath.isEmpty else { return nil }
        return join(bucketFolder, cdcPath)
    }

    /// The key of full-load file number `counter` (1-based) of `table`.
    public func fullLoadKey(table: String, counter: UInt64, compression: DMSFile.Compression = .none) -> String {
        tablePrefix(table) + DMSStagingLayout.fullLoadName(counter: counter, compression: compression)
    }

    /// `LOAD0000000A.csv`: the counter in 8 upper-case hex digits.
    public static func fullLoadName(counter: UInt64, compression: DMSFile.Compression = .none) -> String {
        let hex = String(counter, radix: 16, uppercase: true)
        let padded = String(repeating: "0", count: max(0, 8 - hex.count)) + hex
        return "LOAD" + padded + (compression == .gzip ? ".csv.gz" : ".csv")
    }

    /// The files of one table, each kind in the order to apply them.
    public func listTable(_ table: String, in store: some ObjectStore) async throws -> DMSTableFiles {
        var result = DMSTableFiles()
        let prefix = tablePrefix(table)
        let changePrefix = self.changePrefix(table)
        for info in try await store.list(prefix: prefix) {
            let file = DMSFile.classify(key: info.key, size: info.size, under: prefix)
            switch file?.kind {
            case .fullLoad?:
                result.fullLoad.append(file!)
            case .changes? where changePrefix == prefix:
                result.changes.append(file!)
            default:
                result.ignored.append(info.key)
            }
        }
        if changePrefix != prefix {
            for info in try await store.list(prefix: changePrefix) {
                if let file = DMSFile.classify(key: info.key, size: info.size, under: changePrefix),
                    case .changes = file.kind
                {
                    result.changes.append(file)
                } else {
                    result.ignored.append(info.key)
                }
            }
        }
        result.fullLoad.sort(by: DMSFile.fullLoadOrder)
        result.changes.sort(by: DMSFile.changeOrder)
        return result
    }

    /// The `CDC_TXN-*` files under the CdcPath, in transaction order; empty without a CdcPath.
    public func listTransactionFiles(in store: some ObjectStore) async throws -> [DMSFile] {
        guard let prefix = transactionPrefix else { return [] }
        var files: [DMSFile] = []
        for info in try await store.list(prefix: prefix) {
            // Only files directly in the CdcPath folder.
            guard !info.key.dropFirst(prefix.count).contains("/") else { continue }
            if let file = DMSFile.classify(key: info.key, size: info.size, under: prefix),
                case .transactionChanges = file.kind
            {
                files.append(file)
            }
        }
        return files.sorted(by: DMSFile.changeOrder)
    }
}

/// A table's DMS files, each list in application order.
public struct DMSTableFiles: Sendable, Hashable {
    /// Full-load files, by sub-folder, segment and hex counter.
    public var fullLoad: [DMSFile] = []
    /// Change files, by timestamp name.
    public var changes: [DMSFile] = []
    /// Keys under the table's folders that are not DMS CSV files (skipped).
    public var ignored: [String] = []

    public init(fullLoad: [DMSFile] = [], changes: [DMSFile] = [], ignored: [String] = []) {
        self.fullLoad = fullLoad
        self.changes = changes
        self.ignored = ignored
    }
}
