import Foundation
import MariaDBTestSupport
import MySQLSource
import Testing

/// A network namespace of the test's own, joined to the host by a veth pair
/// (host 10.231.N.1, namespace 10.231.N.2), with a private MariaDB inside it:
/// every byte between billmig and that source crosses the link, which the
/// test cuts and restores (`ip link set … down/up` on the host's end: a
/// silent partition, no reset, as when a VPN tunnel drops).
///
/// With `backupLink`, a second veth pair (host 10.232.N.1, namespace 10.232.N.2)
/// is the backup route to the same server.
///
/// Needs root and iproute2 (CI runs as root); a missing capability fails the
/// test with the reason, it never skips.
struct NetworkNamespace: Sendable {
    static let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/sbin/ip"

    let name: String
    let hostInterface: String
    let subnet: Int
    let mariaDBFolder: String
    let backupLink: Bool

    var hostAddress: String { "10.231.\(subnet).1" }
    var namespaceAddress: String { "10.231.\(subnet).2" }
    var backupHostInterface: String { hostInterface.replacingOccurrences(of: "bmh", with: "bmb") }
    var backupNamespaceAddress: String { "10.232.\(subnet).2" }
    /// The source as billmig on the host reaches it: through the link (and, with a
    /// backup link, through that one when the primary cannot be reached).
    var sourceURL: String {
        "mysql://billmig@\(namespaceAddress):3306/billing?connect-timeout=3" + (backupLink ? "&backup=\(backupNamespaceAddress):3306" : "")
    }
    /// The source as a process inside the namespace reaches it: not through the link.
    var localSourceURL: String { "mysql://billmig@127.0.0.1:3306/billing" }

    /// Makes the namespace, the link and the MariaDB, runs `body`, and removes them
    /// all (the processes left in the namespace are killed) whatever `body` did.
    static func withSource<T>(_ label: String, backupLink: Bool = false, _ body: (NetworkNamespace) async throws -> T) async throws -> T {
        let subnet = Int.random(in: 1...250)
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let namespace = NetworkNamespace(
            name: "bm-\(label)-\(suffix)", hostInterface: "bmh\(suffix)", subnet: subnet,
            mariaDBFolder: FileManager.default.temporaryDirectory.appendingPathComponent("billmig-netns-\(suffix)").path,
            backupLink: backupLink)
        do {
            try await namespace.create()
            let result = try await body(namespace)
            await namespace.remove()
            return result
        } catch {
            await namespace.remove()
            throw error
        }
    }

    func create() async throws {
        let peer = hostInterface.replacingOccurrences(of: "bmh", with: "bmn")
        for command in [
            ["netns", "add", name],
            ["link", "add", hostInterface, "type", "veth", "peer", "name", peer],
            ["link", "set", peer, "netns", name],
            ["addr", "add", "\(hostAddress)/30", "dev", hostInterface],
            ["link", "set", hostInterface, "up"],
            ["netns", "exec", name, Self.ip, "addr", "add", "\(namespaceAddress)/30", "dev", peer],
            ["netns", "exec", name, Self.ip, "link", "set", peer, "up"],
            ["netns", "exec", name, Self.ip, "link", "set", "lo", "up"],
        ] + backupCommands {
            let (status, output) = await MariaDBTestServer.run(Self.ip, command)
            if status != 0 {
                try RequiredServer.unavailable(
                    "a network namespace", reason: "`ip \(command.joined(separator: " "))` failed (\(status)): \(output) (the network tests need root and iproute2)")
            }
        }
        let script = MariaDBTestServer.packageRoot.appendingPathComponent("scripts/mariadb").path
        let (status, output) = await MariaDBTestServer.run(
            Self.ip,
            [
                "netns", "exec", name, "env", "BILLMIG_MYSQL_DIR=\(mariaDBFolder)", "BILLMIG_MYSQL_PORT=3306", "BILLMIG_MYSQL_BIND=0.0.0.0",
                "BILLMIG_MYSQL_CLIENT_HOST=10.%", "BILLMIG_MYSQL_PASSWORD=\(MariaDBSupport.password)", script, "start",
            ])
        if status != 0 {
            try RequiredServer.unavailable("MariaDB in a network namespace", reason: "scripts/mariadb start failed (\(status)): \(output.suffix(600))")
        }
    }

    private var backupCommands: [[String]] {
        guard backupLink else { return [] }
        let peer = backupHostInterface.replacingOccurrences(of: "bmb", with: "bmc")
        return [
            ["link", "add", backupHostInterface, "type", "veth", "peer", "name", peer],
            ["link", "set", peer, "netns", name],
            ["addr", "add", "10.232.\(subnet).1/30", "dev", backupHostInterface],
            ["link", "set", backupHostInterface, "up"],
            ["netns", "exec", name, Self.ip, "addr", "add", "\(backupNamespaceAddress)/30", "dev", peer],
            ["netns", "exec", name, Self.ip, "link", "set", peer, "up"],
        ]
    }

    /// The link goes silent: packets are dropped, connections hang until their timeouts.
    func cut() async throws {
        let (status, output) = await MariaDBTestServer.run(Self.ip, ["link", "set", hostInterface, "down"])
        try #require(status == 0, "cutting the link: \(output)")
    }

    func restore() async throws {
        let (status, output) = await MariaDBTestServer.run(Self.ip, ["link", "set", hostInterface, "up"])
        try #require(status == 0, "restoring the link: \(output)")
    }

    /// Stops the MariaDB, kills what still runs in the namespace, and deletes it (and so the link).
    func remove() async {
        let script = MariaDBTestServer.packageRoot.appendingPathComponent("scripts/mariadb").path
        _ = await MariaDBTestServer.run(Self.ip, ["netns", "exec", name, "env", "BILLMIG_MYSQL_DIR=\(mariaDBFolder)", script, "stop"])
        let (_, pids) = await MariaDBTestServer.run(Self.ip, ["netns", "pids", name])
        for pid in pids.split(whereSeparator: \.isWhitespace).compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
        _ = await MariaDBTestServer.run(Self.ip, ["netns", "delete", name])
        try? FileManager.default.removeItem(atPath: mariaDBFolder)
    }

    /// Where the namespace's binlog ends now, read inside the namespace (the link may be down).
    func binlogEnd() async throws -> BinlogCoordinates {
        let script = MariaDBTestServer.packageRoot.appendingPathComponent("scripts/mariadb").path
        let (status, output) = await MariaDBTestServer.run(
            Self.ip, ["netns", "exec", name, "env", "BILLMIG_MYSQL_DIR=\(mariaDBFolder)", script, "sql", "-N", "-B", "-e", "SHOW MASTER STATUS"])
        let fields = output.split(whereSeparator: \.isWhitespace)
        guard status == 0, fields.count >= 2, let position = UInt64(fields[1]) else {
            throw NamespaceError(description: "SHOW MASTER STATUS in \(name): \(output)")
        }
        return BinlogCoordinates(file: String(fields[0]), position: position)
    }

    struct NamespaceError: Error, CustomStringConvertible {
        var description: String
    }
}
