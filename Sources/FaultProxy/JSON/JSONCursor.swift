/// A malformed JSON document, with the byte offset where reading stopped.
struct JSONSyntaxError: Error, CustomStringConvertible {
    var offset: Int
    var reason: String

    var description: String { "malformed JSON at byte \(offset): \(reason)" }
}

/// A JSON string token: where its content lies in the document (without the quotes) and
/// whether it needs unescaping before use.
struct JSONStringToken {
    var content: Range<Int>
    var hasEscapes: Bool

    /// The token including its quotes, ready to be copied verbatim into another document.
    var quoted: Range<Int> { (content.lowerBound - 1)..<(content.upperBound + 1) }
}

/// Tracks whether the next member or element of a container is the first one, so that
/// commas are demanded exactly between members.
struct JSONContainerProgress {
    fileprivate var isFirst = true
}

/// A forward-only reader over the bytes of one JSON document.
///
/// The proxy's hot path needs only a few facts from a request (keys, sizes, where each write
/// request starts and ends), so this reads them in place instead of building a tree: nothing
/// is allocated except the strings a caller explicitly decodes. Ranges are offsets into
/// `bytes`, so a caller can copy untouched parts of the document verbatim.
///
/// Only valid while the buffer it reads is; use it inside `withUnsafeReadableBytes`.
struct JSONCursor {
    let bytes: UnsafeRawBufferPointer
    private(set) var index: Int

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        self.index = 0
    }

    // MARK: Basics

    @inline(__always)
    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    /// The next significant byte, without consuming it.
    mutating func peek() -> UInt8? {
        skipWhitespace()
        return index < bytes.count ? bytes[index] : nil
    }

    /// The offset of the next significant byte (the start of the next value).
    mutating func valueStart() -> Int {
        skipWhitespace()
        return index
    }

    func error(_ reason: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: index, reason: reason)
    }

    @inline(__always)
    private mutating func expect(_ byte: UInt8) throws {
        // The common case, no whitespace, without a call.
        if index < bytes.count, bytes[index] == byte {
            index += 1
            return
        }
        skipWhitespace()
        guard index < bytes.count, bytes[index] == byte else { throw expectationFailure(byte) }
        index += 1
    }

    @inline(never)
    private func expectationFailure(_ byte: UInt8) -> JSONSyntaxError {
        error("expected '\(Character(Unicode.Scalar(byte)))'")
    }

    /// Demands that nothing but whitespace follows.
    mutating func expectEnd() throws {
        skipWhitespace()
        guard index == bytes.count else { throw error("unexpected data after the document") }
    }

    // MARK: Containers

    mutating func beginObject() throws -> JSONContainerProgress {
        try expect(UInt8(ascii: "{"))
        return JSONContainerProgress()
    }

    /// Reads the next member's key and its colon, leaving the cursor at the member's value;
    /// nil (with the closing brace consumed) when the object ends.
    mutating func nextKey(_ progress: inout JSONContainerProgress) throws -> JSONStringToken? {
        skipWhitespace()
        guard index < bytes.count else { throw error("unterminated object") }
        if bytes[index] == UInt8(ascii: "}") {
            index += 1
            return nil
        }
        if progress.isFirst {
            progress.isFirst = false
        } else {
            try expect(UInt8(ascii: ","))
        }
        let key = try readString()
        try expect(UInt8(ascii: ":"))
        return key
    }

    mutating func beginArray() throws -> JSONContainerProgress {
        try expect(UInt8(ascii: "["))
        return JSONContainerProgress()
    }

    /// Moves to the next element of an array; false (with the closing bracket consumed) when
    /// the array ends.
    mutating func nextElement(_ progress: inout JSONContainerProgress) throws -> Bool {
        skipWhitespace()
        guard index < bytes.count else { throw error("unterminated array") }
        if bytes[index] == UInt8(ascii: "]") {
            index += 1
            return false
        }
        if progress.isFirst {
            progress.isFirst = false
        } else {
            try expect(UInt8(ascii: ","))
        }
        skipWhitespace()
        return true
    }

    // MARK: Scalars

    mutating func readString() throws -> JSONStringToken {
        try expect(UInt8(ascii: "\""))
        let start = index
        var hasEscapes = false
        var position = index
        let end = bytes.count
        while position < end {
            let byte = bytes[position]
            // One comparison for the common case: printable and neither quote nor backslash.
            if byte > UInt8(ascii: "\\") || (byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")) {
                position += 1
                continue
            }
            if byte == UInt8(ascii: "\"") {
                index = position + 1
                return JSONStringToken(content: start..<position, hasEscapes: hasEscapes)
            }
            if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                position += 2
                continue
            }
            index = position
            throw error("control character in string")
        }
        throw JSONSyntaxError(offset: start, reason: "unterminated string")
    }

    /// Skips one value of any kind and returns the bytes it spans.
    @discardableResult
    mutating func skipValue() throws -> Range<Int> {
        skipWhitespace()
        let start = index
        guard index < bytes.count else { throw error("expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "\""):
            _ = try readString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            try skipContainer()
        case UInt8(ascii: "t"):
            try skipLiteral("true")
        case UInt8(ascii: "f"):
            try skipLiteral("false")
        case UInt8(ascii: "n"):
            try skipLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            index += 1
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "e"),
                    UInt8(ascii: "E"), UInt8(ascii: "+"), UInt8(ascii: "-"):
                    index += 1
                default:
                    return start..<index
                }
            }
        default:
            throw error("unexpected character")
        }
        return start..<index
    }

    /// Skips a nested object or array by counting brackets outside strings; the structure
    /// inside is not checked, which is enough for parts the proxy only copies.
    private mutating func skipContainer() throws {
        let start = index
        var depth = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                index += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                index += 1
                if depth == 0 { return }
            case UInt8(ascii: "\""):
                _ = try readString()
            default:
                index += 1
            }
        }
        throw JSONSyntaxError(offset: start, reason: "unterminated container")
    }

    private mutating func skipLiteral(_ literal: StaticString) throws {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("truncated literal") }
        let matches = literal.withUTF8Buffer { expected in
            for offset in 0..<count where bytes[index + offset] != expected[offset] { return false }
            return true
        }
        guard matches else { throw error("unknown literal") }
        index += count
    }

    // MARK: Reading tokens

    /// True when the token's text is exactly `literal` (tokens with escapes never match; the
    /// keys the proxy looks for are plain ASCII).
    @inline(__always)
    func token(_ token: JSONStringToken, equals literal: StaticString) -> Bool {
        guard !token.hasEscapes, token.content.count == literal.utf8CodeUnitCount else { return false }
        return literal.withUTF8Buffer { expected in
            var offset = 0
            for position in token.content {
                if bytes[position] != expected[offset] { return false }
                offset += 1
            }
            return true
        }
    }

    func string(_ token: JSONStringToken) throws -> String {
        if !token.hasEscapes {
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[token.content]), as: UTF8.self)
        }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(token.content.count)
        try unescape(token) { decoded.append($0) }
        return String(decoding: decoded, as: UTF8.self)
    }

    /// The length in UTF-8 bytes of the string the token denotes.
    func decodedUTF8Count(_ token: JSONStringToken) throws -> Int {
        if !token.hasEscapes { return token.content.count }
        var count = 0
        try unescape(token) { _ in count += 1 }
        return count
    }

    private func unescape(_ token: JSONStringToken, _ emit: (UInt8) -> Void) throws {
        var position = token.content.lowerBound
        let end = token.content.upperBound
        while position < end {
            let byte = bytes[position]
            guard byte == UInt8(ascii: "\\") else {
                emit(byte)
                position += 1
                continue
            }
            guard position + 1 < end else { throw JSONSyntaxError(offset: position, reason: "dangling escape") }
            let escaped = bytes[position + 1]
            position += 2
            switch escaped {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): emit(escaped)
            case UInt8(ascii: "b"): emit(0x08)
            case UInt8(ascii: "f"): emit(0x0C)
            case UInt8(ascii: "n"): emit(0x0A)
            case UInt8(ascii: "r"): emit(0x0D)
            case UInt8(ascii: "t"): emit(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hexQuad(at: position, end: end)
                position += 4
                if (0xD800...0xDBFF).contains(scalar), position + 6 <= end,
                    bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u")
                {
                    let low = try hexQuad(at: position + 2, end: end)
                    if (0xDC00...0xDFFF).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        position += 6
                    }
                }
                // A lone surrogate becomes U+FFFD, as a String would make of it.
                let character = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                for unit in UTF8.encode(character)! { emit(unit) }
            default:
                throw JSONSyntaxError(offset: position - 1, reason: "unknown escape")
            }
        }
    }

    private func hexQuad(at position: Int, end: Int) throws -> UInt32 {
        guard position + 4 <= end else { throw JSONSyntaxError(offset: position, reason: "truncated \\u escape") }
        var value: UInt32 = 0
        for offset in 0..<4 {
            let byte = bytes[position + offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw JSONSyntaxError(offset: position + offset, reason: "bad hex digit")
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}
