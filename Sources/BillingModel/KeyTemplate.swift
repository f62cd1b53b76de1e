/// A key attribute's value built from literal text and column values:
/// `BAN#{ban}`, `BILL#{bill_seq_number:10}`, `CHARGE#{charge_seq:20}#{activity_num}`,
/// `{cycle_close_date}`, `ACCOUNT`.
///
/// `{column}` inserts the column's normalised value; `{column:N}` inserts an
/// unsigned integer zero-padded to N digits so that lexical order is numeric order.
/// Braces are not allowed in literal text.
public struct KeyTemplate: Sendable, Hashable, CustomStringConvertible {
    public enum Segment: Sendable, Hashable {
        case literal(String)
        case column(name: String, padding: Int?)
    }

    public let segments: [Segment]

    public init(segments: [Segment]) {
        self.segments = segments
    }

    /// Parses a template. Throws for unbalanced braces, an empty column name,
    /// or a padding that is not a whole number from 1 to 40.
    public init(_ text: String) throws(KeyTemplateError) {
        var segments: [Segment] = []
        var literal = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "}" {
                throw KeyTemplateError(template: text, reason: "a `}` without a matching `{`")
            }
            guard character == "{" else {
                literal.append(character)
                index = text.index(after: index)
                continue
            }
            guard let close = text[index...].firstIndex(of: "}") else {
                throw KeyTemplateError(template: text, reason: "a `{` without a matching `}`")
            }
            let inner = text[text.index(after: index)..<close]
            if inner.contains("{") {
                throw KeyTemplateError(template: text, reason: "nested `{`")
            }
            let parts = inner.split(separator: ":", omittingEmptySubsequences: false)
            let name = parts[0].trimmingSpaces
            guard !name.isEmpty else {
                throw KeyTemplateError(template: text, reason: "`{}` names no column")
            }
            var padding: Int?
            if parts.count == 2 {
                guard let width = Int(parts[1].trimmingSpaces), (1...40).contains(width) else {
                    throw KeyTemplateError(
                        template: text, reason: "padding `\(parts[1])` of column `\(name)` is not a number from 1 to 40")
                }
                padding = width
            } else if parts.count > 2 {
                throw KeyTemplateError(template: text, reason: "`{\(inner)}` has more than one `:`")
            }
            if !literal.isEmpty {
                segments.append(.literal(literal))
                literal = ""
            }
            segments.append(.column(name: name, padding: padding))
            index = text.index(after: close)
        }
        if !literal.isEmpty {
            segments.append(.literal(literal))
        }
        guard !segments.isEmpty else {
            throw KeyTemplateError(template: text, reason: "the template is empty")
        }
        self.segments = segments
    }

    /// The names of the columns the template uses, in order.
    public var columnNames: [String] {
        segments.compactMap {
            if case .column(let name, _) = $0 { return name }
            return nil
        }
    }

    /// The template in the form `init(_:)` reads.
    public var description: String {
        segments.map {
            switch $0 {
            case .literal(let text): return text
            case .column(let name, let padding): return padding.map { "{\(name):\($0)}" } ?? "{\(name)}"
            }
        }.joined()
    }
}

/// A key template that cannot be parsed.
public struct KeyTemplateError: Error, Sendable, Hashable, CustomStringConvertible {
    public let template: String
    public let reason: String

    public init(template: String, reason: String) {
        self.template = template
        self.reason = reason
    }

    public var description: String { "key template `\(template)`: \(reason)" }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
