/// Which tables a logged statement changes the definition of: ALTER, CREATE,
/// DROP, RENAME and TRUNCATE TABLE, and CREATE/DROP INDEX … ON. Pure; reads
/// only as much SQL as it takes to find the table names.
public enum BinlogSchemaStatement {
    /// The `(database, table)` pairs `sql` changes; `database` is nil when the
    /// name is unqualified (the statement's default database applies). Empty for
    /// statements that are not DDL.
    public static func changedTables(_ sql: String) -> [(database: String?, table: String)] {
        let tokens = tokenize(sql)
        guard let first = tokens.first?.keyword else { return [] }
        var index = 1
        func skip(_ words: Set<String>) {
            while index < tokens.count, let word = tokens[index].keyword, words.contains(word) { index += 1 }
        }
        func name() -> (database: String?, table: String)? {
            guard index < tokens.count, tokens[index].isName else { return nil }
            var parts = [tokens[index].text]
            index += 1
            while index + 1 < tokens.count, tokens[index].text == ".", tokens[index].isQuoted == false, tokens[index + 1].isName {
                parts.append(tokens[index + 1].text)
                index += 2
            }
            return parts.count >= 2 ? (parts[parts.count - 2], parts[parts.count - 1]) : (nil, parts[0])
        }
        func afterOn() -> [(database: String?, table: String)] {
            while index < tokens.count, tokens[index].keyword != "ON" { index += 1 }
            index += 1
            return name().map { [$0] } ?? []
        }
        switch first {
        case "ALTER", "CREATE", "DROP", "TRUNCATE", "RENAME":
            skip(["OR", "REPLACE", "ONLINE", "OFFLINE", "IGNORE", "TEMPORARY", "UNIQUE", "FULLTEXT", "SPATIAL", "DEFINER"])
            let object = index < tokens.count ? tokens[index].keyword : nil
            if object == "INDEX" { return first == "CREATE" || first == "DROP" ? afterOn() : [] }
            guard object == "TABLE" || object == "TABLES" || (first == "TRUNCATE" && object != nil) else { return [] }
            if object == "TABLE" || object == "TABLES" { index += 1 }
            skip(["IF", "NOT", "EXISTS"])
            guard first == "DROP" || first == "RENAME" else { return name().map { [$0] } ?? [] }
            // DROP TABLE a, b / RENAME TABLE a TO b, c TO d: every name counts.
            var names: [(database: String?, table: String)] = []
            let notNames: Set<String> = ["TO", "CASCADE", "RESTRICT", "WAIT", "NOWAIT"]
            while index < tokens.count {
                if let word = tokens[index].keyword, notNames.contains(word) {
                    index += 1
                } else if let next = name() {
                    names.append(next)
                } else {
                    index += 1
                }
            }
            return names
        default:
            return []
        }
    }

    private struct Token {
        var text: String
        var isQuoted: Bool
        var isName: Bool { isQuoted || text.first.map { $0.isLetter || $0 == "_" || $0 == "$" || $0.isNumber } == true }
        /// The upper-cased word, for unquoted words.
        var keyword: String? { isQuoted || !isName ? nil : text.uppercased() }
    }

    private static func tokenize(_ sql: String) -> [Token] {
        var tokens: [Token] = []
        var characters = Array(sql)
        characters.append(" ")
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character == "`" || character == "\"" {
                var text = ""
                index += 1
                while index < characters.count {
                    if characters[index] == character {
                        if index + 1 < characters.count, characters[index + 1] == character {
                            text.append(character)
                            index += 2
                            continue
                        }
                        break
                    }
                    text.append(characters[index])
                    index += 1
                }
                tokens.append(Token(text: text, isQuoted: true))
                index += 1
            } else if character.isLetter || character.isNumber || character == "_" || character == "$" {
                var text = ""
                while index < characters.count,
                    characters[index].isLetter || characters[index].isNumber || characters[index] == "_" || characters[index] == "$"
                {
                    text.append(characters[index])
                    index += 1
                }
                tokens.append(Token(text: text, isQuoted: false))
            } else if character == "/" && index + 1 < characters.count && characters[index + 1] == "*" {
                // A comment (`/*!40000 … */` hints included) is skipped.
                index += 2
                while index + 1 < characters.count, !(characters[index] == "*" && characters[index + 1] == "/") { index += 1 }
                index += 2
            } else if character.isWhitespace {
                index += 1
            } else {
                tokens.append(Token(text: String(character), isQuoted: false))
                index += 1
            }
        }
        return tokens
    }
}
