import ArgumentParser
import BillingServer
import BillingService
import BillingStores
import Foundation
import Logging
import Metrics
import MySQLSource
import Prometheus

/// `billmig serve`: the billing service, blue (MySQL) and green (DynamoDB)
/// in one program, switched by the shared flags (`billmig flags`).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the billing API from MySQL and DynamoDB, as the shared flags say.",
        discussion: """
            Reads are routed by the flags' read mode (mysql, shadow, dynamodb) with \
            read-your-writes; writes go to the write primary. Every instance polls the flags \
            in the table's control item. The MySQL password comes from --password-env \
            (default BILLMIG_MYSQL_PASSWORD) or --password-file, never the command line; the \
            cursor secret from BILLMIG_CURSOR_SECRET (shared by every instance). \
            /health/live, /health/ready, /metrics (Prometheus). SIGTERM drains and exits 0.
            """)

    @Option(name: .long, help: "The MySQL database: mysql://USER@HOST:PORT/DATABASE.")
    var mysql: String

    @OptionGroup var password: MySQLPasswordOptions

    @Option(name: .long, help: "The DynamoDB table.")
    var table = "BillingSystem"

    @Option(name: .long, help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "The port to listen on (0: any free port, printed on start).")
    var port = 8080

    @Option(name: .long, help: "MySQL connections at most.")
    var poolSize = 8

    @Option(name: .long, help: "Pages kept in the read cache (0: no cache).")
    var cacheEntries = 10_000

    @Option(name: .long, help: "How long a cached page is served, in milliseconds.")
    var cacheTTLMs = 2000

    @Option(name: .long, help: "How often the flags are read, in milliseconds.")
    var flagsPollMs = 500

    func run() async throws {
        let connection = try password.configuration(url: mysql, flag: "--mysql")
        var logger = Logger(label: "billmig.serve")
        logger.logLevel = .info
        let registry = PrometheusCollectorRegistry()
        var metricsFactory = PrometheusMetricsFactory(registry: registry)
        metricsFactory.durationHistogramBuckets = ServiceTime.durationBuckets
        MetricsSystem.bootstrap(metricsFactory)
        var gatewayConfiguration = BillingGateway.Configuration()
        gatewayConfiguration.cache.maxEntries = cacheEntries
        gatewayConfiguration.cache.ttl = .milliseconds(cacheTTLMs)
        gatewayConfiguration.flagsPollInterval = .milliseconds(flagsPollMs)
        if let secret = ProcessInfo.processInfo.environment["BILLMIG_CURSOR_SECRET"], !secret.isEmpty {
            gatewayConfiguration.cursorSecret = Array(secret.utf8)
        } else {
            note("BILLMIG_CURSOR_SECRET is not set: cursors are valid on this instance only until it restarts")
            gatewayConfiguration.cursorSecret = (0..<32).map { _ in UInt8.random(in: 0...255) }
        }
        var settings = BillingHTTPServer.Configuration()
        settings.host = host
        settings.port = port
        let server = settings
        let pool = MySQLConnectionPool(configuration: connection, maxConnections: poolSize)
        try await Runtime.with(maxConnections: 64) { runtime in
            let dynamoDB = try runtime.dynamoDB()
            let gateway = BillingGateway(
                mysql: try MySQLBillingStore(pool: pool),
                dynamodb: try DynamoDBBillingStore(client: dynamoDB, tableName: table),
                control: DynamoDBControlStore(client: dynamoDB, tableName: table),
                configuration: gatewayConfiguration, logger: logger)
            await gateway.refreshFlags()
            let app = BillingHTTPServer.application(
                gateway: gateway, configuration: server, metrics: registry, logger: logger,
                onRunning: { port in note("billmig serve: listening on \(server.host):\(port)") })
            try await app.runService()
        }
        await pool.close()
    }
}

/// `billmig flags`: show or change the flags every `billmig serve` follows.
struct FlagsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flags",
        abstract: "Show or set the billing service's shared flags (read mode, write primary, shadow sample).",
        subcommands: [Show.self, SetFlags.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the flags and the change stream's applied position.")

        @Option(name: .long, help: "The DynamoDB table.")
        var table = "BillingSystem"

        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await Runtime.with { runtime in
                let state = try await DynamoDBControlStore(client: try runtime.dynamoDB(), tableName: table).load()
                try FlagsCommand.print(state, output: output)
            }
        }
    }

    struct SetFlags: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Change the flags, conditional on their version (refused if someone changed them meanwhile).")

        @Option(name: .long, help: "The DynamoDB table.")
        var table = "BillingSystem"

        @Option(name: .long, help: "Where reads are served from: mysql, shadow or dynamodb.")
        var readMode: ReadMode?

        @Option(name: .long, help: "Which store takes writes: mysql, dynamodb or paused.")
        var writePrimary: WritePrimary?

        @Option(name: .long, help: "The share of shadow reads compared, 0 to 1.")
        var shadowSample: Double?

        @Option(name: .long, help: "The version the flags must still have (default: the current one).")
        var expectVersion: UInt64?

        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await Runtime.with { runtime in
                let store = DynamoDBControlStore(client: try runtime.dynamoDB(), tableName: table)
                let current = try await store.load()
                var flags = current.flags
                if let readMode { flags.readMode = readMode }
                if let writePrimary { flags.writePrimary = writePrimary }
                if let shadowSample { flags.shadowSample = shadowSample }
                do {
                    flags = try await store.update(flags, expectedVersion: expectVersion ?? current.flags.version)
                } catch let error as StoreError {
                    throw CommandError(error.message)
                } catch let error as BillingModelError {
                    throw ValidationError(error.message)
                }
                try FlagsCommand.print(ControlState(flags: flags, replicated: current.replicated), output: output)
            }
        }
    }

    struct Summary: Encodable {
        var version: UInt64
        var readMode: String
        var writePrimary: String
        var shadowSample: Double
        var epoch: UInt32
        var streamPosition: String?
    }

    static func print(_ state: ControlState, output: OutputOptions) throws {
        let summary = Summary(
            version: state.flags.version, readMode: state.flags.readMode.rawValue, writePrimary: state.flags.writePrimary.rawValue,
            shadowSample: state.flags.shadowSample, epoch: state.flags.epoch, streamPosition: state.replicated?.orderingKey)
        if output.json {
            try output.printJSON(summary)
        } else {
            Swift.print(
                """
                flags version \(summary.version): read mode \(summary.readMode), write primary \(summary.writePrimary), \
                shadow sample \(summary.shadowSample), epoch \(summary.epoch)
                change stream applied position: \(summary.streamPosition ?? "not published yet")
                """)
        }
    }
}

extension ReadMode: ExpressibleByArgument {}
extension WritePrimary: ExpressibleByArgument {}
