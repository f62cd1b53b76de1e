import BillingModel

/// How a validation cuts both sides into the same groups, derived from the
/// mapping's partition-key templates: every item and the row it comes from must
/// land in the same group, and all items of one partition key too (the orphan
/// check looks for the parent in the group).
///
/// - `numericRanges`: every compared table's partition key is one integer
///   column between fixed text (`BAN#{ban}`, `AUTHOR#{author_id:8}`). Groups are
///   ranges of that number (`AccountPartitions`): the source reads a range by
///   `column > lower AND column <= upper` (an index range when the column leads
///   an index), the target's items are sorted into ranges by the number in
///   their partition key. Billing is this case with `ban` in every table.
///   Negative numbers fall in the first range (open below) on both sides.
/// - `hashed`: any other template (text columns, several columns). Groups are
///   buckets of a stable hash of the partition key: the source is read table by
///   table in primary-key order, each row mapped to its key and sorted into its
///   bucket, as the items are. Slower (every row is mapped and spilled once
///   more), but it needs nothing of the key.
public enum PartitionScheme: Sendable, Hashable {
    case numericRanges(NumericPartitionKeys)
    case hashed

    /// The scheme of `mapping` (of `tables` of it; all when nil).
    public init(mapping: Mapping, tables: [String]? = nil) {
        var keys: [String: NumericPartitionKey] = [:]
        for table in mapping.tables where tables?.contains(table.table) ?? true {
            guard let key = NumericPartitionKey(table: table) else {
                self = .hashed
                return
            }
            keys[table.table] = key
        }
        self = .numericRanges(NumericPartitionKeys(byTable: keys))
    }

    /// The partition column of `table`, when ranges are numeric.
    public func column(of table: String) -> String? {
        guard case .numericRanges(let keys) = self else { return nil }
        return keys.byTable[table]?.column
    }

    /// The number in a partition key, when it has the form of one of the
    /// tables' templates; nil otherwise (and always when hashed). A negative
    /// number is returned as 0, which lies in the same (first) range.
    public func number(inPartitionKey pk: String) -> UInt64? {
        guard case .numericRanges(let keys) = self else { return nil }
        for key in keys.distinct {
            if let number = key.number(in: pk) { return number }
        }
        return nil
    }

    /// Every partition key that the number `number` makes, one per distinct
    /// template (to Query a group of accounts); empty when hashed.
    public func partitionKeys(of number: UInt64) -> [String] {
        guard case .numericRanges(let keys) = self else { return [] }
        return keys.distinct.map { $0.partitionKey(of: number) }
    }
}

/// The numeric partition keys of a mapping's tables.
public struct NumericPartitionKeys: Sendable, Hashable {
    public let byTable: [String: NumericPartitionKey]
    /// The distinct templates, longest prefix first (the most specific match
    /// wins), computed once: items are parsed against them one by one.
    public let distinct: [NumericPartitionKey]

    public init(byTable: [String: NumericPartitionKey]) {
        self.byTable = byTable
        distinct = Set(byTable.values).sorted {
            ($0.prefix.utf8.count, $0.prefix, $0.suffix) > ($1.prefix.utf8.count, $1.prefix, $1.suffix)
        }
    }
}

/// A partition-key template of the form `{prefix}{column}{suffix}` or
/// `{prefix}{column:N}{suffix}` whose column is an integer.
public struct NumericPartitionKey: Sendable, Hashable {
    public var prefix: String
    public var column: String
    public var padding: Int?
    public var suffix: String

    public init(prefix: String, column: String, padding: Int?, suffix: String) {
        self.prefix = prefix
        self.column = column
        self.padding = padding
        self.suffix = suffix
    }

    /// The numeric key of `table`, or nil when its template is of another form.
    public init?(table: TableMapping) {
        var prefix = ""
        var suffix = ""
        var column: (name: String, padding: Int?)?
        for segment in table.partitionKey.segments {
            switch segment {
            case .literal(let text):
                if column == nil { prefix += text } else { suffix += text }
            case .column(let name, let padding):
                guard column == nil else { return nil }
                column = (name, padding)
            }
        }
        guard let column, table.column(column.name)?.type.family == .integer else { return nil }
        // A suffix starting with a digit would run into the number.
        if let first = suffix.utf8.first, first &- UInt8(ascii: "0") < 10 { return nil }
        self.init(prefix: prefix, column: column.name, padding: column.padding, suffix: suffix)
    }

    /// The number in `pk`, or nil when `pk` is not of this form; a negative number gives 0.
    public func number(in pk: String) -> UInt64? {
        guard pk.hasPrefix(prefix), pk.hasSuffix(suffix), pk.utf8.count >= prefix.utf8.count + suffix.utf8.count else {
            return nil
        }
        var digits = pk.utf8.dropFirst(prefix.utf8.count).dropLast(suffix.utf8.count)
        var negative = false
        if digits.first == UInt8(ascii: "-") {
            negative = true
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }) else { return nil }
        if negative { return 0 }
        return UInt64(String(decoding: digits, as: UTF8.self))
    }

    /// The partition key the number makes, padded as the template says.
    public func partitionKey(of number: UInt64) -> String {
        var digits = String(number)
        if let padding, digits.count < padding { digits = String(repeating: "0", count: padding - digits.count) + digits }
        return prefix + digits + suffix
    }
}
