import Foundation
import MariaDBTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Loss and latency on the namespace's link, made the real way: nftables drops
/// packets, netem (or, on a kernel without it, a relay in the path) delays them.
extension NetworkNamespace {
    /// The namespace's end of the primary link.
    var peerInterface: String { hostInterface.replacingOccurrences(of: "bmh", with: "bmn") }

    /// Drops a random `percent` of the packets crossing the link, each way
    /// (`numgen random mod 100 < percent drop` on the namespace's end of the veth).
    func dropPackets(percent: Int) async throws {
        let nft = ["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/sbin/nft"
        let table = "billmig_loss"
        for command in [
            ["add", "table", "inet", table],
            ["add", "chain", "inet", table, "input", "{ type filter hook input priority 0; }"],
            ["add", "chain", "inet", table, "output", "{ type filter hook output priority 0; }"],
            ["add", "rule", "inet", table, "input", "iifname", peerInterface, "numgen", "random", "mod", "100", "<", String(percent), "counter", "drop"],
            ["add", "rule", "inet", table, "output", "oifname", peerInterface, "numgen", "random", "mod", "100", "<", String(percent), "counter", "drop"],
        ] {
            let (status, output) = await MariaDBTestServer.run(Self.ip, ["netns", "exec", name, nft] + command)
            if status != 0 {
                try RequiredServer.unavailable(
                    "nftables", reason: "`nft \(command.joined(separator: " "))` in \(name) failed (\(status)): \(output) (scripts/setup installs nftables)")
            }
        }
    }

    /// Packets the loss rules dropped so far, both ways.
    func droppedPackets() async -> Int {
        let (_, output) = await MariaDBTestServer.run(Self.ip, ["netns", "exec", name, "nft", "list", "table", "inet", "billmig_loss"])
        return output.components(separatedBy: "packets ").dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }.reduce(0, +)
    }

    /// How the link is delayed: netem on the veth, or a relay that the source is reached through.
    enum Delay {
        case netem
        /// The relay's process and the source URL through it.
        case relay(Process, sourceURL: String)

        var sourceURL: String? {
            if case .relay(_, let url) = self { return url }
            return nil
        }

        func stop() {
            guard case .relay(let process, _) = self, process.isRunning else { return }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Adds `milliseconds` of latency each way: netem when the kernel has it, else
    /// (said on the output) a relay inside the namespace in front of MariaDB that
    /// holds each chunk that long per direction (scripts/delay-relay).
    func delay(milliseconds: Int) async throws -> Delay {
        let (status, output) = await MariaDBTestServer.run(
            Self.ip, ["netns", "exec", name, "tc", "qdisc", "add", "dev", peerInterface, "root", "netem", "delay", "\(milliseconds)ms"])
        if status == 0 {
            // netem delays what leaves the namespace; the host's end delays the way in.
            let (back, backOutput) = await MariaDBTestServer.run("/usr/sbin/tc", ["qdisc", "add", "dev", hostInterface, "root", "netem", "delay", "\(milliseconds)ms"])
            try #require(back == 0, "netem on \(hostInterface): \(backOutput)")
            print("latency: netem delay \(milliseconds)ms on both ends of the link")
            return .netem
        }
        print("latency: this kernel has no netem (`tc qdisc add ... netem` said: \(output.trimmingCharacters(in: .whitespacesAndNewlines))); "
            + "a relay in the namespace holds each chunk \(milliseconds) ms per direction instead")
        let relay = Process()
        relay.executableURL = URL(fileURLWithPath: Self.ip)
        relay.arguments = [
            "netns", "exec", name, "python3", MariaDBTestServer.packageRoot.appendingPathComponent("scripts/delay-relay").path,
            "\(namespaceAddress):3307", "127.0.0.1:3306", String(milliseconds),
        ]
        let pipe = Pipe()
        relay.standardOutput = pipe
        relay.standardInput = FileHandle.nullDevice
        try relay.run()
        let ready = await Task.detached { pipe.fileHandleForReading.availableData }.value
        guard String(decoding: ready, as: UTF8.self).hasPrefix("listening") else {
            kill(relay.processIdentifier, SIGKILL)
            try RequiredServer.unavailable("the delay relay", reason: "scripts/delay-relay did not start: \(String(decoding: ready, as: UTF8.self))")
        }
        return .relay(relay, sourceURL: sourceURL.replacingOccurrences(of: "\(namespaceAddress):3306", with: "\(namespaceAddress):3307"))
    }
}
