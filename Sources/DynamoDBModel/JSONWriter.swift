/// Writes JSON into a byte array. Containers track their own commas, so callers
/// only say what comes next.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8]
    // One flag per open container: has it a member yet?
    private var hasMember: [Bool] = []
    private var afterKey = false

    public init(capacity: Int = 1024) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inline(__always)
    private mutating func separate() {
        if afterKey {
            afterKey = false
            return
        }
        guard !hasMember.isEmpty else { return }
        if hasMember[hasMember.count - 1] {
            bytes.append(UInt8(ascii: ","))
        } else {
            hasMember[hasMember.count - 1] = true
        }
    }

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        hasMember.append(false)
    }

    public mutating func endObject() {
        hasMember.removeLast()
        bytes.append(UInt8(ascii: "}"))
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        hasMember.append(false)
    }

    public mutating func endArray() {
        hasMember.removeLast()
        bytes.append(UInt8(ascii: "]"))
    }

    /// An object member's name; the next value written is its value.
    public mutating func key(_ name: String) {
        separate()
        DynamoDBJSON.appendString(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    public mutating func string(_ value: String) {
        separate()
        DynamoDBJSON.appendString(value, to: &bytes)
    }

    public mutating func number<Integer: BinaryInteger>(_ value: Integer) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
    }

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: value ? "true".utf8 : "false".utf8)
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
    }

    public mutating func attributeValue(_ value: AttributeValue) {
        separate()
        DynamoDBJSON.appendAttributeValue(value, to: &bytes)
    }

    public mutating func item(_ item: Item) {
        separate()
        DynamoDBJSON.appendItem(item, to: &bytes)
    }

    public mutating func value(_ value: JSONValue) {
        separate()
        value.append(to: &bytes)
    }

    /// A value already encoded as JSON, appended as it is.
    public mutating func encoded(_ json: [UInt8]) {
        separate()
        bytes.append(contentsOf: json)
    }

    /// `"name": value` in one call.
    public mutating func field(_ name: String, _ value: String) {
        key(name)
        string(value)
    }
}
