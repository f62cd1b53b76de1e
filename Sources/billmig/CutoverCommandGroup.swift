import ArgumentParser
import BillingModel
import BillingStores
import Cutover
import CutoverCore
import DynamoDB
import ELBv2
import Foundation
import MigrationCore
import Telemetry
import TrafficSwitch

/// `billmig cutover …`: the zero-downtime switch from MySQL to DynamoDB and back
/// (docs/cutover.md). Each command checks its gates, runs its plan through the
/// executor and records the result in the table's control item.
struct CutoverCommandGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cutover",
        abstract: "Switch the billing service from MySQL to DynamoDB (and back) with gates, a traffic ramp and an audit trail.",
        discussion: """
            Phases: replicating -> shadow -> reads-switched -> writes-switched -> completed; \
            `rollback` goes back one step (from writes-switched: to shadow). Every forward command \
            checks its gates and refuses with each reason; every command appends an audit entry to \
            MIGRATION#STATUS / CONTROL#CUTOVER, conditional on its revision. --dry-run prints the \
            steps and changes nothing. Exit status: 0 done, 5 refused by a gate or reverted \
            (a timeout or a failing traffic gate; the flags are as before), 1 error.
            """,
        subcommands: [Status.self, Shadow.self, SwitchReads.self, SwitchWrites.self, Rollback.self, Complete.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the phase, the flags, every gate's verdict and the audit trail.")

        @OptionGroup var options: CutoverOptions

        @Option(name: .long, help: "Audit entries shown (the newest).")
        var last = 10

        func run() async throws {
            try await options.withExecutor(ramp: nil) { executor in
                let status = try await executor.status(auditEntries: last)
                if options.output.json {
                    try options.output.printJSON(status)
                } else {
                    print(CutoverText.lines(status).joined(separator: "\n"))
                }
            }
        }
    }

    struct Shadow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve from MySQL and compare a sample of reads with DynamoDB (gates: stream lag, recent validation).")

        @OptionGroup var options: CutoverOptions

        @Option(name: .long, help: "Percent of reads compared against DynamoDB, (0, 100].")
        var sample = 5.0

        func validate() throws {
            guard sample > 0, sample <= 100 else { throw ValidationError("--sample \(sample): give a percentage above 0 and at most 100") }
        }

        func run() async throws { try await options.execute(.shadow(samplePercent: sample)) }
    }

    struct SwitchReads: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "switch-reads",
            abstract: "Serve reads from DynamoDB and move traffic to green in baked, health-gated steps.")

        @OptionGroup var options: CutoverOptions
        @OptionGroup var ramp: RampOptions

        func run() async throws { try await options.execute(.switchReads, ramp: ramp) }
    }

    struct SwitchWrites: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "switch-writes",
            abstract: "Pause writes, drain the forward stream, make DynamoDB the write primary in a new epoch, resume writes.",
            discussion: "A drain that misses --timeout puts the write primary back to MySQL and resumes writes: the held requests waited, none failed.")

        @OptionGroup var options: CutoverOptions

        func validate() throws {
            guard options.mysql != nil || options.dryRun else {
                throw ValidationError("switch-writes waits for the forward stream to apply MySQL's position at the pause: give --mysql mysql://USER@HOST:PORT/DATABASE")
            }
        }

        func run() async throws { try await options.execute(.switchWrites) }
    }

    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Go back one phase (from writes-switched: drain reverse replication, MySQL primary in a new epoch, traffic to blue). Never gated.")

        @OptionGroup var options: CutoverOptions

        func run() async throws { try await options.execute(.rollback) }
    }

    struct Complete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drain and stop reverse replication: DynamoDB alone from here on. No way back.")

        @OptionGroup var options: CutoverOptions

        func run() async throws { try await options.execute(.complete) }
    }
}

/// What every `cutover` command takes: the table, MySQL, the gates' bounds, the
/// services, the load balancer, the write-pause timeout.
struct CutoverOptions: ParsableArguments {
    @Option(name: .long, help: "The DynamoDB table (its control items hold the flags and the cutover state).")
    var table = "BillingSystem"

    @Option(name: .long, help: "MySQL, for its binlog position (stream lag, the drains): mysql://USER@HOST:PORT/DATABASE.")
    var mysql: String?

    @OptionGroup var password: MySQLPasswordOptions

    @Option(name: .long, help: "Stream lag bound (the time the forward stream takes to publish MySQL's position of now; its checkpoint interval counts).")
    var maxLag = DurationArgument(argument: "10s")!

    @Option(name: .long, help: "How old the last PASSED validation may be.")
    var validationMaxAge = DurationArgument(argument: "1h")!

    @Option(name: .long, help: "Shadow compares needed (with no mismatch) before reads switch.")
    var minShadowCompares = 1000

    @Option(name: .customLong("green-url"), help: "A green billing-service instance (http://HOST:PORT); repeat for each.")
    var greenURLs: [String] = []

    @Option(name: .customLong("blue-url"), help: "A blue billing-service instance (its shadow counts); repeat for each.")
    var blueURLs: [String] = []

    @Option(name: .customLong("alarm"), help: "A CloudWatch alarm that must not be in ALARM (gates and every traffic step); repeat for each.")
    var alarms: [String] = []

    @Option(name: .long, help: "HAProxy's admin socket (`stats socket … level admin`).")
    var haproxySocket: String?

    @Option(name: .long, help: "The HAProxy backend holding the blue and green servers.")
    var backend = "billing"

    @Option(name: .long, help: "The blue server's name in the HAProxy backend.")
    var blueServer = "blue"

    @Option(name: .long, help: "The green server's name in the HAProxy backend.")
    var greenServer = "green"

    @Option(name: .long, help: "An ALB listener whose default action forwards to the blue and green target groups.")
    var albListenerArn: String?

    @Option(name: .long, help: "The blue target group (with --alb-listener-arn).")
    var blueTargetGroupArn: String?

    @Option(name: .long, help: "The green target group (with --alb-listener-arn).")
    var greenTargetGroupArn: String?

    @Option(name: .long, help: "How long writes may be held (and a reverse drain may take) before the step reverts.")
    var timeout = DurationArgument(argument: "30s")!

    @Option(name: .long, help: "After pausing writes: time for every instance to see the pause (above their --flags-poll-ms) and finish writes in flight.")
    var pauseSettle = DurationArgument(argument: "1s")!

    @Option(
        name: .long,
        help: "How the streams are started and stopped: follow (they run with --follow-cutover and obey the directive; the command waits for each to confirm, bounded by --timeout) or manual (the command prints ACTION: lines for the operator).")
    var streams = StreamControl.follow

    enum StreamControl: String, ExpressibleByArgument, CaseIterable {
        case follow, manual
    }

    @Option(name: .long, help: "Why, for the audit trail.")
    var reason = ""

    @Flag(name: .long, help: "Print the steps the command would take; change nothing.")
    var dryRun = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if haproxySocket != nil, albListenerArn != nil {
            throw ValidationError("give one load balancer: --haproxy-socket or --alb-listener-arn")
        }
        if albListenerArn != nil, blueTargetGroupArn == nil || greenTargetGroupArn == nil {
            throw ValidationError("--alb-listener-arn needs --blue-target-group-arn and --green-target-group-arn")
        }
    }

    /// Runs `command` (or prints its plan), prints the report, exits 5 when it was refused or reverted.
    func execute(_ command: CutoverCommand, ramp: RampOptions? = nil) async throws {
        try await withExecutor(ramp: ramp) { executor in
            if dryRun {
                let (state, plan) = try await Self.explained { try await executor.plan(command) }
                if output.json {
                    try output.printJSON(DryRun(phase: state.phase, revision: state.revision, steps: plan.dryRunLines))
                } else {
                    print(plan.dryRunLines.joined(separator: "\n"))
                }
                return
            }
            let report = try await Self.explained { try await executor.run(command) }
            if output.json {
                try output.printJSON(report)
            } else {
                print(CutoverText.lines(report).joined(separator: "\n"))
            }
            if report.outcome != .completed { throw ExitCode(ExitStatus.refused.rawValue) }
        }
    }

    struct DryRun: Encodable {
        var phase: CutoverPhase
        var revision: Int
        var steps: [String]
    }

    /// The executor's refusals as the command's error message.
    static func explained<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as CutoverError {
            throw CommandError(error.description)
        } catch let error as CutoverExecutorError {
            throw CommandError(error.description)
        } catch let error as TrafficSwitchError {
            throw CommandError(error.description)
        }
    }

    func withExecutor(ramp: RampOptions?, _ body: (CutoverExecutor) async throws -> Void) async throws {
        let pool = try mysql.map { MySQLConnectionPool(configuration: try password.configuration(url: $0, flag: "--mysql"), maxConnections: 1) }
        do {
            try await Runtime.with { runtime in
                let client = try runtime.awsClient()
                let control = DynamoDBCutoverControl(client: DynamoDBClient(client: client), tableName: table)
                let position: any MySQLPositionSource = pool.map { MySQLBinlogPosition(pool: $0) } ?? MissingMySQLPosition()
                let traffic = trafficSwitch(elb: ELBv2Client(client: client))
                let services = ServiceEndpoints(blue: blueURLs, green: greenURLs)
                let alarmStates = CloudWatchAlarms(cloudWatch: CloudWatchClient(client: client), names: alarms)
                var settings = CutoverSettings(actor: Self.actor, reason: reason)
                settings.gatePolicy = CutoverGatePolicy(
                    maxStreamLagMilliseconds: maxLag.milliseconds, validationMaxAgeSeconds: validationMaxAge.milliseconds / 1000,
                    minimumShadowCompares: minShadowCompares)
                settings.writePauseTimeout = timeout.duration
                settings.pauseSettle = pauseSettle.duration
                if let ramp { try ramp.apply(to: &settings) }
                let quiet = output.quiet
                let replication: any ReplicationControl =
                    switch streams {
                    case .follow: DirectedReplicationControl(store: control, timeout: timeout.duration)
                    case .manual: OperatorReplicationControl { note("ACTION: " + $0) }
                    }
                let executor = CutoverExecutor(
                    control: control,
                    observer: LiveCutoverObserver(
                        control: control, mysql: position, validation: control, services: services, alarms: alarmStates, maxLag: maxLag.duration),
                    mysql: position, reverse: control, replication: replication,
                    traffic: traffic, health: traffic.flatMap { greenURLs.isEmpty ? nil : LiveGreenHealthProbe(services: services, traffic: $0, alarms: alarmStates) },
                    settings: settings, log: { line in if !quiet { note(line) } })
                try await body(executor)
            }
        } catch {
            await pool?.close()
            throw error
        }
        await pool?.close()
    }

    func trafficSwitch(elb: ELBv2Client) -> (any TrafficSwitch)? {
        if let haproxySocket {
            return HAProxyTrafficSwitch(
                socket: HAProxyAdminSocket(path: haproxySocket), backend: backend, blueServer: blueServer, greenServer: greenServer)
        }
        if let albListenerArn, let blueTargetGroupArn, let greenTargetGroupArn {
            return ALBTrafficSwitch(
                elb: elb, listenerArn: albListenerArn, blueTargetGroupArn: blueTargetGroupArn, greenTargetGroupArn: greenTargetGroupArn)
        }
        return nil
    }

    /// user@host, for the audit trail.
    static var actor: String {
        let user = ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.environment["LOGNAME"] ?? "unknown"
        return user + "@" + ProcessInfo.processInfo.hostName
    }
}

/// `switch-reads`' traffic ramp and its health gate.
struct RampOptions: ParsableArguments {
    @Option(name: .long, help: "Green's weight steps in percent, rising to 100.")
    var ramp = "0,10,50,100"

    @Option(name: .long, help: "How long each step must stay healthy.")
    var bake = DurationArgument(argument: "10s")!

    @Option(name: .long, help: "How long a step may lack evidence (too few requests) before the ramp rolls back.")
    var maxHold = DurationArgument(argument: "60s")!

    @Option(name: .long, help: "Time between health samples.")
    var sampleInterval = DurationArgument(argument: "1s")!

    @Option(name: .long, help: "Green's 5xx share over which traffic returns to blue (0.01 = 1%).")
    var maxErrorRate = 0.01

    @Option(name: .long, help: "Green's p99 latency over which traffic returns to blue.")
    var maxP99 = DurationArgument(argument: "500ms")!

    @Option(name: .long, help: "Requests a sample needs to count as evidence.")
    var minRequests = 50

    func validate() throws {
        _ = try percents()
    }

    /// `--ramp` as rising percentages ending at 100.
    func percents() throws -> [Int] {
        let percents = ramp.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard percents.count == ramp.split(separator: ",").count, percents.last == 100,
            zip(percents, percents.dropFirst()).allSatisfy({ $0 < $1 }), percents.allSatisfy({ (0...100).contains($0) })
        else {
            throw ValidationError("--ramp \(ramp): give rising percentages ending at 100, such as 0,10,50,100")
        }
        return percents
    }

    func apply(to settings: inout CutoverSettings) throws {
        settings.rampSteps = try percents().map { TrafficRamp.Step(greenPercent: $0, bake: bake.duration) }
        settings.maxHold = maxHold.duration
        settings.healthSampleInterval = sampleInterval.duration
        settings.healthPolicy = HealthGatePolicy(maxErrorRate: maxErrorRate, maxP99Milliseconds: maxP99.milliseconds, minimumRequests: minRequests)
    }
}

/// The text `cutover` prints.
enum CutoverText {
    static func lines(_ report: CutoverReport) -> [String] {
        var lines = ["cutover \(report.command): \(report.from.rawValue) -> \(report.phase.rawValue): \(report.outcome.rawValue.uppercased())"]
        if !report.reason.isEmpty { lines.append("  reason: \(report.reason)") }
        for verdict in report.verdicts { lines.append("  gate \(verdict)") }
        for action in report.actions { lines.append("  done: \(action)") }
        if let pause = report.writePauseMilliseconds { lines.append("  writes held \(Int(pause.rounded())) ms") }
        lines.append("  epoch \(report.epoch), revision \(report.revision)")
        return lines
    }

    static func lines(_ status: CutoverStatusReport) -> [String] {
        var lines = [
            "phase \(status.phase.rawValue) (revision \(status.revision), epoch \(status.epoch))",
            "flags version \(status.flags.version): read mode \(status.flags.readMode), write primary \(status.flags.writePrimary), "
                + "shadow sample \(status.flags.shadowSample), epoch \(status.flags.epoch)",
            "forward stream applied: \(status.forwardStreamPosition ?? "not published")",
            "reverse replication: "
                + (status.reverseProgress.map { "caught up through " + DateTimeText.iso8601(epochMilliseconds: $0.caughtUpThroughMilliseconds) } ?? "not published"),
        ]
        if let replication = status.replication {
            func confirmed(_ acknowledgement: ReplicationAcknowledgement?) -> String {
                acknowledgement.map { ($0.running ? "running" : "stopped") + " (directive \($0.revision))" } ?? "never seen"
            }
            lines.append(
                "streams: directive \(replication.directive.revision) lets \(replication.directive.runs.rawValue) run; "
                    + "forward \(confirmed(replication.forward)), reverse \(confirmed(replication.reverse))")
        }
        if let weights = status.weights { lines.append("traffic: \(weights)") }
        if let running = status.running {
            lines.append(
                "running: `cutover \(running.command)` by \(running.actor) since \(running.startedAt) (its hold lapses at "
                    + DateTimeText.iso8601(epochMilliseconds: running.expiresAtMilliseconds) + ")")
        }
        lines.append("gates:")
        lines += status.gates.map { "  \($0)" }
        lines.append("audit (last \(status.audit.count)):")
        lines += status.audit.map { entry in
            "  \(entry.at) \(entry.command): \(entry.from.rawValue) -> \(entry.to.rawValue) \(entry.outcome.rawValue) by \(entry.actor), "
                + "epoch \(entry.epoch), mysql \(entry.mysqlPosition ?? "-")" + (entry.reason.isEmpty ? "" : ": \(entry.reason)")
        }
        return lines
    }
}
