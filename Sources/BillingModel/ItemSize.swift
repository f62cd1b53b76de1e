import DynamoDBModel

/// DynamoDB's item size rule, conservatively: the sum of the UTF-8 lengths of
/// attribute names and the sizes of their values.
public enum ItemSize {
    /// DynamoDB's item size limit, 400 KB.
    public static let limit = 400 * 1024

    /// The size of an item in bytes, never less than DynamoDB counts it.
    public static func of(_ item: Item) -> Int {
        var total = 0
        for (name, value) in item {
            total += name.utf8.count + of(value)
        }
        return total
    }

    /// The size of one value. Numbers count one byte per two characters plus
    /// one (DynamoDB counts significant digits, so this never undercounts);
    /// lists and maps add 3 bytes plus 1 per element, as DynamoDB documents.
    public static func of(_ value: AttributeValue) -> Int {
        switch value {
        case .s(let text): return text.utf8.count
        case .n(let text): return numberSize(text)
        case .b(let bytes): return bytes.count
        case .bool, .null: return 1
        case .l(let values): return 3 + values.reduce(0) { $0 + 1 + of($1) }
        case .m(let map): return 3 + map.reduce(0) { $0 + 1 + $1.key.utf8.count + of($1.value) }
        case .ss(let texts): return texts.reduce(0) { $0 + $1.utf8.count }
        case .ns(let texts): return texts.reduce(0) { $0 + numberSize($1) }
        case .bs(let values): return values.reduce(0) { $0 + $1.count }
        }
    }

    static func numberSize(_ text: String) -> Int {
        (text.utf8.count + 1) / 2 + 1
    }
}

extension ItemSize {
    /// Write capacity units one write of an item of `bytes` consumes: 1 per started KB.
    public static func writeUnits(bytes: Int) -> Int {
        max(1, (bytes + 1023) / 1024)
    }
}
