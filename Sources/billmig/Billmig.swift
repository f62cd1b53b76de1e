import ArgumentParser
import Foundation
import Logging
import Migration
import MigrationCore

@main
struct Billmig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "billmig",
        abstract: "Move a telecom billing system from MySQL to one DynamoDB table with zero downtime.",
        discussion: """
            A migration runs in this order, which `migrate --plan FILE` does in one resumable \
            run: check the source (`check`), create the table (`table create`), load the full \
            snapshot, from MySQL or as AWS DMS staged it in S3 (`load`), apply the changes since \
            (`stream` from the binlog, or `apply` over DMS's change files; `worker` on a queue), \
            validate (`validate`), then switch the application (`cutover`). Follow any of it with \
            `status`; `query` runs the access patterns. \
            `generate` writes realistic sample data in the DMS layout for trying it all out.

            AWS settings follow the SDK conventions: AWS_REGION, AWS_PROFILE, \
            AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL and \
            AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_DYNAMODB), AWS_MAX_ATTEMPTS.

            Logs go to standard error: --log-format text|json (JSON lines for log \
            shipping, each with the run id and the ids of the file, batch or position \
            it is about) and --log-level trace|debug|info|notice|warning|error|critical, \
            given before or after the command, or BILLMIG_LOG_FORMAT and BILLMIG_LOG_LEVEL.

            Exit status: 0 success; 1 failure (a rerun resumes from checkpoints); \
            3 finished with rows in the dead-letter store; 4 validate found mismatches \
            (repair: some left unrepaired); 5 a cutover command refused or reverted; 64 bad arguments.
            """,
        subcommands: [PlanCommand.self, LoadCommand.self, ApplyCommand.self, TableCommand.self, StatusCommand.self, GenerateCommand.self, QueryCommand.self, CheckCommand.self, WorkloadCommand.self, ValidateCommand.self, RepairCommand.self, StreamCommand.self, ReverseStreamCommand.self, StageCommand.self, InfraCommand.self, ServeCommand.self, FlagsCommand.self, CutoverCommandGroup.self, NetworkCommand.self, WorkerCommand.self, MigrateCommand.self]
    )

    /// Sets up logging before the command is parsed (its options may come
    /// anywhere on the line), then runs the command under a run id of its own,
    /// with a line at its start and its end.
    static func main() async {
        var arguments = Array(CommandLine.arguments.dropFirst())
        let settings: LogSettings
        do {
            settings = try LogSettings.extract(from: &arguments, environment: ProcessInfo.processInfo.environment)
        } catch {
            note("billmig: \(error)")
            Foundation.exit(ExitStatus.usage.rawValue)
        }
        let runID = RunID.make()
        settings.bootstrap(runID: runID)
        await LogContext.with([LogKey.runID: .string(runID)]) {
            await run(arguments, settings: settings)
        }
    }

    private static func run(_ arguments: [String], settings: LogSettings) async {
        let clock = ContinuousClock()
        let started = clock.now
        var name: String?
        do {
            var command = try parseAsRoot(arguments)
            name = commandPath(command)
            commandLogger.info("command started", metadata: ["command": .string(name!)])
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
            finished(name, code: 0, after: clock.now - started)
        } catch {
            let code = exitCode(for: error)
            let json = settings.format == .json
            let message = fullMessage(for: error)
            // In JSON, standard error holds only JSON lines: the message goes on the
            // command's last line, at error. In text, ArgumentParser says it as always.
            finished(
                name, code: code.rawValue, after: clock.now - started, error: json && code != .success && !message.isEmpty ? message : nil,
                failureLevel: json ? .error : .info)
            if json && code != .success { Foundation.exit(code.rawValue) }
            exit(withError: error)
        }
    }

    /// The command's last line: `command finished` (info) when it ran to its end,
    /// with or without dead letters or mismatches; `command failed` when it did
    /// not, or could not start (bad arguments), at `failureLevel`. Nothing for --help.
    private static func finished(
        _ name: String?, code: Int32, after elapsed: Duration, error: String? = nil, failureLevel: Logger.Level = .error
    ) {
        var metadata: Logger.Metadata = ["exitStatus": .stringConvertible(code), "elapsedSeconds": .stringConvertible(elapsed.seconds)]
        if let name { metadata["command"] = .string(name) }
        if let error { metadata["error"] = .string(error) }
        let ranToItsEnd = [ExitStatus.success, .deadLettered, .mismatches].map(\.rawValue).contains(code)
        if name != nil, ranToItsEnd {
            commandLogger.info("command finished", metadata: metadata)
        } else if name != nil || error != nil {
            commandLogger.log(level: failureLevel, "command failed", metadata: metadata)
        }
    }

    /// `load`, `table create`, `cutover switch-writes`...: the names as typed.
    private static func commandPath(_ command: any ParsableCommand) -> String {
        let target = ObjectIdentifier(type(of: command))
        // Depth-first through the subcommands to the parsed one.
        func find(_ current: any ParsableCommand.Type, _ path: [String]) -> [String]? {
            if ObjectIdentifier(current) == target { return path }
            for sub in current.configuration.subcommands {
                if let found = find(sub, path + [sub._commandName]) { return found }
            }
            return nil
        }
        return (find(Billmig.self, []) ?? [type(of: command)._commandName]).joined(separator: " ")
    }
}
