/// One column's value as a source delivers it, before mapping.
///
/// Every source (DMS CSV, MySQL snapshot, binlog) renders values in MySQL's
/// textual form (`2024-01-15 10:22:31.120`, `-12.3400`), so one conversion path
/// in the mapper serves them all.
public enum SourceValue: Sendable, Hashable {
    case null
    case text(String)
    case bytes([UInt8])

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    public var text: String? {
        if case .text(let value) = self { return value }
        return nil
    }
}

/// A row's values in the source table's column order.
public typealias SourceRow = [SourceValue]
