import BillingModel

/// Checks a row against its table's column types and brings it to the form
/// MySQL would give back (decimals at the column's scale), so the item the
/// service writes is exactly the item the migration writes for that row.
public struct RowFitting: Sendable {
    public let mapping: Mapping
    let mapper: ItemMapper

    public init(mapping: Mapping) throws(MappingValidationError) {
        self.mapping = mapping
        self.mapper = try ItemMapper(mapping: mapping)
    }

    /// The contract's mapping, compiled once.
    public static let billing: RowFitting = {
        do {
            return try RowFitting(mapping: .billing)
        } catch {
            preconditionFailure("the built-in mapping is invalid: \(error)")
        }
    }()

    public func fitted(table: String, row: SourceRow) throws(BillingModelError) -> SourceRow {
        guard let spec = mapping.table(table) else { throw BillingModelError("`\(table)` is not a mapped table") }
        guard row.count == spec.columns.count else {
            throw BillingModelError("\(table) row has \(row.count) values, expected \(spec.columns.count)")
        }
        var out = row
        for (index, column) in spec.columns.enumerated() {
            guard case .text(let text) = row[index] else {
                if case .null = row[index], !column.isNullable {
                    throw BillingModelError("\(column.name) is required")
                }
                continue
            }
            switch column.type {
            case .decimal(let precision, let scale):
                guard let fitted = DecimalText.fitted(text, precision: precision, scale: scale) else {
                    throw BillingModelError(
                        "\(column.name) = \(text) does not fit DECIMAL(\(precision),\(scale)): at most \(precision - scale) integer and \(scale) fraction digits")
                }
                out[index] = .text(fitted)
            case .char(let length), .varchar(let length):
                if text.unicodeScalars.count > length {
                    throw BillingModelError("\(column.name) is longer than \(length) characters")
                }
            default:
                break
            }
        }
        // Keys and size as the migration would map the row: `#` in a key value or an item over 400 KB is refused.
        do {
            _ = try mapper.item(table: table, row: out, version: "0")
        } catch {
            throw BillingModelError(error.reason)
        }
        return out
    }
}
