import AsyncHTTPClient
import Foundation

/// What the cutover's integration tests share: a `billmig serve` of one colour, a
/// `billmig` command run to its end by polling, and the wait for queued shadow compares.
enum CutoverStack {
    /// A blue or green billing service on `port`, its output under `work/colour`.
    static func serve(_ colour: String, port: Int, mysql url: String, table: String, environment: [String: String], work: URL) throws
        -> BackgroundCommand
    {
        try BackgroundCommand(
            [
                "serve", "--mysql", url, "--table", table, "--port", String(port), "--flags-poll-ms", "100", "--cache-entries", "0",
            ], environment: environment, log: work.appendingPathComponent(colour))
    }

    /// Runs `billmig arguments` to its end. Polled, not waited for: a blocking wait
    /// would hold one of the few cooperative threads (two on a 2-core machine) and
    /// stall the load client meanwhile. `onLine` sees each complete line of standard
    /// error as soon as it is written (the cutover's `ACTION:` lines are done there).
    static func run(
        _ arguments: [String], environment: [String: String], log: URL, onLine: (String) async throws -> Void = { _ in }
    ) async throws -> BillmigCLI.Result {
        let command = try BackgroundCommand(arguments, environment: environment, log: log)
        func read(_ suffix: String) -> String { (try? String(contentsOfFile: log.path + suffix, encoding: .utf8)) ?? "" }
        var seen = 0
        func react() async throws {
            let text = read(".err")
            let lines = text.prefix(upTo: text.lastIndex(of: "\n") ?? text.startIndex).split(separator: "\n")
            while seen < lines.count {
                try await onLine(String(lines[seen]))
                seen += 1
            }
        }
        while command.isRunning {
            try await react()
            try await Task.sleep(for: .milliseconds(50))
        }
        let status = await command.exitStatus()
        try await react()
        return BillmigCLI.Result(status: status, stdout: read(".out"), stderr: read(".err"))
    }

    /// Waits until the shadow compares the services queued are all done (their count
    /// stands still for a second): a compare still queued would read DynamoDB after a
    /// later write changed it and count a mismatch that the next gate then refuses.
    static func shadowComparesSettled(_ http: ServeHTTPTests, services: [String]) async throws {
        var compared = -1.0
        try await waitUntil("the shadow compares queued earlier are done", timeout: .seconds(60)) {
            var now = 0.0
            for base in services { now += try await http.metric(HTTPClient.shared, base, "billing_shadow_compares_total", [:]) }
            defer { compared = now }
            try await Task.sleep(for: .seconds(1))
            return now == compared
        }
    }
}
