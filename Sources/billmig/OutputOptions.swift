import ArgumentParser
import Foundation
import Logging
import MigrationCore

struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print the summary as JSON on standard output (progress stays on standard error).")
    var json = false

    @Flag(name: .long, help: "No progress display.")
    var quiet = false

    /// Prints a value as pretty, key-sorted JSON.
    func printJSON<T: Encodable>(_ value: T) throws {
        FileHandle.standardOutput.write(try Self.jsonData(value))
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    /// Prints a command's summary, as JSON with `--json` or else as `text`, and
    /// ends the command with `status` when it is not success.
    func conclude<Summary: Encodable>(_ summary: Summary, status: ExitStatus, text: () -> String) throws {
        // The summary as a log event too, for log shipping (nested as its --json is).
        commandLogger.info("summary", metadata: logMetadata(summary).map { ["summary": $0] } ?? [:])
        if json {
            try printJSON(summary)
        } else {
            print(text())
        }
        if status != .success { throw ExitCode(status.rawValue) }
    }
}

extension OutputOptions {
    /// A value as pretty, key-sorted JSON: what --json prints.
    static func jsonData<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}

/// Writes a line to standard error: messages that are not the command's result.
/// With --log-format json it is a log event (notice), so that standard error
/// holds only JSON lines.
func note(_ message: String) {
    if LogSettings.current.withLock({ $0.format }) == .json {
        let trimmed = message.trimmingCharacters(in: .whitespacesAndNewlines)
        commandLogger.notice("\(trimmed.hasPrefix("billmig: ") ? String(trimmed.dropFirst(9)) : trimmed)")
        return
    }
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
