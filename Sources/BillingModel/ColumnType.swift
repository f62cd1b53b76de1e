/// A source column's SQL type, as far as the mapping needs it: which attribute
/// type it becomes and how its textual value is checked and normalised.
///
/// Written and read in SQL spelling (`bigint unsigned`, `decimal(12,2)`,
/// `varchar(60)`, `mediumtext`, `datetime(3)`); `description` gives the
/// canonical lower-case spelling that `init(sql:)` reads back.
public enum ColumnType: Sendable, Hashable, CustomStringConvertible {
    /// TINYINT (8), SMALLINT (16), MEDIUMINT (24), INT (32) or BIGINT (64) bits.
    case integer(bits: Int, signed: Bool)
    /// DECIMAL(precision, scale): at most `precision` digits, `scale` of them after the point.
    case decimal(precision: Int, scale: Int)
    case char(length: Int)
    case varchar(length: Int)
    case text(TextSize)
    case date
    /// DATETIME with 0...6 fractional second digits.
    case datetime(fsp: Int)
    /// TIMESTAMP with 0...6 fractional second digits (rendered like DATETIME).
    case timestamp(fsp: Int)
    case binary(length: Int)
    case varbinary(length: Int)
    case blob(TextSize)

    /// The four sizes of TEXT and BLOB columns.
    public enum TextSize: String, Sendable, Hashable, CaseIterable {
        case tiny, regular, medium, long

        var sqlPrefix: String { self == .regular ? "" : rawValue }
    }

    /// What a column turns into in an item.
    public enum Family: Sendable, Hashable {
        case integer, decimal, string, date, dateTime, binary
    }

    public var family: Family {
        switch self {
        case .integer: return .integer
        case .decimal: return .decimal
        case .char, .varchar, .text: return .string
        case .date: return .date
        case .datetime, .timestamp: return .dateTime
        case .binary, .varbinary, .blob: return .binary
        }
    }

    /// Fractional second digits of DATETIME/TIMESTAMP columns, nil for other types.
    public var fractionalSecondDigits: Int? {
        switch self {
        case .datetime(let fsp), .timestamp(let fsp): return fsp
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .integer(let bits, let signed):
            let name: String
            switch bits {
            case 8: name = "tinyint"
            case 16: name = "smallint"
            case 24: name = "mediumint"
            case 32: name = "int"
            default: name = "bigint"
            }
            return signed ? name : name + " unsigned"
        case .decimal(let precision, let scale): return "decimal(\(precision),\(scale))"
        case .char(let length): return "char(\(length))"
        case .varchar(let length): return "varchar(\(length))"
        case .text(let size): return size.sqlPrefix + "text"
        case .date: return "date"
        case .datetime(let fsp): return fsp == 0 ? "datetime" : "datetime(\(fsp))"
        case .timestamp(let fsp): return fsp == 0 ? "timestamp" : "timestamp(\(fsp))"
        case .binary(let length): return "binary(\(length))"
        case .varbinary(let length): return "varbinary(\(length))"
        case .blob(let size): return size.sqlPrefix + "blob"
        }
    }

    /// Reads an SQL type spelling, case-insensitively, with MySQL's defaults
    /// (`decimal` is `decimal(10,0)`, `char` is `char(1)`, `datetime` has no
    /// fraction). Returns nil for a type the mapping does not support.
    public init?(sql: String) {
        let words = sql.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let first = words.first else { return nil }
        let modifiers = words.dropFirst()
        let unsigned: Bool
        switch Array(modifiers) {
        case []: unsigned = false
        case ["unsigned"]: unsigned = true
        case ["signed"]: unsigned = false
        default: return nil
        }

        // Split `name(args)`.
        var name = first
        var arguments: [Int] = []
        if let open = first.firstIndex(of: "(") {
            guard first.hasSuffix(")") else { return nil }
            name = String(first[..<open])
            let inner = first[first.index(after: open)..<first.index(before: first.endIndex)]
            let parts = inner.split(separator: ",", omittingEmptySubsequences: false)
            for part in parts {
                guard let number = Int(part), number >= 0 else { return nil }
                arguments.append(number)
            }
        }
        let integerBits: [String: Int] = ["tinyint": 8, "smallint": 16, "mediumint": 24, "int": 32, "integer": 32, "bigint": 64]
        if let bits = integerBits[name] {
            // A display width (`int(11)`) is allowed and ignored, as MySQL 8 does.
            guard arguments.count <= 1 else { return nil }
            self = .integer(bits: bits, signed: !unsigned)
            return
        }
        guard !unsigned else { return nil }
        switch name {
        case "decimal", "numeric", "dec":
            let precision = arguments.first ?? 10
            let scale = arguments.count > 1 ? arguments[1] : 0
            guard arguments.count <= 2, (1...65).contains(precision), scale <= 30, scale <= precision else { return nil }
            self = .decimal(precision: precision, scale: scale)
        case "char", "varchar", "binary", "varbinary":
            guard arguments.count <= 1 else { return nil }
            let length = arguments.first ?? (name.hasPrefix("var") ? -1 : 1)
            guard length >= 0 else { return nil }
            switch name {
            case "char": self = .char(length: length)
            case "varchar": self = .varchar(length: length)
            case "binary": self = .binary(length: length)
            default: self = .varbinary(length: length)
            }
        case "date":
            guard arguments.isEmpty else { return nil }
            self = .date
        case "datetime", "timestamp":
            guard arguments.count <= 1 else { return nil }
            let fsp = arguments.first ?? 0
            guard fsp <= 6 else { return nil }
            self = name == "datetime" ? .datetime(fsp: fsp) : .timestamp(fsp: fsp)
        default:
            guard arguments.isEmpty else { return nil }
            for size in TextSize.allCases {
                if name == size.sqlPrefix + "text" {
                    self = .text(size)
                    return
                }
                if name == size.sqlPrefix + "blob" {
                    self = .blob(size)
                    return
                }
            }
            return nil
        }
    }
}
