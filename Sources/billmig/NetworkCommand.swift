import ArgumentParser
import DMSStaging
import Foundation
import Migration
import MigrationCore
import NetworkCore
import NetworkMonitor

struct NetworkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "The links between the data centre and AWS.",
        subcommands: [Status.self]
    )

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the VPN and Direct Connect links as AWS reports them, and probe each route to the source.",
            discussion: """
                VPN connections: the connection's state and each tunnel's telemetry (EC2 \
                DescribeVpnConnections). Direct Connect: each connection's state and bandwidth \
                (DescribeConnections). Routes: --route NAME=HOST:PORT, TCP connects to the source \
                through each link (the primary address over Direct Connect, the backup over the \
                VPN), timed over --probes attempts: loss and p50/p99 connect time.

                With --state, the commands running on that state (stream, load --from mysql://) \
                say how fast they read the source and, when the link's capacity is known \
                (their own --link-capacity, this command's, or the one Direct Connect \
                connection's bandwidth), the share of it they use.

                Each link and route is healthy, degraded (a tunnel down, loss above --max-loss, \
                p99 connect above --max-connect-ms, a connection not yet in service) or down. \
                Exit status: 0 nothing is down (degraded is printed as a warning); 1 something is \
                down or could not be read.
                """
        )

        @Option(name: .customLong("vpn-connection-id"), help: "A site-to-site VPN connection (vpn-...); repeat for each.")
        var vpnConnectionIDs: [String] = []

        @Option(name: .customLong("dx-connection-id"), help: "A Direct Connect connection (dxcon-...); repeat for each.")
        var directConnectIDs: [String] = []

        @Option(name: .customLong("route"), help: "A route to probe, NAME=HOST:PORT (e.g. primary=10.0.0.5:3306); repeat for each.")
        var routes: [String] = []

        @Option(name: .long, help: "The state location of running commands (as given to stream and load): show their use of the link.")
        var state: String?

        @Option(name: .long, help: "The link's declared capacity (1Gbps, 500Mbps) for the share of it the commands use, when they did not declare it.")
        var linkCapacity: String?

        @Option(name: .long, help: "TCP connects per route.")
        var probes = 5

        @Option(name: .long, help: "Loss above this share of the probes (0 to 1) makes a route degraded.")
        var maxLoss = 0.05

        @Option(name: .long, help: "A p99 connect time above this (ms) makes a route degraded.")
        var maxConnectMs = 500.0

        @OptionGroup var output: OutputOptions

        func validate() throws {
            _ = try parsedRoutes()
            guard probes >= 1 else { throw ValidationError("--probes must be at least 1") }
            guard (0...1).contains(maxLoss) else { throw ValidationError("--max-loss is a share, 0 to 1 (0.05 is 5%)") }
            guard !vpnConnectionIDs.isEmpty || !directConnectIDs.isEmpty || !routes.isEmpty || state != nil else {
                throw ValidationError("name something to check: --vpn-connection-id, --dx-connection-id, --route or --state")
            }
            if let linkCapacity, LinkCapacity.bitsPerSecond(parsing: linkCapacity) == nil {
                throw ValidationError("--link-capacity \(linkCapacity): give a rate in bits per second such as 1Gbps, 500Mbps or 10Gbit/s")
            }
            if let state { _ = try StagingLocation(parsing: state) }
        }

        func parsedRoutes() throws -> [RouteProber.Route] {
            try routes.map { text in
                let parts = text.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let colon = parts[1].lastIndex(of: ":"), let port = Int(parts[1][parts[1].index(after: colon)...]),
                    (1...65535).contains(port), colon > parts[1].startIndex
                else {
                    throw ValidationError("--route takes NAME=HOST:PORT (e.g. primary=10.0.0.5:3306), not '\(text)'")
                }
                return RouteProber.Route(name: String(parts[0]), host: String(parts[1][..<colon]), port: port)
            }
        }

        func run() async throws {
            let stateLocation = try state.map(StagingLocation.init(parsing:))
            var needsAWS = !vpnConnectionIDs.isEmpty || !directConnectIDs.isEmpty
            if case .s3 = stateLocation { needsAWS = true }
            let routes = try parsedRoutes()
            let (vpn, directConnect, windows, activity) = try await Runtime.with(needsAWS: needsAWS) { runtime in
                var activity: [RunActivity] = []
                if let stateLocation { activity = try await runtime.stateLocation(stateLocation).readAll(.runActivity) }
                async let windows = RouteProber(attempts: probes).probe(routes)
                var vpn: [VPNConnectionStatus] = []
                var directConnect: [DirectConnectStatus] = []
                do {
                    if !vpnConnectionIDs.isEmpty { vpn = try await VPNConnectionsClient(client: try runtime.awsClient()).describe(vpnConnectionIDs) }
                    if !directConnectIDs.isEmpty { directConnect = try await DirectConnectClient(client: try runtime.awsClient()).describe(directConnectIDs) }
                } catch {
                    _ = await windows
                    throw CommandError("could not read the links' states: \(error) (the role needs ec2:DescribeVpnConnections and directconnect:DescribeConnections)")
                }
                return (vpn, directConnect, await windows, activity)
            }
            // A command's own declared capacity wins; then this command's; then the one Direct Connect connection's.
            let capacity = linkCapacity.flatMap(LinkCapacity.bitsPerSecond(parsing:))
                ?? (directConnect.count == 1 ? directConnect[0].capacityBitsPerSecond : nil)
            let now = Date()
            let commands = activity.sorted { $0.command < $1.command }.map { run in
                var use = run.sourceLink
                if use?.capacityBitsPerSecond == nil { use?.capacityBitsPerSecond = capacity }
                return NetworkReport.CommandLink(command: run.command, standing: run.line(at: now), sourceLink: use)
            }
            let report = NetworkReport(
                vpnConnections: vpn, directConnect: directConnect, routes: windows, commands: commands,
                assessment: NetworkAssessment(
                    vpn: vpn, directConnect: directConnect, routes: windows,
                    thresholds: .init(maximumLoss: maxLoss, maximumConnectMilliseconds: maxConnectMs)))
            let missing = Set(vpnConnectionIDs).subtracting(vpn.map(\.id)).union(Set(directConnectIDs).subtracting(directConnect.map(\.id)))
            if !missing.isEmpty { note("billmig: AWS did not report \(missing.sorted().joined(separator: ", ")): check the ids and the region") }
            try output.conclude(report, status: report.assessment.overall == .down || !missing.isEmpty ? .failure : .success) {
                report.text
            }
        }
    }
}

/// What `network status` prints, and with --json the same as JSON.
struct NetworkReport: Encodable {
    var vpnConnections: [VPNConnectionStatus]
    var directConnect: [DirectConnectStatus]
    var routes: [RouteProbeWindow]
    /// The commands of `--state` and their use of the link.
    var commands: [CommandLink]
    var assessment: NetworkAssessment

    struct CommandLink: Encodable {
        var command: String
        /// Its line in `status`.
        var standing: String
        /// Its reads from the source now (running commands only), with the share of the capacity when known.
        var sourceLink: LinkUse?
    }

    var text: String {
        var lines: [String] = []
        for verdict in assessment.verdicts {
            lines.append("\(verdict.health.rawValue.uppercased().padding(toLength: 9, withPad: " ", startingAt: 0)) \(verdict.kind) \(verdict.name)"
                + (verdict.reasons.isEmpty ? "" : ": " + verdict.reasons.joined(separator: "; ")))
        }
        for vpn in vpnConnections where !vpn.tunnels.isEmpty {
            for tunnel in vpn.tunnels {
                lines.append("          \(vpn.id) tunnel \(tunnel.outsideAddress) \(tunnel.status)"
                    + (tunnel.lastStatusChange.map { " since \($0)" } ?? "") + (tunnel.statusMessage.map { " (\($0))" } ?? ""))
            }
        }
        if !routes.isEmpty {
            var table = TextTable(["route", "address", "probes", "loss", "p50 ms", "p99 ms"])
            for route in routes {
                table.add([
                    route.route, route.address, String(route.attempts), NetworkAssessment.percent(route.loss),
                    route.connectPercentile(50).map { String(format: "%.1f", $0) } ?? "-",
                    route.connectPercentile(99).map { String(format: "%.1f", $0) } ?? "-",
                ])
            }
            lines += ["", table.render()]
        }
        if !commands.isEmpty {
            lines.append("")
            for command in commands {
                lines.append(command.standing)
                if let use = command.sourceLink {
                    lines.append("  \(command.command): \(use.description)" + (use.share == nil ? " (declare the link's capacity with --link-capacity for the share)" : ""))
                }
            }
        }
        lines += ["", "network: \(assessment.overall.rawValue)"]
        return lines.joined(separator: "\n")
    }
}
