import Foundation
import Testing

/// Runs the built `billmig` executable as a user would, from the test bundle's
/// build folder (scripts/test builds it with the tests).
struct BillmigCLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("billmig")
    }

    static func requireBuilt() throws {
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            Issue.record("billmig is not built next to the tests (\(executable.path)): run `swift build --build-tests` first")
            throw CancellationError()
        }
    }

    static func start(_ arguments: [String], environment: [String: String]) throws -> (Process, Pipe, Pipe) {
        try requireBuilt()
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, out, err)
    }

    static func run(_ arguments: [String], environment: [String: String]) async throws -> Result {
        let (process, out, err) = try start(arguments, environment: environment)
        // Read both pipes while the process runs, so a full pipe cannot block it.
        async let stdout = Task.detached { out.fileHandleForReading.readDataToEndOfFile() }.value
        async let stderr = Task.detached { err.fileHandleForReading.readDataToEndOfFile() }.value
        let (outData, errData) = await (stdout, stderr)
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}
