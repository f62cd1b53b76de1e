/// Where DMS output is staged: an S3 bucket and key prefix, or a local folder.
///
/// Parsed from what a user types: `s3://bucket/folder/`, `file:///data/dms`,
/// `/data/dms` or `data/dms`.
public enum StagingLocation: Sendable, Hashable, CustomStringConvertible {
    /// An S3 bucket and a key prefix without leading or trailing `/` (may be empty).
    case s3(bucket: String, prefix: String)
    /// A local folder (no trailing `/`).
    case local(folder: String)

    public init(parsing text: String) throws {
        let trimmed = text.trimmingASCIIWhitespace()
        guard !trimmed.isEmpty else { throw StagingLocationError(text, "empty location") }
        if let rest = trimmed.dropPrefix(caseInsensitive: "s3://") {
            let parts = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            let bucket = String(parts[0])
            guard !bucket.isEmpty else { throw StagingLocationError(text, "no bucket name after s3://") }
            guard Self.isValidBucketName(bucket) else {
                throw StagingLocationError(text, "'\(bucket)' is not a valid S3 bucket name")
            }
            let prefix = parts.count > 1 ? Self.trimSlashes(parts[1]) : ""
            self = .s3(bucket: bucket, prefix: prefix)
        } else if let rest = trimmed.dropPrefix(caseInsensitive: "file://") {
            // file:///abs/path (empty host) or file://localhost/abs/path.
            var path = Substring(rest)
            if path.hasPrefix("localhost/") { path = path.dropFirst("localhost".count) }
            guard path.hasPrefix("/") else {
                throw StagingLocationError(text, "a file URL needs an absolute path (file:///folder)")
            }
            self = .local(folder: Self.trimTrailingSlashes(Self.percentDecoded(path)))
        } else if let colon = trimmed.firstIndex(of: ":"),
            trimmed[..<colon].allSatisfy({ $0.isLetter || $0 == "+" || $0 == "-" || $0 == "." }),
            trimmed[colon...].hasPrefix("://")
        {
            throw StagingLocationError(text, "unsupported scheme '\(trimmed[..<colon])' (use s3:// or a folder)")
        } else {
            self = .local(folder: Self.trimTrailingSlashes(trimmed))
        }
    }

    public var description: String {
        switch self {
        case .s3(let bucket, let prefix):
            return prefix.isEmpty ? "s3://\(bucket)/" : "s3://\(bucket)/\(prefix)/"
        case .local(let folder):
            return folder
        }
    }

    /// The key prefix inside the store: the S3 prefix, or empty for a local folder
    /// (whose store is rooted at the folder).
    public var keyPrefix: String {
        switch self {
        case .s3(_, let prefix): return prefix
        case .local: return ""
        }
    }

    /// `prefix` as a folder of keys: with a trailing `/`, or empty for the root.
    public static func folder(_ prefix: String) -> String {
        prefix.isEmpty || prefix.hasSuffix("/") ? prefix : prefix + "/"
    }

    static func isValidBucketName(_ name: String) -> Bool {
        // Loose form of the S3 rules: 3-63 of [a-z0-9.-], starting and ending alphanumeric.
        // Upper case and `_` are accepted for legacy buckets and local emulators.
        let bytes = Array(name.utf8)
        guard (3...255).contains(bytes.count) else { return false }
        func alnum(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
        }
        guard alnum(bytes.first!), alnum(bytes.last!) else { return false }
        return bytes.allSatisfy { alnum($0) || $0 == 0x2E || $0 == 0x2D || $0 == 0x5F }
    }

    static func trimSlashes(_ text: Substring) -> String {
        String(text.drop(while: { $0 == "/" }).reversed().drop(while: { $0 == "/" }).reversed())
    }

    static func trimTrailingSlashes(_ text: String) -> String {
        var text = text
        while text.count > 1 && text.hasSuffix("/") { text.removeLast() }
        return text
    }

    static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "%"), iterator.count >= 2,
                let high = hexValue(iterator[iterator.startIndex]),
                let low = hexValue(iterator[iterator.startIndex + 1])
            {
                bytes.append(high << 4 | low)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A staging location that could not be understood.
public struct StagingLocationError: Error, Sendable, Hashable, CustomStringConvertible {
    public let text: String
    public let reason: String

    init(_ text: String, _ reason: String) {
        self.text = text
        self.reason = reason
    }

    public var description: String { "invalid staging location '\(text)': \(reason)" }
}

func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
    default: return nil
    }
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(self.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }

    func dropPrefix(caseInsensitive prefix: String) -> String? {
        guard self.utf8.count >= prefix.utf8.count else { return nil }
        let head = self.utf8.prefix(prefix.utf8.count)
        guard head.elementsEqual(prefix.utf8, by: { asciiLower($0) == asciiLower($1) }) else { return nil }
        return String(self.utf8.dropFirst(prefix.utf8.count))!
    }
}

@inline(__always)
func asciiLower(_ byte: UInt8) -> UInt8 {
    (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
}
