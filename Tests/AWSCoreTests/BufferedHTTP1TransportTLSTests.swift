@testable import AWSCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Testing

/// https through `openssl s_server -www` with a certificate made for `localhost`: the
/// transport verifies the server (default trust roots refuse it) and, trusting it, reads
/// the page (HTTP/1.0, ended by the connection's close).
/// `scripts/setup` installs openssl; without it the test fails rather than skips.
@Suite("BufferedHTTP1Transport over TLS")
struct BufferedHTTP1TransportTLSTests {
    @Test func verifiesTheServerAndReadsOverTLS() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("billmig-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let cert = folder.appendingPathComponent("cert.pem").path
        let key = folder.appendingPathComponent("key.pem").path
        try run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
        ])
        let port = try await freePort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        server.arguments = ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", cert, "-key", key, "-www", "-quiet"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { // s_server ignores SIGTERM
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }

        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "localhost:\(port)")
        let request = AWSHTTPRequest(method: .GET, url: "https://localhost:\(port)/", headers: headers)

        var trusting = TLSConfiguration.makeClientConfiguration()
        trusting.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(cert))
        let transport = BufferedHTTP1Transport(tls: trusting)
        var response: AWSHTTPResponse?
        var lastError: (any Error)?
        for _ in 0..<40 { // until s_server listens
            do {
                response = try await transport.execute(request, timeout: .seconds(2))
                break
            } catch {
                lastError = error
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        try await transport.shutdown()
        let page = try #require(response, "last error: \(String(describing: lastError))")
        #expect(page.status == 200)
        #expect(String(buffer: try await page.body.collect(upTo: 1 << 20)).contains("s_server"))

        let defaults = BufferedHTTP1Transport()
        await #expect(throws: (any Error).self) { try await defaults.execute(request, timeout: .seconds(2)) }
        try await defaults.shutdown()
    }

    private func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    private func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close()
        return port
    }
}
