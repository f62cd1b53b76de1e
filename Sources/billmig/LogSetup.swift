import Foundation
import Logging
import Migration
import Synchronization
import Telemetry

/// How this invocation logs: `--log-format text|json` and `--log-level LEVEL`,
/// accepted before or after the command's name, else BILLMIG_LOG_FORMAT and
/// BILLMIG_LOG_LEVEL. Text (for terminals) shows notices and worse by default;
/// JSON (for log shipping) shows info and worse.
struct LogSettings: Sendable, Equatable {
    var format: LogFormat = .text
    var level: Logger.Level = .notice

    static let formatOption = "--log-format"
    static let levelOption = "--log-level"

    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    /// The settings of `arguments` (taking their options out of them) and `environment`.
    static func extract(from arguments: inout [String], environment: [String: String]) throws -> LogSettings {
        var format = environment["BILLMIG_LOG_FORMAT"].flatMap { $0.isEmpty ? nil : $0 }
        var level = environment["BILLMIG_LOG_LEVEL"].flatMap { $0.isEmpty ? nil : $0 }
        var kept: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            // Everything after `--` belongs to the command.
            if argument == "--" {
                kept += arguments[index...]
                break
            }
            var matched = false
            for option in [formatOption, levelOption] {
                let value: String
                if argument == option {
                    guard index + 1 < arguments.count else { throw Problem(description: "\(option) needs a value") }
                    value = arguments[index + 1]
                    index += 1
                } else if argument.hasPrefix(option + "=") {
                    value = String(argument.dropFirst(option.count + 1))
                } else {
                    continue
                }
                if option == formatOption { format = value } else { level = value }
                matched = true
            }
            if !matched { kept.append(argument) }
            index += 1
        }
        arguments = kept

        var settings = LogSettings()
        if let format {
            guard let parsed = LogFormat(rawValue: format.lowercased()) else {
                throw Problem(description: "--log-format (or BILLMIG_LOG_FORMAT) takes text or json, not \(format)")
            }
            settings.format = parsed
            if parsed == .json { settings.level = .info }
        }
        if let level {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw Problem(description: "--log-level (or BILLMIG_LOG_LEVEL) takes one of "
                    + Logger.Level.allCases.map(\.rawValue).joined(separator: ", ") + ", not \(level)")
            }
            settings.level = parsed
        }
        return settings
    }

    /// What this process uses, set once by `bootstrap` (text until then).
    static let current = Mutex(LogSettings())

    /// Installs the handler for the whole process: every logger carries the
    /// run id, and the correlation ids of the task that logs (`LogContext`).
    func bootstrap(runID: String) {
        Self.current.withLock { $0 = self }
        let format = format
        let level = level
        LoggingSystem.bootstrap({ label, provider in
            LogLineHandler(
                label: label, format: format, level: level, metadata: [LogKey.runID: .string(runID)], metadataProvider: provider)
        }, metadataProvider: LogContext.provider)
    }
}

/// A run id: 12 random hex digits, one per invocation of a command.
enum RunID {
    static func make() -> String {
        let value = UInt64.random(in: 0..<(1 << 48))
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 12 - hex.count) + hex
    }
}

/// The edge's own log lines: a command's start, end and summary.
let commandLogger = Logger(label: "billmig")

/// An Encodable value (a command's summary) as log metadata, nested as its JSON is.
func logMetadata<T: Encodable>(_ value: T) -> Logger.Metadata.Value? {
    guard let data = try? JSONEncoder().encode(value) else { return nil }
    return (try? JSONDecoder().decode(MetadataJSON.self, from: data))?.value
}

/// Any JSON, read as log metadata: numbers and booleans stay numbers and booleans.
private struct MetadataJSON: Decodable {
    var value: Logger.Metadata.Value

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            value = .string("null")
        } else if let flag = try? container.decode(Bool.self) {
            value = .stringConvertible(flag)
        } else if let integer = try? container.decode(Int.self) {
            value = .stringConvertible(integer)
        } else if let number = try? container.decode(Double.self) {
            value = .stringConvertible(number)
        } else if let text = try? container.decode(String.self) {
            value = .string(text)
        } else if let object = try? container.decode([String: MetadataJSON].self) {
            value = .dictionary(object.mapValues(\.value))
        } else {
            value = .array(try container.decode([MetadataJSON].self).map(\.value))
        }
    }
}
