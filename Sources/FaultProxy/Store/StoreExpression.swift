/// A condition, filter or key condition expression in DynamoDB's syntax, parsed with its
/// `ExpressionAttributeNames` and `ExpressionAttributeValues` resolved. Paths are top-level
/// attribute names: billmig's expressions use no nested paths, and the parser says so when
/// it meets one.
indirect enum StoreCondition {
    enum Comparator: String { case equal = "=", notEqual = "<>", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">=" }

    enum Operand {
        case path(String)
        case value(StoreValue)
        case size(String)
    }

    case compare(Operand, Comparator, Operand)
    case between(Operand, Operand, Operand)
    case oneOf(Operand, [Operand])
    case attributeExists(String)
    case attributeNotExists(String)
    case beginsWith(Operand, Operand)
    case contains(Operand, Operand)
    case attributeType(String, Operand)
    case and(StoreCondition, StoreCondition)
    case or(StoreCondition, StoreCondition)
    case not(StoreCondition)

    // MARK: Evaluating

    /// Whether an item whose attributes `lookup` answers meets the condition.
    func isMet(_ lookup: (String) -> StoreValue?) -> Bool {
        switch self {
        case .compare(let left, let comparator, let right):
            guard let a = Self.resolve(left, lookup), let b = Self.resolve(right, lookup) else { return false }
            if comparator == .equal { return a == b }
            if comparator == .notEqual { return a != b }
            guard let order = StoreValue.order(a, b) else { return false }
            switch comparator {
            case .less: return order < 0
            case .lessOrEqual: return order <= 0
            case .greater: return order > 0
            case .greaterOrEqual: return order >= 0
            case .equal, .notEqual: return false
            }
        case .between(let operand, let low, let high):
            guard let value = Self.resolve(operand, lookup), let low = Self.resolve(low, lookup),
                  let high = Self.resolve(high, lookup),
                  let fromLow = StoreValue.order(value, low), let toHigh = StoreValue.order(value, high)
            else { return false }
            return fromLow >= 0 && toHigh <= 0
        case .oneOf(let operand, let candidates):
            guard let value = Self.resolve(operand, lookup) else { return false }
            return candidates.contains { Self.resolve($0, lookup) == value }
        case .attributeExists(let name):
            return lookup(name) != nil
        case .attributeNotExists(let name):
            return lookup(name) == nil
        case .beginsWith(let operand, let prefix):
            switch (Self.resolve(operand, lookup), Self.resolve(prefix, lookup)) {
            case (.s(let value)?, .s(let prefix)?), (.b(let value)?, .b(let prefix)?):
                return value.starts(with: prefix)
            default:
                return false
            }
        case .contains(let operand, let part):
            switch (Self.resolve(operand, lookup), Self.resolve(part, lookup)) {
            case (.s(let value)?, .s(let part)?):
                guard part.count <= value.count else { return false }
                return (0...(value.count - part.count)).contains { value[$0...].starts(with: part) }
            default:
                return false
            }
        case .attributeType(let name, let type):
            guard let value = lookup(name), case .s(let wanted)? = Self.resolve(type, lookup) else { return false }
            return Array(value.typeName.utf8) == wanted
        case .and(let left, let right):
            return left.isMet(lookup) && right.isMet(lookup)
        case .or(let left, let right):
            return left.isMet(lookup) || right.isMet(lookup)
        case .not(let inner):
            return !inner.isMet(lookup)
        }
    }

    private static func resolve(_ operand: Operand, _ lookup: (String) -> StoreValue?) -> StoreValue? {
        switch operand {
        case .path(let name): return lookup(name)
        case .value(let value): return value
        case .size(let name):
            let count: Int
            switch lookup(name) {
            case .s(let bytes)?, .b(let bytes)?: count = bytes.count
            default: return nil
            }
            return OrderedNumber.encode(Array(String(count).utf8)).map(StoreValue.n)
        }
    }

    /// The conditions joined by AND at the top, in order.
    var conjuncts: [StoreCondition] {
        if case .and(let left, let right) = self { return left.conjuncts + right.conjuncts }
        return [self]
    }
}

/// Reads the text of an expression into a `StoreCondition`.
struct StoreExpressionParser {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private enum Token: Equatable {
        case word(String)
        case name(String)
        case value(String)
        case symbol(String)
    }

    private var tokens: [Token] = []
    private var position = 0
    private let names: [String: String]
    private let values: [String: StoreValue]
    private let text: String

    static func parse(_ text: String, names: [String: String], values: [String: StoreValue]) throws -> StoreCondition {
        var parser = try StoreExpressionParser(text: text, names: names, values: values)
        let condition = try parser.orCondition()
        guard parser.position == parser.tokens.count else { throw parser.failure("unexpected token after the end") }
        return condition
    }

    private init(text: String, names: [String: String], values: [String: StoreValue]) throws {
        self.text = text
        self.names = names
        self.values = values
        let scalars = Array(text.unicodeScalars)
        var index = 0
        func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
            scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_"
        }
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
                index += 1
            } else if scalar == "#" || scalar == ":" || isWordScalar(scalar) {
                var end = index + 1
                while end < scalars.count, isWordScalar(scalars[end]) { end += 1 }
                let word = String(String.UnicodeScalarView(scalars[index..<end]))
                tokens.append(scalar == "#" ? .name(word) : scalar == ":" ? .value(word) : .word(word))
                index = end
            } else if "<>=".unicodeScalars.contains(scalar) {
                var symbol = String(scalar)
                if index + 1 < scalars.count, scalars[index + 1] == "=" || (scalar == "<" && scalars[index + 1] == ">") {
                    symbol.unicodeScalars.append(scalars[index + 1])
                    index += 1
                }
                tokens.append(.symbol(symbol))
                index += 1
            } else if scalar == "(" || scalar == ")" || scalar == "," {
                tokens.append(.symbol(String(scalar)))
                index += 1
            } else if scalar == "." || scalar == "[" {
                throw Failure(description: "Invalid expression: nested attribute paths are not supported by billmig-fault-proxy's store: \(text)")
            } else {
                throw Failure(description: "Invalid expression: Syntax error; token: \"\(scalar)\": \(text)")
            }
        }
    }

    private func failure(_ reason: String) -> Failure {
        Failure(description: "Invalid expression: \(reason): \(text)")
    }

    private var next: Token? { position < tokens.count ? tokens[position] : nil }

    private mutating func keyword(_ word: String) -> Bool {
        if case .word(let found)? = next, found.uppercased() == word {
            position += 1
            return true
        }
        return false
    }

    private mutating func symbol(_ symbol: String) -> Bool {
        if next == .symbol(symbol) {
            position += 1
            return true
        }
        return false
    }

    private mutating func expect(_ symbol: String) throws {
        guard self.symbol(symbol) else { throw failure("expected \(symbol)") }
    }

    private mutating func orCondition() throws -> StoreCondition {
        var condition = try andCondition()
        while keyword("OR") { condition = .or(condition, try andCondition()) }
        return condition
    }

    private mutating func andCondition() throws -> StoreCondition {
        var condition = try notCondition()
        while keyword("AND") { condition = .and(condition, try notCondition()) }
        return condition
    }

    private mutating func notCondition() throws -> StoreCondition {
        if keyword("NOT") { return .not(try notCondition()) }
        if symbol("(") {
            let inner = try orCondition()
            try expect(")")
            return inner
        }
        if case .word(let word)? = next, position + 1 < tokens.count, tokens[position + 1] == .symbol("(") {
            let function = word.lowercased()
            if function != "size" {
                position += 2
                let arguments = try argumentList()
                switch (function, arguments.count) {
                case ("attribute_exists", 1): return .attributeExists(try pathName(arguments[0]))
                case ("attribute_not_exists", 1): return .attributeNotExists(try pathName(arguments[0]))
                case ("begins_with", 2): return .beginsWith(arguments[0], arguments[1])
                case ("contains", 2): return .contains(arguments[0], arguments[1])
                case ("attribute_type", 2): return .attributeType(try pathName(arguments[0]), arguments[1])
                default: throw failure("Invalid function name or arguments; function: \(word)")
                }
            }
        }
        let left = try operand()
        if keyword("BETWEEN") {
            let low = try operand()
            guard keyword("AND") else { throw failure("BETWEEN needs AND") }
            return .between(left, low, try operand())
        }
        if keyword("IN") {
            try expect("(")
            return .oneOf(left, try argumentList())
        }
        guard case .symbol(let text)? = next, let comparator = StoreCondition.Comparator(rawValue: text) else {
            throw failure("expected a comparison")
        }
        position += 1
        return .compare(left, comparator, try operand())
    }

    /// Operands up to the closing parenthesis (the opening one already read).
    private mutating func argumentList() throws -> [StoreCondition.Operand] {
        var arguments = [try operand()]
        while symbol(",") { arguments.append(try operand()) }
        try expect(")")
        return arguments
    }

    private func pathName(_ operand: StoreCondition.Operand) throws -> String {
        guard case .path(let name) = operand else { throw failure("expected an attribute path") }
        return name
    }

    private mutating func operand() throws -> StoreCondition.Operand {
        guard let token = next else { throw failure("unexpected end") }
        position += 1
        switch token {
        case .name(let placeholder):
            guard let name = names[placeholder] else {
                throw Failure(description: "Value provided in ExpressionAttributeNames unused in expressions or An expression attribute name used in the document path is not defined; attribute name: \(placeholder)")
            }
            return .path(name)
        case .value(let placeholder):
            guard let value = values[placeholder] else {
                throw Failure(description: "An expression attribute value used in expression is not defined; attribute value: \(placeholder)")
            }
            return .value(value)
        case .word(let word):
            if word.lowercased() == "size", symbol("(") {
                let argument = try operand()
                try expect(")")
                return .size(try pathName(argument))
            }
            return .path(word)
        case .symbol(let symbol):
            throw failure("unexpected \(symbol)")
        }
    }
}
