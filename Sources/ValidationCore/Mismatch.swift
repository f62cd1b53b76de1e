import DynamoDBModel

/// How an item and its source row disagree.
public enum MismatchKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A source row has no item.
    case missing
    /// An item (not a tombstone, not a tracking item) has no source row.
    case extra
    /// An item differs from its source row's mapped item in a column attribute.
    case different
    /// An item's account item (or, for a service agreement or a subscriber's
    /// charge, its subscriber item) is not in the table.
    case orphan
    /// An item's index key attributes are not what its own attributes produce
    /// through the mapping.
    case gsiKeyMismatch = "gsi-key-mismatch"
}

/// One attribute's value in a report: its DynamoDB type and its text, or absent.
public struct ReportedValue: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `S`, `N`, `B` (base64 text), `BOOL`, `NULL`, or `JSON` for lists, maps and sets.
    public var type: String
    public var value: String

    public init(type: String, value: String) {
        self.type = type
        self.value = value
    }

    public init(_ attribute: AttributeValue) {
        switch attribute {
        case .s(let text): self.init(type: "S", value: text)
        case .n(let text): self.init(type: "N", value: text)
        case .b(let bytes): self.init(type: "B", value: DynamoDBJSON.base64Encode(bytes))
        case .bool(let flag): self.init(type: "BOOL", value: String(flag))
        case .null: self.init(type: "NULL", value: "")
        default: self.init(type: "JSON", value: String(decoding: DynamoDBJSON.encode(attribute), as: UTF8.self))
        }
    }

    /// `S "text"`, `N 12.30`: quoted strings, so an empty string is visible.
    public var description: String {
        switch type {
        case "S": return "S \"" + value + "\""
        case "NULL": return "NULL"
        default: return type + " " + value
        }
    }

    /// A value for people; `absent` when the attribute is not in the item.
    public static func describe(_ value: ReportedValue?) -> String {
        value?.description ?? "absent"
    }
}

/// One attribute that differs: what the mapping of the source row (or of the
/// item's own attributes) says, and what the item holds; nil when absent.
public struct AttributeDifference: Sendable, Hashable, Codable {
    public var attribute: String
    public var expected: ReportedValue?
    public var actual: ReportedValue?

    public init(attribute: String, expected: ReportedValue?, actual: ReportedValue?) {
        self.attribute = attribute
        self.expected = expected
        self.actual = actual
    }
}

/// A source row's primary key column with its value as MySQL renders it.
public struct KeyColumnValue: Sendable, Hashable, Codable {
    public var column: String
    /// nil for a NULL (a primary key never holds one; kept for completeness).
    public var value: String?

    public init(column: String, value: String?) {
        self.column = column
        self.value = value
    }
}

/// One finding of a validation: an item key, what is wrong there, and the
/// attributes that differ. `repair` acts on these.
public struct Mismatch: Sendable, Hashable, Codable {
    public var kind: MismatchKind
    /// The source table (entity), when known (`CHARGE`); nil for an item of no known entity.
    public var entity: String?
    public var pk: String
    public var sk: String
    /// The source row's primary key, in key order, when the row is known (from
    /// the source, or decoded from an extra item): repair re-reads the row by it.
    public var sourceKey: [KeyColumnValue]?
    public var differences: [AttributeDifference]
    /// What is wrong, in words (`no account item BAN#7 / ACCOUNT`).
    public var detail: String?

    public init(
        kind: MismatchKind, entity: String?, key: ItemKey, sourceKey: [KeyColumnValue]? = nil,
        differences: [AttributeDifference] = [], detail: String? = nil
    ) {
        self.kind = kind
        self.entity = entity
        self.pk = key.pk
        self.sk = key.sk
        self.sourceKey = sourceKey
        self.differences = differences
        self.detail = detail
    }

    public var key: ItemKey { ItemKey(pk: pk, sk: sk) }
}
