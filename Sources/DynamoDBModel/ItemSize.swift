/// DynamoDB's size of an item, which its 400 KB limit and write units count:
/// attribute names in UTF-8 plus each value's size.
public enum ItemSize {
    /// The item limit, 400 KB.
    public static let limit = 400 * 1024

    public static func bytes(of item: Item) -> Int {
        var total = 0
        for (name, value) in item {
            total += name.utf8.count + bytes(of: value)
        }
        return total
    }

    public static func bytes(of value: AttributeValue) -> Int {
        switch value {
        case .s(let string): return string.utf8.count
        // About one byte per two significant digits, plus one; counted high on purpose.
        case .n(let number): return number.utf8.count / 2 + 2
        case .b(let bytes): return bytes.count
        case .bool, .null: return 1
        case .l(let values): return 3 + values.reduce(0) { $0 + 1 + bytes(of: $1) }
        case .m(let map): return 3 + map.reduce(0) { $0 + 1 + $1.key.utf8.count + bytes(of: $1.value) }
        case .ss(let strings): return strings.reduce(0) { $0 + $1.utf8.count }
        case .ns(let numbers): return numbers.reduce(0) { $0 + $1.utf8.count / 2 + 2 }
        case .bs(let values): return values.reduce(0) { $0 + $1.count }
        }
    }
}
