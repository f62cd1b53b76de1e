import BillingModel

/// SQL literals rendered without a connection, so statements can be built by pure
/// code (the workload planner) and in bulk (the sample writer) without a round trip
/// to the connection's thread per value.
///
/// Safe for utf8mb4 connections only: multi-byte character sets whose trailing bytes
/// may look like `\` or `'` (GBK, SJIS) need `mysql_real_escape_string`.
public struct MySQLLiteral: Sendable, Hashable {
    /// True when the server runs with `NO_BACKSLASH_ESCAPES`: then only quotes are doubled.
    public var noBackslashEscapes: Bool

    public init(noBackslashEscapes: Bool = false) {
        self.noBackslashEscapes = noBackslashEscapes
    }

    /// From the session's `@@sql_mode`.
    public init(sqlMode: String) {
        self.init(noBackslashEscapes: sqlMode.uppercased().split(separator: ",").contains("NO_BACKSLASH_ESCAPES"))
    }

    /// `text` as a quoted string literal.
    public func quote(_ text: String) -> String {
        var result = "'"
        result.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            if noBackslashEscapes {
                if scalar == "'" { result += "''" } else { result.unicodeScalars.append(scalar) }
                continue
            }
            // The characters mysql_real_escape_string escapes.
            switch scalar {
            case "\0": result += "\\0"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\\": result += "\\\\"
            case "'": result += "\\'"
            case "\"": result += "\\\""
            case "\u{1A}": result += "\\Z"
            default: result.unicodeScalars.append(scalar)
            }
        }
        result += "'"
        return result
    }

    /// A source value as a literal: text quoted, bytes as a hex literal, NULL as NULL.
    public func literal(_ value: SourceValue) -> String {
        switch value {
        case .null: return "NULL"
        case .text(let text): return quote(text)
        case .bytes(let bytes):
            let digits: [Character] = Array("0123456789ABCDEF")
            var hex = "X'"
            for byte in bytes {
                hex.append(digits[Int(byte >> 4)])
                hex.append(digits[Int(byte & 0x0F)])
            }
            return hex + "'"
        }
    }

    /// A back-quoted identifier (table or column name).
    public static func identifier(_ name: String) -> String {
        "`" + name.replacingOccurrences(of: "`", with: "``") + "`"
    }
}
