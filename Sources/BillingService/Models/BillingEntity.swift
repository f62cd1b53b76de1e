import BillingModel

/// A typed row of one of the six billing tables. The row form (`SourceRow`,
/// column order and MySQL's text forms) is what the one mapping (`ItemMapper`,
/// `ItemDecoder`) turns into items and back, so both stores share it.
public protocol BillingEntity: Sendable, Hashable, Codable {
    /// The source table name, also the items' `EntityType`.
    static var table: String { get }
    init(row: SourceRow) throws(BillingModelError)
    var row: SourceRow { get }
}

extension SourceValue {
    static func optional(_ text: String?) -> SourceValue { text.map { .text($0) } ?? .null }
}

/// Why a row, a model or a request cannot be used. Says what to change.
public struct BillingModelError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Reads a row's values in column order, typed, naming the column on failure.
struct RowReader {
    private let row: SourceRow
    private let table: String
    private var index = 0

    init(_ row: SourceRow, table: String) {
        self.row = row
        self.table = table
    }

    private mutating func next(_ column: String) throws(BillingModelError) -> String? {
        guard index < row.count else {
            throw BillingModelError("\(table) row has \(row.count) columns; `\(column)` is missing")
        }
        defer { index += 1 }
        switch row[index] {
        case .null: return nil
        case .text(let text): return text
        case .bytes(let bytes): return String(decoding: bytes, as: UTF8.self)
        }
    }

    private mutating func required(_ column: String) throws(BillingModelError) -> String {
        guard let text = try next(column) else { throw BillingModelError("\(table).\(column) is NULL but may not be") }
        return text
    }

    private func invalid(_ column: String, _ text: String, _ expected: String) -> BillingModelError {
        BillingModelError("\(table).\(column) = `\(text)` is not \(expected)")
    }

    mutating func string(_ column: String) throws(BillingModelError) -> String { try required(column) }
    mutating func optionalString(_ column: String) throws(BillingModelError) -> String? { try next(column) }

    mutating func uint64(_ column: String) throws(BillingModelError) -> UInt64 {
        let text = try required(column)
        guard let value = UInt64(text) else { throw invalid(column, text, "an unsigned 64-bit integer") }
        return value
    }

    mutating func uint32(_ column: String) throws(BillingModelError) -> UInt32 {
        guard let value = try optionalUint32(column) else { throw BillingModelError("\(table).\(column) is NULL but may not be") }
        return value
    }

    mutating func optionalUint32(_ column: String) throws(BillingModelError) -> UInt32? {
        guard let text = try next(column) else { return nil }
        guard let value = UInt32(text) else { throw invalid(column, text, "an unsigned 32-bit integer") }
        return value
    }

    mutating func date(_ column: String) throws(BillingModelError) -> BillingDate {
        guard let value = try optionalDate(column) else { throw BillingModelError("\(table).\(column) is NULL but may not be") }
        return value
    }

    mutating func optionalDate(_ column: String) throws(BillingModelError) -> BillingDate? {
        guard let text = try next(column) else { return nil }
        guard let value = BillingDate(text) else { throw invalid(column, text, "a date YYYY-MM-DD") }
        return value
    }

    mutating func decimal(_ column: String) throws(BillingModelError) -> BillingDecimal {
        guard let value = try optionalDecimal(column) else { throw BillingModelError("\(table).\(column) is NULL but may not be") }
        return value
    }

    mutating func optionalDecimal(_ column: String) throws(BillingModelError) -> BillingDecimal? {
        guard let text = try next(column) else { return nil }
        guard let value = BillingDecimal(text) else { throw invalid(column, text, "a decimal number") }
        return value
    }

    mutating func timestamp(_ column: String) throws(BillingModelError) -> BillingTimestamp {
        let text = try required(column)
        guard let value = BillingTimestamp(sql: text) else { throw invalid(column, text, "a DATETIME") }
        return value
    }

    func finish() throws(BillingModelError) {
        guard index == row.count else { throw BillingModelError("\(table) row has \(row.count) columns, expected \(index)") }
    }
}

/// One row of any billing table: what the access patterns return.
public enum BillingRecord: Sendable, Hashable {
    case account(BillingAccount)
    case customer(Customer)
    case subscriber(Subscriber)
    case serviceAgreement(ServiceAgreement)
    case bill(Bill)
    case charge(Charge)

    public init(table: String, row: SourceRow) throws(BillingModelError) {
        switch table {
        case BillingAccount.table: self = .account(try BillingAccount(row: row))
        case Customer.table: self = .customer(try Customer(row: row))
        case Subscriber.table: self = .subscriber(try Subscriber(row: row))
        case ServiceAgreement.table: self = .serviceAgreement(try ServiceAgreement(row: row))
        case Bill.table: self = .bill(try Bill(row: row))
        case Charge.table: self = .charge(try Charge(row: row))
        default: throw BillingModelError("`\(table)` is not a billing table")
        }
    }

    public var entity: any BillingEntity {
        switch self {
        case .account(let value): value
        case .customer(let value): value
        case .subscriber(let value): value
        case .serviceAgreement(let value): value
        case .bill(let value): value
        case .charge(let value): value
        }
    }

    public var table: String { type(of: entity).table }
    public var row: SourceRow { entity.row }
}

extension BillingRecord: Codable {
    private enum TypeKey: String, CodingKey { case entity }

    /// A record is its entity's fields plus `"entity": "<TABLE>"`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: TypeKey.self)
        try container.encode(table, forKey: .entity)
        try entity.encode(to: encoder)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: TypeKey.self)
        switch try container.decode(String.self, forKey: .entity) {
        case BillingAccount.table: self = .account(try BillingAccount(from: decoder))
        case Customer.table: self = .customer(try Customer(from: decoder))
        case Subscriber.table: self = .subscriber(try Subscriber(from: decoder))
        case ServiceAgreement.table: self = .serviceAgreement(try ServiceAgreement(from: decoder))
        case Bill.table: self = .bill(try Bill(from: decoder))
        case Charge.table: self = .charge(try Charge(from: decoder))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .entity, in: container, debugDescription: "unknown entity `\(other)`")
        }
    }
}
