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
    /// stall the load client meanwhile.
    static func run(_ arguments: [String], environment: [String: String], log: URL) async throws -> BillmigCLI.Result {
        let command = try BackgroundCommand(arguments, environment: environment, log: log)
        func read(_ suffix: String) -> String { (try? String(contentsOfFile: log.path + suffix, encoding: .utf8)) ?? "" }
        while command.isRunning {
            try await Task.sleep(for: .milliseconds(50))
        }
        let status = await command.exitStatus()
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
