/// The text transformations SigV4 defines: its own percent-encoding, path
/// normalisation, and the canonical forms of the query string and headers.
public enum SigV4Encoding {
    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    @inline(__always)
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// Percent-encodes every byte of the UTF-8 text except the unreserved characters
    /// `A-Z a-z 0-9 - _ . ~` (and `/` when `keepingSlash`), with upper-case hex digits,
    /// as SigV4 requires. Use it to build request paths and query strings too, so the
    /// wire form and the signed form agree.
    public static func uriEncode(_ text: some StringProtocol, keepingSlash: Bool = false) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) || (keepingSlash && byte == UInt8(ascii: "/")) {
                output.append(byte)
            } else {
                output.append(UInt8(ascii: "%"))
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes `%XX` escapes; a `%` not followed by two hex digits stays as it is.
    /// `+` is not a space here: SigV4 clients encode spaces as `%20`.
    public static func percentDecode(_ text: some StringProtocol) -> String {
        let bytes = Array(text.utf8)
        guard bytes.contains(UInt8(ascii: "%")) else { return String(text) }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
               let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Removes `.` and `..` segments and empty segments (`//`), keeping a trailing
    /// slash. S3 paths are never normalised: a key may contain `//` or `..`.
    public static func normalizePath(_ path: String) -> String {
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": if !segments.isEmpty { segments.removeLast() }
            default: segments.append(segment)
            }
        }
        if segments.isEmpty { return "/" }
        let endsWithSlash = path.hasSuffix("/") || path.hasSuffix("/.") || path.hasSuffix("/..")
        return "/" + segments.joined(separator: "/") + (endsWithSlash ? "/" : "")
    }

    /// The canonical URI of a request path as it appears on the wire.
    ///
    /// - `doubleEncode` (every service but S3): the wire path, normalised, is
    ///   encoded again, so `%` becomes `%25`; raw non-ASCII text gets encoded here.
    /// - otherwise (S3): the path is decoded and encoded once, which is the form the
    ///   service computes from the object key.
    public static func canonicalURI(path: String, normalize: Bool, doubleEncode: Bool) -> String {
        let rawPath = path.isEmpty ? "/" : path
        let normalized = normalize ? normalizePath(rawPath) : rawPath
        if doubleEncode {
            return uriEncode(normalized, keepingSlash: true)
        }
        return uriEncode(percentDecode(normalized), keepingSlash: true)
    }

    /// Splits a raw query string (without `?`) into decoded name/value pairs.
    public static func queryItems(_ query: String) -> [(name: String, value: String)] {
        query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            if let equals = pair.firstIndex(of: "=") {
                return (percentDecode(pair[..<equals]), percentDecode(pair[pair.index(after: equals)...]))
            }
            return (percentDecode(pair), "")
        }
    }

    /// Encodes pairs in SigV4 form, sorted by encoded name then encoded value.
    /// Sending exactly this string on the wire keeps the signed and sent forms equal.
    public static func canonicalQuery(_ items: [(name: String, value: String)]) -> String {
        items.map { (uriEncode($0.name), uriEncode($0.value)) }
            .sorted { lhs, rhs in
                lhs.0 == rhs.0 ? lhs.1.utf8.lexicographicallyPrecedes(rhs.1.utf8)
                    : lhs.0.utf8.lexicographicallyPrecedes(rhs.0.utf8)
            }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    /// The canonical query of a raw (wire) query string.
    public static func canonicalQuery(raw query: String) -> String {
        canonicalQuery(queryItems(query))
    }

    /// Trims the value and turns each run of whitespace into one space.
    public static func canonicalHeaderValue(_ value: String) -> String {
        // Most values have nothing to trim or collapse: they are their own canonical form.
        if isCanonicalHeaderValue(value) { return value }
        var output: [UInt8] = []
        output.reserveCapacity(value.utf8.count)
        var pendingSpace = false
        for byte in value.utf8 {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                pendingSpace = !output.isEmpty
            } else {
                if pendingSpace { output.append(UInt8(ascii: " ")) }
                pendingSpace = false
                output.append(byte)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Lower-case names, sorted; repeated names joined with `,` in order of appearance.
    /// Only names for which `include` answers true are kept.
    public static func canonicalHeaders(
        _ headers: [(name: String, value: String)],
        include: (String) -> Bool
    ) -> (canonical: String, signedHeaders: String) {
        var kept: [(name: String, value: String)] = []
        kept.reserveCapacity(headers.count)
        for (name, value) in headers {
            let lowered = lowercasedASCII(name)
            guard include(lowered) else { continue }
            kept.append((lowered, canonicalHeaderValue(value)))
        }
        // Stable by position, so a repeated name's values keep their order.
        let order = kept.indices.sorted { lhs, rhs in
            kept[lhs].name == kept[rhs].name ? lhs < rhs : kept[lhs].name.utf8.lexicographicallyPrecedes(kept[rhs].name.utf8)
        }
        var canonical = ""
        var signedHeaders = ""
        var previous: String?
        for index in order {
            let (name, value) = kept[index]
            if name == previous {
                canonical.removeLast()  // the line's newline: the value joins the line
                canonical += "," + value + "\n"
                continue
            }
            if previous != nil { signedHeaders += ";" }
            signedHeaders += name
            canonical += name + ":" + value + "\n"
            previous = name
        }
        return (canonical, signedHeaders)
    }

    /// The name itself when it has no upper-case letter (no new string), else lower-cased.
    static func lowercasedASCII(_ name: String) -> String {
        name.utf8.contains { $0 &- UInt8(ascii: "A") < 26 || $0 >= 0x80 } ? name.lowercased() : name
    }

    /// Whether a header value has no whitespace to trim or collapse.
    static func isCanonicalHeaderValue(_ value: String) -> Bool {
        var previousWasSpace = true  // a leading space is to trim
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): return false
            case UInt8(ascii: " "):
                if previousWasSpace { return false }
                previousWasSpace = true
            default: previousWasSpace = false
            }
        }
        return !previousWasSpace || value.isEmpty
    }
}
