import AsyncHTTPClient
import BillingModel
import BillingService
import BillingStores
import DynamoDB
import DynamoDBModel
import Foundation
import MariaDBTestSupport
import NIOCore
import NIOHTTP1
import AWSTestSupport
import SampleData
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Drives `billmig serve` over HTTP: exact shadow mismatch counts for an item
/// corrupted on purpose, then steady concurrent traffic through read-mode
/// changes with no failed request and read-your-writes for every write, then
/// SIGTERM drains and exits 0.
@Suite(.serialized) struct ServeHTTPTests {
    @Test func serveThroughModeChangesUnderTraffic() async throws {
        try await ServiceFixture.with("svchttp") { fixture in
            let control = DynamoDBControlStore(client: fixture.dynamoDB, tableName: fixture.tableName)
            var flags = try await control.update(ServiceFlags(readMode: .mysql), expectedVersion: 0)

            let log = FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(UInt32.random(in: 0...UInt32.max))")
            var environment = fixture.awsEnvironment
            environment["BILLMIG_MYSQL_PASSWORD"] = MariaDBSupport.password
            environment["BILLMIG_CURSOR_SECRET"] = "http-test-secret"
            let serve = try BackgroundCommand(
                [
                    "serve", "--mysql", try await MariaDBSupport.url(database: fixture.database), "--table", fixture.tableName,
                    "--port", "0", "--flags-poll-ms", "100", "--cache-entries", "0",
                ], environment: environment, log: log)
            defer { if serve.isRunning { serve.kill(SIGKILL) } }
            let base = try await waitForListening(serve, log: log)
            let http = HTTPClient.shared

            // Ready once the flags are read and MySQL answers.
            try await waitUntil("ready", seconds: 30) { try await get(http, base + "/health/ready").status == 200 }

            // Phase 1: shadow compares count exactly the corrupted item.
            let accounts = fixture.rows(.billingAccount).map { UInt64(fixture.column(.billingAccount, "ban", of: $0)!)! }
            let corrupted = accounts[0]
            try await fixture.dynamoDB.putItem(
                fixture.tableName,
                item: try corruptedAccountItem(fixture, ban: corrupted))
            flags = try await control.update(changed(flags) { $0.readMode = .shadow; $0.shadowSample = 1 }, expectedVersion: flags.version)
            try await waitUntil("shadow mode", seconds: 5) { try await metric(http, base, "billing_read_mode", ["mode": "shadow"]) == 1 }
            for _ in 0..<5 {
                let response = try await get(http, base + "/accounts/\(corrupted)/account")
                #expect(response.status == 200 && response.store == "mysql")
            }
            for ban in accounts.dropFirst() {
                #expect(try await get(http, base + "/accounts/\(ban)/account").status == 200)
            }
            let expectedCompares = Double(5 + accounts.count - 1)
            try await waitUntil("shadow compares", seconds: 10) {
                try await metric(http, base, "billing_shadow_compares_total", ["pattern": "account_entity"]) == expectedCompares
            }
            #expect(try await metric(http, base, "billing_shadow_mismatches_total", ["pattern": "account_entity"]) == 5)
            let serverLog = (try? String(contentsOfFile: log.path + ".err", encoding: .utf8)) ?? ""
            #expect(serverLog.contains("shadow mismatch") && serverLog.contains("BAN#\(corrupted)") && serverLog.contains("bill_cycle"))

            // Phase 2: steady traffic while the read mode goes shadow -> dynamodb -> mysql.
            let stop = Locked(false)
            let failures = Locked<[String]>([])
            let counts = Locked<[String: Int]>([:])
            let subscribers = Array(fixture.rows(.subscriber).prefix(6))
            let queries = fixture.queries().map(Self.path)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (worker, row) in subscribers.enumerated() {
                    let ban = fixture.column(.subscriber, "ban", of: row)!
                    let number = fixture.column(.subscriber, "subscriber_no", of: row)!
                    group.addTask {
                        var step = 0
                        while !stop.current {
                            step += 1
                            // A write, then reads of it: read-your-writes in every mode.
                            let status = ["A", "S", "C"][step % 3]
                            let date = String(format: "2025-%02d-%02d", (step / 28) % 12 + 1, step % 28 + 1)
                            let written = try await send(
                                http, base + "/accounts/\(ban)/subscribers/\(number)/status", method: .PUT,
                                body: "{\"status\":\"\(status)\",\"status_date\":\"\(date)\"}")
                            guard written.status == 200 else {
                                failures.withLock { $0.append("write \(written.status) \(written.body)") }
                                continue
                            }
                            for path in ["/accounts/\(ban)/subscribers/\(number)", "/subscribers/\(number)"] {
                                let read = try await get(http, base + path)
                                let sees = read.body.contains("\"sub_status\":\"\(status)\"") && read.body.contains(date)
                                if read.status != 200 || !sees {
                                    failures.withLock { $0.append("read-your-writes \(path): \(read.status) \(read.body.prefix(300))") }
                                }
                                counts.withLock { $0[read.store ?? "none", default: 0] += 1 }
                            }
                            // Other traffic: every pattern.
                            let path = queries[(worker * 7 + step) % queries.count]
                            let read = try await get(http, base + path)
                            if read.status != 200 {
                                failures.withLock { $0.append("read \(path): \(read.status) \(read.body.prefix(200))") }
                            }
                            counts.withLock { $0[read.store ?? "none", default: 0] += 1 }
                        }
                    }
                }
                group.addTask {
                    defer { stop.withLock { $0 = true } }
                    try await Task.sleep(for: .seconds(2))
                    // The operator's command: conditional on the version it read.
                    let set = try await BillmigCLI.run(
                        ["flags", "set", "--table", fixture.tableName, "--read-mode", "dynamodb", "--json"], environment: fixture.awsEnvironment)
                    #expect(set.status == 0, "\(set.stderr)")
                    #expect(set.stdout.contains("\"readMode\" : \"dynamodb\""), "\(set.stdout)")
                    let stale = try await BillmigCLI.run(
                        ["flags", "set", "--table", fixture.tableName, "--read-mode", "mysql", "--expect-version", "1"],
                        environment: fixture.awsEnvironment)
                    #expect(stale.status != 0 && stale.stderr.contains("flags changed"), "\(stale.stderr)")
                    let current = try await control.load().flags
                    #expect(current.readMode == .dynamodb)
                    try await Task.sleep(for: .seconds(3))
                    _ = try await control.update(changed(current) { $0.readMode = .mysql }, expectedVersion: current.version)
                    try await Task.sleep(for: .seconds(2))
                }
                try await group.waitForAll()
            }
            let problems = failures.current
            #expect(problems.isEmpty, "\(problems.count) failed: \(problems.prefix(5))")
            let served = counts.current
            #expect((served["dynamodb"] ?? 0) > 0, "\(served)")
            #expect((served["mysql"] ?? 0) > 0, "\(served)")
            #expect(try await metric(http, base, "billing_reads_total", ["reason": "read_your_writes"]) > 0)
            // The service's own time (request minus store calls) is a histogram with sub-millisecond buckets.
            #expect(try await metric(http, base, "billing_service_own_seconds_count", [:]) > 100)
            #expect(try await metric(http, base, "billing_service_own_seconds_bucket", ["le": "0.001"]) > 0)

            // SIGTERM: stop accepting, finish in flight, exit 0.
            serve.kill(SIGTERM)
            #expect(await serve.exitStatus() == 0, "\(serve.output())")
        }
    }

    /// The API answers as openapi/billing.yaml says, for inputs a property-based
    /// tester generates from it (schemathesis, installed by scripts/setup).
    @Test func schemathesisFindsNoViolationOfTheOpenAPIDocument() async throws {
        let schemathesis = try #require(Self.executable("schemathesis"), "schemathesis is not installed: run scripts/setup")
        try await ServiceFixture.with("svcschema") { fixture in
            let control = DynamoDBControlStore(client: fixture.dynamoDB, tableName: fixture.tableName)
            _ = try await control.update(ServiceFlags(readMode: .shadow), expectedVersion: 0)
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("schema-\(UInt32.random(in: 0...UInt32.max))")
            var environment = fixture.awsEnvironment
            environment["BILLMIG_MYSQL_PASSWORD"] = MariaDBSupport.password
            environment["BILLMIG_CURSOR_SECRET"] = "schema-test-secret"
            let serve = try BackgroundCommand(
                ["serve", "--mysql", try await MariaDBSupport.url(database: fixture.database), "--table", fixture.tableName, "--port", "0"],
                environment: environment, log: log)
            defer { if serve.isRunning { serve.kill(SIGKILL) } }
            let base = try await waitForListening(serve, log: log)
            try await waitUntil("ready", seconds: 30) { try await get(HTTPClient.shared, base + "/health/ready").status == 200 }

            let spec = MotoTestServer.packageRoot.appendingPathComponent("openapi/billing.yaml").path
            let process = Process()
            process.executableURL = URL(fileURLWithPath: schemathesis)
            process.arguments = [
                "run", spec, "--url", base, "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
                "--mode", "positive", "--max-examples", "25", "--workers", "1", "--seed", "7",
            ]
            var childEnvironment = ProcessInfo.processInfo.environment
            childEnvironment["SCHEMATHESIS_HOOKS"] = nil
            childEnvironment["NO_COLOR"] = "1"
            process.environment = childEnvironment
            process.currentDirectoryURL = FileManager.default.temporaryDirectory
            let output = FileManager.default.temporaryDirectory.appendingPathComponent("schemathesis-\(UInt32.random(in: 0...UInt32.max)).log")
            FileManager.default.createFile(atPath: output.path, contents: nil)
            let handle = try FileHandle(forWritingTo: output)
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
            let status = await Task.detached { process.waitUntilExit(); return process.terminationStatus }.value
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            #expect(status == 0, "schemathesis found violations:\n\(text.suffix(6000))")
            #expect(text.contains("passed") || text.contains("PASSED"), "\(text.suffix(2000))")
            serve.kill(SIGTERM)
            #expect(await serve.exitStatus() == 0)
        }
    }

    static func executable(_ name: String) -> String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
            + ["/usr/local/bin", "/root/.pyenv/shims"]
        return paths.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func path(_ query: BillingQuery) -> String {
        switch query {
        case .account(let ban): "/accounts/\(ban)?limit=7"
        case .accountEntity(let ban, let sortKey):
            sortKey == "ACCOUNT" ? "/accounts/\(ban)/account"
                : sortKey == "CUSTOMER" ? "/accounts/\(ban)/customer" : "/accounts/\(ban)/subscribers/\(sortKey.dropFirst(4))"
        case .subscriber(let number): "/subscribers/\(number)"
        case .subscriberCharges(let number, let from, let to): "/subscribers/\(number)/charges?from=\(from)&to=\(to)"
        case .cycleBills(let cycle, let from, let to): "/cycles/\(cycle)/bills?from=\(from)&to=\(to)&limit=5"
        case .featureCharges(let feature, let from, let to): "/features/\(feature)/charges?from=\(from)&to=\(to)&limit=5"
        }
    }

    func corruptedAccountItem(_ fixture: ServiceFixture, ban: UInt64) throws -> Item {
        let row = fixture.rows(.billingAccount).first { fixture.column(.billingAccount, "ban", of: $0) == String(ban) }!
        var (_, item) = try ItemMapper(mapping: .billing).item(table: "BILLING_ACCOUNT", row: row, version: "0")
        item["bill_cycle"] = .s("CORRUPT")
        return item
    }

    struct Answer {
        var status: Int
        var body: String
        var store: String?
    }

    func get(_ http: HTTPClient, _ url: String, headers: [(String, String)] = []) async throws -> Answer {
        try await send(http, url, method: .GET, body: nil, headers: headers)
    }

    func send(_ http: HTTPClient, _ url: String, method: HTTPMethod, body: String?, headers: [(String, String)] = []) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await http.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 4 << 20)
        return Answer(status: Int(response.status.code), body: String(buffer: bytes), store: response.headers.first(name: "Billing-Store"))
    }

    /// The value of one Prometheus sample whose labels include `labels` (summed over the rest).
    func metric(_ http: HTTPClient, _ base: String, _ name: String, _ labels: [String: String]) async throws -> Double {
        let text = try await get(http, base + "/metrics").body
        var total = 0.0
        for line in text.split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
            let matches = labels.allSatisfy { line.contains("\($0.key)=\"\($0.value)\"") }
            if matches, let value = line.split(separator: " ").last.flatMap({ Double($0) }) { total += value }
        }
        return total
    }

    func waitForListening(_ serve: BackgroundCommand, log: URL) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: log.path + ".err", encoding: .utf8),
                let range = text.range(of: "listening on 127.0.0.1:")
            {
                let port = text[range.upperBound...].prefix { $0.isNumber }
                return "http://127.0.0.1:\(port)"
            }
            guard serve.isRunning else { throw StoreError(.unavailable, "billmig serve exited: \(serve.output())") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw StoreError(.unavailable, "billmig serve did not start listening: \(serve.output())")
    }

    func waitUntil(_ what: String, seconds: Int, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if (try? await condition()) == true { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting for \(what)")
        throw StoreError(.unavailable, "timed out waiting for \(what)")
    }
}

func changed<T>(_ value: T, _ change: (inout T) -> Void) -> T {
    var copy = value
    change(&copy)
    return copy
}
