@testable import AWSCore
import NIOCore
import NIOHTTP1
import Testing

@Suite("BufferedHTTP1Transport against a raw local server")
struct BufferedHTTP1TransportTests {
    static func settings(maxConnections: Int = 128, idleTimeout: Duration = .seconds(60)) -> AWSHTTPSettings {
        AWSHTTPSettings(connectTimeout: .seconds(2), maxConnectionsPerHost: maxConnections, idleTimeout: idleTimeout)
    }

    static func post(_ server: RawHTTPServer, _ body: String = #"{"TableName":"T"}"#, headers: HTTPHeaders = [:]) -> AWSHTTPRequest {
        var all = headers
        all.add(name: "Host", value: "127.0.0.1:\(server.port)")
        return AWSHTTPRequest(method: .POST, url: server.url + "/", headers: all, body: ByteBuffer(string: body))
    }

    /// Runs `body` with a transport and a server, and stops both.
    static func with(
        _ settings: AWSHTTPSettings = settings(),
        reply: @escaping @Sendable (_ request: Int, _ connection: Int, _ text: String) -> RawReply,
        _ body: (BufferedHTTP1Transport, RawHTTPServer) async throws -> Void
    ) async throws {
        let server = try await RawHTTPServer.start(reply: reply)
        let transport = BufferedHTTP1Transport(settings: settings)
        do {
            try await body(transport, server)
        } catch {
            try? await transport.shutdown()
            await server.stop()
            throw error
        }
        try await transport.shutdown()
        await server.stop()
    }

    static func text(_ response: AWSHTTPResponse) async throws -> String {
        String(buffer: try await response.body.collect(upTo: 1 << 20))
    }

    /// The body of the response to `request`.
    static func send(_ transport: BufferedHTTP1Transport, _ server: RawHTTPServer) async throws -> String {
        try await text(transport.execute(post(server), timeout: .seconds(5)))
    }

    @Test func sequentialRequestsReuseOneConnection() async throws {
        try await Self.with(reply: { request, _, text in
            text.hasPrefix("POST / HTTP/1.1\r\n") && text.contains("\r\nContent-Length: 17\r\n")
                ? .ok("answer \(request)") : .respond("HTTP/1.1 400 Bad\r\nContent-Length: 0\r\n\r\n")
        }) { transport, server in
            for index in 0..<5 {
                let response = try await transport.execute(Self.post(server), timeout: .seconds(5))
                #expect(response.status == 200)
                #expect(try await Self.text(response) == "answer \(index)")
            }
            #expect(server.counts.connections == 1)
        }
    }

    @Test func concurrentRequestsStayWithinThePoolLimit() async throws {
        try await Self.with(Self.settings(maxConnections: 2), reply: { _, _, _ in
            .respondAfter(.milliseconds(30), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        }) { transport, server in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<10 {
                    group.addTask { try await transport.execute(Self.post(server), timeout: .seconds(5)).status }
                }
                for try await status in group { #expect(status == 200) }
            }
            #expect(server.counts.requests == 10)
            #expect(server.counts.connections == 2)
            #expect(server.counts.maxOpen <= 2)
        }
    }

    @Test func readsAChunkedBodyAndKeepsTheConnection() async throws {
        try await Self.with(reply: { _, _, _ in
            .respond("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        }) { transport, server in
            for _ in 0..<2 {
                let response = try await transport.execute(Self.post(server), timeout: .seconds(5))
                #expect(try await Self.text(response) == "hello world")
            }
            #expect(server.counts.connections == 1)
        }
    }

    @Test func connectionCloseIsHonouredBothWays() async throws {
        try await Self.with(reply: { request, _, _ in
            switch request {
            case 0: .respondAndClose("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\na")
            case 1: .respondAndClose("HTTP/1.1 200 OK\r\n\r\nclose-delimited") // no length: the body ends with the connection
            case 2: .respond("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nc") // HTTP/1.0 without keep-alive
            default: .ok("d")
            }
        }) { transport, server in
            #expect(try await Self.send(transport, server) == "a")
            #expect(try await Self.send(transport, server) == "close-delimited")
            #expect(try await Self.send(transport, server) == "c")
            // The request asks to close: the next request needs a new connection too.
            let closing = Self.post(server, headers: ["Connection": "close"])
            let closed = try await transport.execute(closing, timeout: .seconds(5))
            #expect(try await Self.text(closed) == "d")
            #expect(try await Self.send(transport, server) == "d")
            #expect(server.counts.connections == 5)
        }
    }

    @Test func aReusedConnectionTheServerClosedIsRetriedOnceOnANewOne() async throws {
        // The server takes the second request on the first connection and closes without a word,
        // as a server whose idle timeout fired a moment earlier would.
        try await Self.with(reply: { request, connection, _ in
            connection == 0 && request == 1 ? .close : .ok("fine \(request)")
        }) { transport, server in
            let first = try await Self.send(transport, server)
            let second = try await Self.send(transport, server)
            #expect([first, second] == ["fine 0", "fine 2"])
            #expect(server.counts.connections == 2)
        }
    }

    @Test func aConnectionClosedWhileIdleIsNotUsedAgain() async throws {
        try await Self.with(reply: { request, _, _ in .ok("fine \(request)") }) { transport, server in
            let first = try await Self.send(transport, server)
            await server.closeConnections()
            let second = try await Self.send(transport, server)
            #expect([first, second] == ["fine 0", "fine 1"])
            #expect(server.counts.connections == 2)
        }
    }

    @Test func aNewConnectionClosedBeforeAnAnswerFailsWithoutRetry() async throws {
        try await Self.with(reply: { _, _, _ in .close }) { transport, server in
            await #expect(throws: HTTP1TransportError.closedBeforeResponse) {
                try await transport.execute(Self.post(server), timeout: .seconds(5))
            }
            #expect(server.counts.requests == 1)
        }
    }

    @Test func theRequestTimeoutFailsTheRequestAndClosesTheConnection() async throws {
        try await Self.with(reply: { _, _, _ in .silent }) { transport, server in
            let clock = ContinuousClock()
            let start = clock.now
            await #expect(throws: HTTP1TransportError.requestTimeout) {
                try await transport.execute(Self.post(server), timeout: .milliseconds(200))
            }
            #expect(clock.now - start < .seconds(2))
            try await server.expectEventually { $0.closed == 1 }
            #expect(AWSError.transport(HTTP1TransportError.requestTimeout, service: "s", operation: "o").isTimeout)
        }
    }

    @Test func aBodyOverTheLimitThrowsBodyTooLarge() async throws {
        try await Self.with(reply: { request, _, _ in
            request == 0
                ? .ok(String(repeating: "x", count: 100))
                : .respond("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n")
        }) { transport, server in
            for _ in 0..<2 {
                do {
                    _ = try await transport.executeBuffered(Self.post(server), timeout: .seconds(5), maxBodyBytes: 10)
                    Issue.record("expected BodyTooLarge")
                } catch let error as AWSError {
                    #expect(error.code == "BodyTooLarge")
                }
            }
            try await server.expectEventually { $0.closed == 2 }
        }
    }

    @Test func aHEADResponseHasNoBodyWhateverItsLength() async throws {
        try await Self.with(reply: { request, _, _ in
            request == 0 ? .respond("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n") : .ok("next")
        }) { transport, server in
            let head = AWSHTTPRequest(method: .HEAD, url: server.url + "/bucket/key", headers: ["Host": "127.0.0.1:\(server.port)"])
            let response = try await transport.executeBuffered(head, timeout: .seconds(5), maxBodyBytes: 10)
            #expect(response.status == 200)
            #expect(response.headers.first(name: "Content-Length") == "1000")
            #expect(try await Self.text(response) == "")
            #expect(try await Self.send(transport, server) == "next")
            #expect(server.counts.connections == 1)
        }
    }

    @Test func cancellationFailsTheRequestAndClosesTheConnection() async throws {
        try await Self.with(reply: { _, _, _ in .silent }) { transport, server in
            let task = Task { try await transport.execute(Self.post(server), timeout: .seconds(30)) }
            try await server.expectEventually { $0.requests == 1 }
            task.cancel()
            await #expect(throws: CancellationError.self) { try await task.value }
            try await server.expectEventually { $0.closed == 1 }
        }
    }

    @Test func shutdownFailsWaitingRequests() async throws {
        let server = try await RawHTTPServer.start { _, _, _ in .silent }
        let transport = BufferedHTTP1Transport(settings: Self.settings(maxConnections: 1))
        let first = Task { try await transport.execute(Self.post(server), timeout: .seconds(30)) }
        try await server.expectEventually { $0.requests == 1 }
        let waiting = Task { try await transport.execute(Self.post(server), timeout: .seconds(30)) }
        try await Task.sleep(for: .milliseconds(50))
        try await transport.shutdown()
        await #expect(throws: (any Error).self) { try await first.value }
        await #expect(throws: HTTP1TransportError.shutdown) { try await waiting.value }
        await server.stop()
    }

    @Test func idleConnectionsCloseAfterTheIdleTimeout() async throws {
        try await Self.with(Self.settings(idleTimeout: .milliseconds(100)), reply: { _, _, _ in .ok() }) { transport, server in
            _ = try await transport.execute(Self.post(server), timeout: .seconds(5))
            try await server.expectEventually { $0.closed == 1 }
        }
    }

    @Test func splitsURLs() throws {
        let plain = try HTTP1Target(url: "http://127.0.0.1:5555/bucket/key?x-id=GetObject")
        #expect(plain.key == HTTP1PoolKey(isTLS: false, host: "127.0.0.1", port: 5555))
        #expect(plain.pathAndQuery == "/bucket/key?x-id=GetObject")
        let tls = try HTTP1Target(url: "https://dynamodb.eu-west-1.amazonaws.com")
        #expect(tls.key == HTTP1PoolKey(isTLS: true, host: "dynamodb.eu-west-1.amazonaws.com", port: 443))
        #expect(tls.pathAndQuery == "/")
        let v6 = try HTTP1Target(url: "http://[::1]:8000?a=b")
        #expect(v6.key == HTTP1PoolKey(isTLS: false, host: "::1", port: 8000))
        #expect(v6.pathAndQuery == "/?a=b")
        #expect(throws: HTTP1TransportError.self) { try HTTP1Target(url: "ftp://x/") }
        #expect(throws: HTTP1TransportError.self) { try HTTP1Target(url: "http://host:port/") }
    }
}
