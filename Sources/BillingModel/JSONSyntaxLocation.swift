/// Where a JSON text first breaks the grammar, as a 1-based line and column
/// (in characters), for messages about a hand-edited file: Foundation's
/// decoder only says that the data "was not valid JSON".
enum JSONSyntaxLocation {
    /// The first position that is not valid JSON, or nil when the text parses.
    static func firstError(in bytes: [UInt8]) -> (line: Int, column: Int)? {
        var scanner = Scanner(bytes: bytes)
        guard let offset = scanner.errorOffset() else { return nil }
        var line = 1, column = 1
        for byte in bytes[..<min(offset, bytes.count)] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1  // a UTF-8 continuation byte is part of the previous character
            }
        }
        return (line, column)
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        struct Failure: Error {}

        mutating func errorOffset() -> Int? {
            do {
                try value()
                skipSpace()
                if index < bytes.count { throw Failure() }
                return nil
            } catch {
                return index
            }
        }

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func expect(_ character: Unicode.Scalar) throws(Failure) {
            guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { throw Failure() }
            index += 1
        }

        mutating func value() throws(Failure) {
            skipSpace()
            guard index < bytes.count else { throw Failure() }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return }
                while true {
                    skipSpace()
                    try string()
                    skipSpace()
                    try expect(":")
                    try value()
                    skipSpace()
                    if index < bytes.count, bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    try expect("}")
                    return
                }
            case UInt8(ascii: "["):
                index += 1
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return }
                while true {
                    try value()
                    skipSpace()
                    if index < bytes.count, bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    try expect("]")
                    return
                }
            case UInt8(ascii: "\""):
                try string()
            case UInt8(ascii: "t"): try word("true")
            case UInt8(ascii: "f"): try word("false")
            case UInt8(ascii: "n"): try word("null")
            default:
                try number()
            }
        }

        mutating func word(_ text: String) throws(Failure) {
            for scalar in text.unicodeScalars { try expect(scalar) }
        }

        mutating func string() throws(Failure) {
            try expect("\"")
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") { index += 1; return }
                if byte < 0x20 { throw Failure() }
                index += byte == UInt8(ascii: "\\") ? 2 : 1
            }
            throw Failure()
        }

        mutating func number() throws(Failure) {
            let start = index
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index])
                || [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+"), UInt8(ascii: "-")].contains(bytes[index])
            {
                index += 1
            }
            if index == start || (index == start + 1 && bytes[start] == UInt8(ascii: "-")) {
                index = start
                throw Failure()
            }
        }
    }
}
