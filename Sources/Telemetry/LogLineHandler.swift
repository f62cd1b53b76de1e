import Foundation
import Logging
import Synchronization

/// How log events are written: readable text for a terminal, or JSON lines for
/// log shipping (CloudWatch Logs, Fluent Bit, Vector...).
public enum LogFormat: String, Sendable, CaseIterable {
    case text
    case json
}

/// The one swift-log handler of the executables: each event becomes one line on
/// a `LogSink` (standard error), as text or as one JSON object. Metadata comes
/// from the handler (ids bound at bootstrap, such as the run), the metadata
/// provider (the ids of the task: file, batch, position...) and the call, the
/// later winning; it is written flattened, each key at the top level of the
/// line. Values that look like secrets are masked on the way out.
public struct LogLineHandler: LogHandler {
    public var metadata: Logger.Metadata
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level
    let label: String
    let format: LogFormat
    let sink: LogSink

    public init(
        label: String, format: LogFormat, level: Logger.Level = .info, metadata: Logger.Metadata = [:],
        metadataProvider: Logger.MetadataProvider? = nil, sink: LogSink = .standardError
    ) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.metadata = metadata
        self.metadataProvider = metadataProvider
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = self.metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let explicit = event.metadata { merged.merge(explicit) { $1 } }
        if let error = event.error { merged["error"] = .string(String(describing: error)) }
        switch format {
        case .json:
            sink.write(Self.jsonLine(at: Date(), level: event.level, label: label, message: event.message.description, metadata: merged))
        case .text:
            sink.write(Self.textLine(level: event.level, message: event.message.description, metadata: merged))
        }
    }

    // MARK: Rendering

    /// Keys every JSON line has; metadata with one of these names is written as `meta_{name}`.
    static let reservedKeys: Set<String> = ["timestamp", "level", "label", "message"]

    /// One event as one JSON object: `timestamp` (ISO-8601 UTC, milliseconds),
    /// `level`, `label`, `message`, then the metadata keys in sorted order.
    public static func jsonLine(at date: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> String {
        var line = "{\"timestamp\":"
        appendJSONString(date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)), to: &line)
        line += ",\"level\":"
        appendJSONString(level.rawValue, to: &line)
        line += ",\"label\":"
        appendJSONString(label, to: &line)
        line += ",\"message\":"
        appendJSONString(LogRedaction.masked(message), to: &line)
        for key in metadata.keys.sorted() {
            line += ","
            appendJSONString(reservedKeys.contains(key) ? "meta_" + key : key, to: &line)
            line += ":"
            appendJSON(LogRedaction.masked(metadata[key]!, key: key), to: &line)
        }
        line += "}"
        return line
    }

    /// `level: message key=value ...` (info without its level). The run id is
    /// left out: a terminal shows one run, and the command's first line names it.
    public static func textLine(level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        var line = level == .info || level == .notice ? "" : level.rawValue + ": "
        line += LogRedaction.masked(message)
        for key in metadata.keys.sorted() where key != "runID" {
            line += " \(key)=\(LogRedaction.masked(metadata[key]!, key: key))"
        }
        return line
    }

    static func appendJSON(_ value: Logger.Metadata.Value, to line: inout String) {
        switch value {
        case .string(let text): appendJSONString(text, to: &line)
        case .stringConvertible(let convertible):
            // Numbers and booleans stay JSON numbers and booleans, so queries can compare them.
            switch convertible {
            case let number as any BinaryInteger: line += "\(number)"
            case let number as Double where number.isFinite: line += "\(number)"
            case let flag as Bool: line += flag ? "true" : "false"
            default: appendJSONString(convertible.description, to: &line)
            }
        case .array(let values):
            line += "["
            for (index, element) in values.enumerated() {
                if index > 0 { line += "," }
                appendJSON(element, to: &line)
            }
            line += "]"
        case .dictionary(let values):
            line += "{"
            for (index, key) in values.keys.sorted().enumerated() {
                if index > 0 { line += "," }
                appendJSONString(key, to: &line)
                line += ":"
                appendJSON(values[key]!, to: &line)
            }
            line += "}"
        }
    }

    /// A JSON string literal: quotes, backslashes and every control character
    /// escaped, so an event never spans two lines.
    static func appendJSONString(_ text: String, to line: inout String) {
        line += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": line += "\\\""
            case "\\": line += "\\\\"
            case "\n": line += "\\n"
            case "\r": line += "\\r"
            case "\t": line += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x2028 || scalar.value == 0x2029:
                let hex = String(scalar.value, radix: 16)
                line += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: line.unicodeScalars.append(scalar)
            }
        }
        line += "\""
    }
}

/// Where log lines go: one whole line per write, under a lock, so lines of
/// concurrent tasks never interleave. On a terminal each line first clears
/// the progress line being redrawn there, which the next redraw restores.
public final class LogSink: Sendable {
    private let output: @Sendable (String) -> Void
    private let lock = Mutex<Void>(())

    public init(_ output: @escaping @Sendable (String) -> Void) {
        self.output = output
    }

    public func write(_ line: String) {
        lock.withLock { _ in output(line) }
    }

    public static let standardError: LogSink = {
        let clear = isatty(STDERR_FILENO) == 1 ? "\r\u{1B}[2K" : ""
        return LogSink { line in FileHandle.standardError.write(Data((clear + line + "\n").utf8)) }
    }()
}

/// Keeps secrets out of log lines, whatever a message or value holds: the
/// password of a URL (`mysql://user:secret@host`), values of keys that name a
/// secret (password, secret, token, credentials, authorization), and AWS
/// secret keys written as `aws_secret_access_key=...`.
public enum LogRedaction {
    static let mask = "***"
    static let secretKeyWords = ["password", "passwd", "secret", "token", "credential", "authorization", "signature"]

    public static func isSecretKey(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return secretKeyWords.contains { lowered.contains($0) }
    }

    static func masked(_ value: Logger.Metadata.Value, key: String) -> Logger.Metadata.Value {
        if isSecretKey(key) { return .string(mask) }
        switch value {
        case .string(let text): return .string(masked(text))
        case .stringConvertible(let convertible):
            switch convertible {
            case is any BinaryInteger, is Double, is Bool: return value
            default: return .string(masked(convertible.description))
            }
        case .array(let values): return .array(values.map { masked($0, key: key) })
        case .dictionary(let values):
            return .dictionary(Dictionary(uniqueKeysWithValues: values.map { ($0.key, masked($0.value, key: $0.key)) }))
        }
    }

    /// `text` with URL passwords and `secret-named key = value` pairs masked.
    public static func masked(_ text: String) -> String {
        maskedAssignments(maskedURLPasswords(text))
    }

    /// `scheme://user:password@host` becomes `scheme://user:***@host`.
    static func maskedURLPasswords(_ text: String) -> String {
        guard text.contains("://") else { return text }
        var result = ""
        var rest = Substring(text)
        while let scheme = rest.range(of: "://") {
            result += rest[..<scheme.upperBound]
            rest = rest[scheme.upperBound...]
            let authorityEnd = rest.firstIndex { "/?# \t\n\"'<>".contains($0) } ?? rest.endIndex
            let authority = rest[..<authorityEnd]
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                result += authority[...colon] + mask + authority[at...]
            } else {
                result += authority
            }
            rest = rest[authorityEnd...]
        }
        return result + rest
    }

    /// `password=abc`, `AWS_SECRET_ACCESS_KEY: abc`, `"token":"abc"`: the value masked.
    static func maskedAssignments(_ text: String) -> String {
        let lowered = text.lowercased()
        guard secretKeyWords.contains(where: { lowered.contains($0) }) else { return text }
        var result = ""
        var words = Substring(text)
        // Walk name/value pairs: a name made of word characters, then = or : (quotes and spaces around allowed).
        while let start = words.firstIndex(where: { $0.isLetter || $0 == "_" }) {
            result += words[..<start]
            let nameEnd = words[start...].firstIndex { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") } ?? words.endIndex
            let name = words[start..<nameEnd]
            result += name
            words = words[nameEnd...]
            guard isSecretKey(String(name)) else { continue }
            var cursor = words.startIndex
            while cursor < words.endIndex, "\"' ".contains(words[cursor]) { cursor = words.index(after: cursor) }
            guard cursor < words.endIndex, "=:".contains(words[cursor]) else { continue }
            cursor = words.index(after: cursor)
            while cursor < words.endIndex, "\"' ".contains(words[cursor]) { cursor = words.index(after: cursor) }
            let valueEnd = words[cursor...].firstIndex { " \t\n,;&\"'}".contains($0) } ?? words.endIndex
            guard valueEnd > cursor else { continue }
            result += words[..<cursor] + mask
            words = words[valueEnd...]
        }
        return result + words
    }
}
