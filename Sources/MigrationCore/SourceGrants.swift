/// The privileges of one account, read from its `SHOW GRANTS` lines.
///
/// Understands global (`*.*`), database (`db.*`, with the `_`/`%` wildcards
/// and `\_` escapes a database-level grant allows), table and column grants,
/// `ALL [PRIVILEGES]`, and MariaDB's and MySQL's names for the same privilege.
/// Role grants (`GRANT role TO user`) are recorded but not expanded: what a
/// role holds is not in the account's own `SHOW GRANTS`.
public struct SourceGrants: Sendable, Equatable {
    public enum Scope: Sendable, Hashable {
        case global
        /// A database name or a LIKE pattern (`bill%`, `bill\_ing`).
        case database(String)
        case table(database: String, table: String)
    }

    public struct Grant: Sendable, Equatable {
        public var scope: Scope
        /// Canonical upper-case names (`SELECT`, `REPLICATION SLAVE`, `ALL`).
        public var privileges: Set<String>
        /// Privileges granted only on some columns: not enough to read whole rows.
        public var columnPrivileges: Set<String>
    }

    public private(set) var grants: [Grant] = []
    /// Roles granted to the account (their privileges are not counted).
    public private(set) var roles: [String] = []
    /// Lines that could not be understood.
    public private(set) var unparsed: [String] = []

    public init(lines: [String]) {
        for line in lines {
            parse(line)
        }
    }

    /// Whether `privilege` holds on every table of `database` that the account
    /// may name: granted globally, on the database (or a matching pattern), or on the table.
    public func has(_ privilege: String, database: String, table: String) -> Bool {
        let wanted = Self.canonical(privilege)
        return grants.contains { grant in
            guard grant.privileges.contains(wanted) || grant.privileges.contains("ALL") else { return false }
            switch grant.scope {
            case .global: return true
            case .database(let pattern): return Self.like(database, pattern: pattern)
            case .table(let db, let name): return db == database && name.lowercased() == table.lowercased()
            }
        }
    }

    /// Whether `privilege` is granted on `*.*` (replication privileges exist only there).
    public func hasGlobal(_ privilege: String) -> Bool {
        let wanted = Self.canonical(privilege)
        return grants.contains { $0.scope == .global && ($0.privileges.contains(wanted) || $0.privileges.contains("ALL")) }
    }

    /// One name per privilege: MariaDB 10.5+ calls REPLICATION CLIENT `BINLOG MONITOR`
    /// and accepts REPLICA for SLAVE; MySQL keeps the old names.
    static func canonical(_ name: String) -> String {
        let words = name.uppercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        switch words {
        case "ALL PRIVILEGES": return "ALL"
        case "REPLICATION REPLICA": return "REPLICATION SLAVE"
        case "REPLICATION CLIENT": return "BINLOG MONITOR"
        default: return words
        }
    }

    /// SQL LIKE as a database-level grant applies it: `%` any run, `_` one
    /// character, a backslash makes the next character literal.
    public static func like(_ text: String, pattern: String) -> Bool {
        let subject = Array(text)
        var tokens: [(character: Character, literal: Bool)] = []
        var escaped = false
        for character in pattern {
            if escaped {
                tokens.append((character, true))
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else {
                tokens.append((character, false))
            }
        }
        // Dynamic programming over (pattern position, text position).
        var matches = [Bool](repeating: false, count: subject.count + 1)
        matches[0] = true
        for token in tokens {
            var next = [Bool](repeating: false, count: subject.count + 1)
            if !token.literal && token.character == "%" {
                var any = false
                for index in 0...subject.count {
                    any = any || matches[index]
                    next[index] = any
                }
            } else {
                for index in 0..<subject.count where matches[index] {
                    if (!token.literal && token.character == "_") || subject[index] == token.character {
                        next[index + 1] = true
                    }
                }
            }
            matches = next
        }
        return matches[subject.count]
    }

    private mutating func parse(_ line: String) {
        var text = Substring(line.trimmedWhitespace())
        guard text.uppercased().hasPrefix("GRANT ") else {
            unparsed.append(line)
            return
        }
        text = text.dropFirst(6)
        guard let on = Self.topLevelRange(of: " ON ", in: text) else {
            // `GRANT role TO user`: a role, or `GRANT PROXY ON` (which has ON).
            if let to = Self.topLevelRange(of: " TO ", in: text) {
                roles.append(String(text[..<to.lowerBound]).trimmedWhitespace())
            } else {
                unparsed.append(line)
            }
            return
        }
        let privilegeText = text[..<on.lowerBound]
        var objectText = text[on.upperBound...]
        guard let to = Self.topLevelRange(of: " TO ", in: objectText) else {
            unparsed.append(line)
            return
        }
        objectText = objectText[..<to.lowerBound]
        // Routines (`ON PROCEDURE db.p`) and PROXY grants do not give table or replication access.
        let upperObject = objectText.uppercased()
        if upperObject.hasPrefix("PROCEDURE ") || upperObject.hasPrefix("FUNCTION ") || upperObject.hasPrefix("PACKAGE ")
            || privilegeText.uppercased().trimmedWhitespace() == "PROXY"
        {
            return
        }
        guard let scope = Self.scope(String(objectText)) else {
            unparsed.append(line)
            return
        }
        var grant = Grant(scope: scope, privileges: [], columnPrivileges: [])
        for item in Self.splitTopLevel(privilegeText, separator: ",") {
            let trimmed = item.trimmedWhitespace()
            if let paren = trimmed.firstIndex(of: "(") {
                grant.columnPrivileges.insert(Self.canonical(String(trimmed[..<paren])))
            } else if !trimmed.isEmpty {
                grant.privileges.insert(Self.canonical(trimmed))
            }
        }
        grants.append(grant)
    }

    /// `*.*`, `` `db`.* ``, `` `db`.`table` ``, `db.table`.
    static func scope(_ text: String) -> Scope? {
        let parts = identifiers(text.trimmedWhitespace())
        guard parts.count == 2 else { return nil }
        switch (parts[0], parts[1]) {
        case ("*", "*"): return .global
        case (let database, "*"): return .database(database)
        case (let database, let table): return .table(database: database, table: table)
        }
    }

    /// Splits `a.b` into its two names, unquoting back-quoted ones (a doubled back quote is one).
    static func identifiers(_ text: String) -> [String] {
        var names: [String] = []
        var current = ""
        var quoted = false
        var characters = Array(text)[...]
        while let character = characters.popFirst() {
            if quoted {
                if character == "`" {
                    if characters.first == "`" {
                        current.append("`")
                        characters.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(character)
                }
            } else if character == "`" {
                quoted = true
            } else if character == "." {
                names.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        names.append(current)
        return names
    }

    /// The first occurrence of `needle` (case-insensitive) outside back quotes,
    /// quotes and parentheses.
    static func topLevelRange(of needle: String, in text: Substring) -> Range<Substring.Index>? {
        let upper = needle.uppercased()
        var depth = 0
        var quote: Character?
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "`" || character == "'" || character == "\"" {
                quote = character
            } else if character == "(" {
                depth += 1
            } else if character == ")" {
                depth -= 1
            } else if depth == 0, text[index...].uppercased().hasPrefix(upper) {
                return index..<text.index(index, offsetBy: needle.count)
            }
            index = text.index(after: index)
        }
        return nil
    }

    static func splitTopLevel(_ text: Substring, separator: Character) -> [Substring] {
        var parts: [Substring] = []
        var depth = 0
        var start = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if character == separator && depth == 0 {
                parts.append(text[start..<index])
                start = text.index(after: index)
            }
            index = text.index(after: index)
        }
        parts.append(text[start...])
        return parts
    }
}

extension StringProtocol {
    func trimmedWhitespace() -> String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}
