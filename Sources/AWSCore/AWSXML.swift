/// A parsed XML element: enough of XML for AWS's REST-XML and query protocols.
/// Namespace prefixes are dropped from names; DTDs, comments and processing
/// instructions are skipped.
public struct AWSXMLElement: Sendable, Hashable {
    public var name: String
    public var attributes: [String: String]
    public var children: [AWSXMLElement]
    /// The element's own character data (CDATA included), entities decoded, not trimmed.
    public var text: String

    public init(name: String, attributes: [String: String] = [:], children: [AWSXMLElement] = [], text: String = "") {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.text = text
    }

    public func child(_ name: String) -> AWSXMLElement? {
        children.first { $0.name == name }
    }

    public func children(_ name: String) -> [AWSXMLElement] {
        children.filter { $0.name == name }
    }

    /// The text of the first child with that name.
    public func childText(_ name: String) -> String? {
        child(name)?.text
    }

    /// The first element with that name in document order, this one included.
    public func first(named name: String) -> AWSXMLElement? {
        if self.name == name { return self }
        for child in children {
            if let found = child.first(named: name) { return found }
        }
        return nil
    }

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var offset: Int
        public var message: String
        public var description: String { "XML error at byte \(offset): \(message)" }
    }

    public static func parse(_ text: String) throws -> AWSXMLElement {
        try parse(Array(text.utf8))
    }

    public static func parse(_ bytes: [UInt8]) throws -> AWSXMLElement {
        var parser = XMLByteParser(bytes: bytes)
        return try parser.parseDocument()
    }
}

private struct XMLByteParser {
    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
    }

    func fail(_ message: String) -> AWSXMLElement.ParseError {
        AWSXMLElement.ParseError(offset: index, message: message)
    }

    func hasPrefix(_ prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        return prefix.withUTF8Buffer { buffer in
            for offset in 0..<count where bytes[index + offset] != buffer[offset] { return false }
            return true
        }
    }

    mutating func skip(past terminator: StaticString) throws {
        while index < bytes.count {
            if hasPrefix(terminator) {
                index += terminator.utf8CodeUnitCount
                return
            }
            index += 1
        }
        throw fail("unterminated construct, expected \(terminator)")
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        !(byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
            || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "=")
            || byte == UInt8(ascii: "<") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'"))
    }

    mutating func skipWhitespace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0A || bytes[index] == 0x0D {
            index += 1
        }
    }

    mutating func readName() throws -> String {
        let start = index
        while index < bytes.count, Self.isNameByte(bytes[index]) { index += 1 }
        guard index > start else { throw fail("expected a name") }
        let full = bytes[start..<index]
        if let colon = full.lastIndex(of: UInt8(ascii: ":")) {
            return String(decoding: full[(colon + 1)...], as: UTF8.self)
        }
        return String(decoding: full, as: UTF8.self)
    }

    mutating func parseDocument() throws -> AWSXMLElement {
        var stack: [AWSXMLElement] = []
        var root: AWSXMLElement?
        while index < bytes.count {
            if bytes[index] != UInt8(ascii: "<") {
                let start = index
                while index < bytes.count, bytes[index] != UInt8(ascii: "<") { index += 1 }
                if !stack.isEmpty {
                    stack[stack.count - 1].text += try decodeEntities(bytes[start..<index])
                }
                continue
            }
            if hasPrefix("<?") {
                try skip(past: "?>")
            } else if hasPrefix("<!--") {
                try skip(past: "-->")
            } else if hasPrefix("<![CDATA[") {
                index += 9
                let start = index
                try skip(past: "]]>")
                if !stack.isEmpty {
                    stack[stack.count - 1].text += String(decoding: bytes[start..<(index - 3)], as: UTF8.self)
                }
            } else if hasPrefix("<!") {
                try skip(past: ">")
            } else if hasPrefix("</") {
                index += 2
                let name = try readName()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ">") else { throw fail("expected > after </\(name)") }
                index += 1
                guard let element = stack.popLast(), element.name == name else { throw fail("unexpected </\(name)>") }
                if stack.isEmpty { root = element } else { stack[stack.count - 1].children.append(element) }
            } else {
                index += 1
                var element = AWSXMLElement(name: try readName())
                var selfClosing = false
                while true {
                    skipWhitespace()
                    guard index < bytes.count else { throw fail("unterminated tag <\(element.name)") }
                    if bytes[index] == UInt8(ascii: ">") { index += 1; break }
                    if hasPrefix("/>") { index += 2; selfClosing = true; break }
                    let attribute = try readName()
                    skipWhitespace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else { throw fail("expected = after \(attribute)") }
                    index += 1
                    skipWhitespace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else {
                        throw fail("expected a quoted value for \(attribute)")
                    }
                    let quote = bytes[index]
                    index += 1
                    let start = index
                    while index < bytes.count, bytes[index] != quote { index += 1 }
                    guard index < bytes.count else { throw fail("unterminated attribute \(attribute)") }
                    element.attributes[attribute] = try decodeEntities(bytes[start..<index])
                    index += 1
                }
                if selfClosing {
                    if stack.isEmpty { root = element } else { stack[stack.count - 1].children.append(element) }
                } else {
                    stack.append(element)
                }
            }
            if root != nil, stack.isEmpty {
                return root!
            }
        }
        if let root, stack.isEmpty { return root }
        throw fail(stack.isEmpty ? "no root element" : "unclosed <\(stack.last!.name)>")
    }

    func decodeEntities(_ slice: ArraySlice<UInt8>) throws -> String {
        guard slice.contains(UInt8(ascii: "&")) else { return String(decoding: slice, as: UTF8.self) }
        var output: [UInt8] = []
        output.reserveCapacity(slice.count)
        var position = slice.startIndex
        while position < slice.endIndex {
            let byte = slice[position]
            guard byte == UInt8(ascii: "&") else {
                output.append(byte)
                position += 1
                continue
            }
            guard let semicolon = slice[position...].firstIndex(of: UInt8(ascii: ";")), semicolon - position <= 12 else {
                throw fail("unterminated entity")
            }
            let entity = String(decoding: slice[(position + 1)..<semicolon], as: UTF8.self)
            switch entity {
            case "amp": output.append(UInt8(ascii: "&"))
            case "lt": output.append(UInt8(ascii: "<"))
            case "gt": output.append(UInt8(ascii: ">"))
            case "quot": output.append(UInt8(ascii: "\""))
            case "apos": output.append(UInt8(ascii: "'"))
            default:
                let scalarValue: UInt32?
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                    scalarValue = UInt32(entity.dropFirst(2), radix: 16)
                } else if entity.hasPrefix("#") {
                    scalarValue = UInt32(entity.dropFirst(), radix: 10)
                } else {
                    scalarValue = nil
                }
                guard let scalarValue, let scalar = Unicode.Scalar(scalarValue) else { throw fail("unknown entity &\(entity);") }
                output.append(contentsOf: Array(String(Character(scalar)).utf8))
            }
            position = semicolon + 1
        }
        return String(decoding: output, as: UTF8.self)
    }
}

/// Escapes text for XML content and attribute values.
public func xmlEscape(_ text: String) -> String {
    var output = ""
    output.reserveCapacity(text.utf8.count)
    for character in text.unicodeScalars {
        switch character {
        case "&": output += "&amp;"
        case "<": output += "&lt;"
        case ">": output += "&gt;"
        case "\"": output += "&quot;"
        case "'": output += "&apos;"
        case "\r": output += "&#13;"
        default: output.unicodeScalars.append(character)
        }
    }
    return output
}
