/// A DynamoDB attribute value, as the wire protocol defines it.
///
/// Numbers stay as their decimal text (`N` on the wire) so that no value ever
/// passes through a binary float.
public enum AttributeValue: Sendable, Hashable {
    case s(String)
    case n(String)
    case b([UInt8])
    case bool(Bool)
    case null
    case l([AttributeValue])
    case m([String: AttributeValue])
    case ss([String])
    case ns([String])
    case bs([[UInt8]])
}

/// One DynamoDB item: attribute name to value.
public typealias Item = [String: AttributeValue]

extension AttributeValue {
    public var stringValue: String? {
        if case .s(let value) = self { return value }
        return nil
    }

    public var numberValue: String? {
        if case .n(let value) = self { return value }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }
}
