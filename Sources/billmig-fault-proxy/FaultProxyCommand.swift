import AWSSigV4
import ArgumentParser
import Dispatch
import FaultProxy
import Foundation

/// `billmig-fault-proxy`: the fault-injection proxy as a process, for scripts and benchmarks.
///
/// Prints the bound port alone on the first line of standard output (so `--port 0` can be
/// used and read back), a description on standard error, and the final stats as JSON on
/// standard error when stopped with SIGINT or SIGTERM.
@main
struct FaultProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "billmig-fault-proxy",
        abstract: "An HTTP proxy on 127.0.0.1 that injects faults between billmig and a local AWS endpoint.",
        discussion: """
            Forward mode (--upstream) passes requests to a local endpoint such as moto_server; sink \
            mode (--sink) answers DynamoDB itself, checking signatures and shapes and storing \
            nothing; store mode (--store) answers like the sink but keeps every item in memory, \
            in key order per table and index, and answers GetItem, BatchGetItem, Query, Scan \
            (segments, pages of 1 MB), conditional PutItem/DeleteItem and TransactWriteItems \
            (Put, Delete, ConditionCheck; not UpdateItem) from them, and keeps each table's \
            stream (StreamSpecification) for the DynamoDB Streams calls (ListStreams, \
            DescribeStream, GetShardIterator, GetRecords; one shard per stream). The --sink-* \
            options apply to both. \
            Stats: GET /__proxy/stats; reset: POST /__proxy/stats/reset.
            """)

    // MARK: Where

    @Option(help: "Address to listen on (loopback only).")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on; 0 picks a free one, printed on the first line of output.")
    var port = 0

    @Option(help: "Also write the bound port to this file.")
    var portFile: String?

    @Option(help: "Forward to this endpoint, e.g. http://127.0.0.1:5000.")
    var upstream: String?

    @Flag(help: "Answer DynamoDB in the proxy itself instead of forwarding; store nothing.")
    var sink = false

    @Flag(help: "Answer DynamoDB in the proxy itself, keeping the items in memory (reads answer from them).")
    var store = false

    @Option(name: .customLong("sink-table"), help: "A table the sink has from the start, with the BillingSystem key schema (repeatable).")
    var sinkTables: [String] = []

    @Option(name: .customLong("sink-credentials"), help: "ACCESS_KEY_ID:SECRET_ACCESS_KEY the sink accepts signatures of (repeatable); without any, signatures are not checked.")
    var sinkCredentials: [String] = []

    @Flag(name: .customLong("sink-credentials-from-environment"), help: "Accept signatures made with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN).")
    var sinkCredentialsFromEnvironment = false

    @Flag(help: "Accept signatures whatever their X-Amz-Date (default: within 15 minutes of now).")
    var allowAnyClockSkew = false

    @Option(help: "ACCESS_KEY_ID:SECRET_ACCESS_KEY to sign BatchWriteItem requests again with after --unprocessed rewrote them, for upstreams that check signatures.")
    var upstreamCredentials: String?

    @Option(help: "Seconds one upstream exchange may take.")
    var upstreamTimeout: Double = 60

    // MARK: Faults

    @Option(help: "Share of calls throttled (DynamoDB 400 ProvisionedThroughputExceededException, S3 503 SlowDown).")
    var throttle: Double = 0

    @Option(help: "Share of BatchWriteItem calls of which only part is written, the rest returned in UnprocessedItems.")
    var unprocessed: Double = 0

    @Option(help: "Share of calls answered with 500 InternalServerError.")
    var internalError: Double = 0

    @Option(help: "Share of calls answered with 503 ServiceUnavailable.")
    var serviceUnavailable: Double = 0

    @Option(help: "Share of calls whose connection is closed before forwarding.")
    var dropBefore: Double = 0

    @Option(help: "Share of calls whose connection is closed after forwarding (the write happened).")
    var dropAfter: Double = 0

    @Option(help: "Share of calls delayed by --latency-ms.")
    var latency: Double = 0

    @Option(help: "Added delay in milliseconds: a fixed value (200) or a range (50-500).")
    var latencyMs = "0"

    @Option(help: "Which calls faults hit: all, dynamodb or s3.")
    var scope = "all"

    @Option(help: "With --scope dynamodb: only these operations, comma-separated (BatchWriteItem,PutItem).")
    var operations: String?

    @Option(help: "Seed of the fault draws.")
    var seed: UInt64 = 0x5EED

    // MARK: Capacity and performance

    @Option(help: "Enforce a write capacity of this many WCU per second.")
    var wcu: Double?

    @Option(help: "Most WCU that can be saved up (default one second's worth).")
    var burst: Double?

    @Option(help: "Event loop threads.")
    var threads = 1

    func validate() throws {
        if [upstream != nil, sink, store].filter({ $0 }).count != 1 {
            throw ValidationError("give exactly one of --upstream URL, --sink or --store")
        }
        if !sinkCredentials.isEmpty || sinkCredentialsFromEnvironment || !sinkTables.isEmpty, !sink, !store {
            throw ValidationError("--sink-table and --sink-credentials need --sink or --store")
        }
        _ = try latencyRange()
        _ = try faultScope()
        _ = try credentials()
        _ = try resigningCredentials()
        if upstreamCredentials != nil, upstream == nil {
            throw ValidationError("--upstream-credentials needs --upstream")
        }
    }

    func run() async throws {
        let configuration = try proxyConfiguration()
        try await FaultProxy.withRunning(configuration) { proxy in
            FileHandle.standardOutput.write(Data("\(proxy.port)\n".utf8))
            if let portFile {
                try "\(proxy.port)\n".write(toFile: portFile, atomically: true, encoding: .utf8)
            }
            FileHandle.standardError.write(Data("billmig-fault-proxy: listening on \(proxy.endpoint), \(describe())\n".utf8))
            let signalSources = Self.printStatsOnTermination(of: proxy)
            try await proxy.waitUntilClosed()
            signalSources.forEach { $0.cancel() }
        }
    }

    // MARK: Flags to configuration

    func proxyConfiguration() throws -> FaultProxyConfiguration {
        let mode: FaultProxyConfiguration.Mode
        if let upstream {
            mode = .forward(ForwardConfiguration(
                upstream: upstream,
                timeout: .milliseconds(Int64(upstreamTimeout * 1000)),
                resigningCredentials: try resigningCredentials()))
        } else if store {
            mode = .store(SinkConfiguration(signatureVerifier: try signatureVerifier(), tables: sinkTables))
        } else {
            mode = .sink(SinkConfiguration(signatureVerifier: try signatureVerifier(), tables: sinkTables))
        }
        var faults = FaultConfiguration(
            throttleShare: throttle,
            unprocessedItemsShare: unprocessed,
            internalErrorShare: internalError,
            serviceUnavailableShare: serviceUnavailable,
            dropBeforeForwardShare: dropBefore,
            dropAfterForwardShare: dropAfter,
            scope: try faultScope(),
            seed: seed)
        if latency > 0 {
            let range = try latencyRange()
            faults.latency = LatencyFault(share: latency, minimum: .milliseconds(range.lowerBound), maximum: .milliseconds(range.upperBound))
        }
        return FaultProxyConfiguration(
            host: host,
            port: port,
            mode: mode,
            faults: faults,
            writeCapacity: wcu.map { WriteCapacityConfiguration(unitsPerSecond: $0, burst: burst) },
            eventLoopThreads: threads)
    }

    /// The key pairs the sink accepts, given by flag or environment.
    func credentials() throws -> [AWSCredentials] {
        var result = try sinkCredentials.map { try Self.parseCredentials($0, flag: "--sink-credentials") }
        if sinkCredentialsFromEnvironment {
            let environment = ProcessInfo.processInfo.environment
            guard let keyID = environment["AWS_ACCESS_KEY_ID"], let secret = environment["AWS_SECRET_ACCESS_KEY"] else {
                throw ValidationError("--sink-credentials-from-environment needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
            }
            result.append(AWSCredentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"]))
        }
        return result
    }

    private func latencyRange() throws -> ClosedRange<Int64> {
        let parts = latencyMs.split(separator: "-", maxSplits: 1).map { Int64($0.trimmingCharacters(in: .whitespaces)) }
        guard let first = parts.first ?? nil, first >= 0 else {
            throw ValidationError("--latency-ms wants milliseconds, such as 200 or 50-500, not \(latencyMs)")
        }
        let last = parts.count == 2 ? parts[1] : first
        guard let last, last >= first else {
            throw ValidationError("--latency-ms wants milliseconds, such as 200 or 50-500, not \(latencyMs)")
        }
        return first...last
    }

    private func faultScope() throws -> FaultScope {
        switch scope.lowercased() {
        case "all":
            guard operations == nil else { throw ValidationError("--operations needs --scope dynamodb") }
            return .all
        case "s3":
            guard operations == nil else { throw ValidationError("--operations needs --scope dynamodb") }
            return .s3
        case "dynamodb":
            let names = (operations ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            return .dynamoDB(operations: Set(names.filter { !$0.isEmpty }))
        default:
            throw ValidationError("--scope is all, dynamodb or s3, not \(scope)")
        }
    }

    private func describe() -> String {
        var parts = [upstream.map { "forwarding to \($0)" } ?? (store ? "store mode" : "sink mode")]
        let shares = [
            ("throttle", throttle), ("unprocessed", unprocessed), ("internal-error", internalError),
            ("service-unavailable", serviceUnavailable), ("drop-before", dropBefore),
            ("drop-after", dropAfter), ("latency", latency),
        ]
        for (name, share) in shares where share > 0 {
            parts.append("\(name) \(share)")
        }
        if let wcu { parts.append("\(wcu) WCU/s") }
        if sink || store, !sinkCredentials.isEmpty || sinkCredentialsFromEnvironment { parts.append("checking signatures") }
        return parts.joined(separator: ", ")
    }

    /// On SIGINT or SIGTERM: the stats as JSON on standard error, then exit.
    private static func printStatsOnTermination(of proxy: FaultProxy) -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { signalNumber in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
                if let data = try? encoder.encode(proxy.stats) {
                    FileHandle.standardError.write(data + Data("\n".utf8))
                }
                Foundation.exit(0)
            }
            source.resume()
            return source
        }
    }
}
