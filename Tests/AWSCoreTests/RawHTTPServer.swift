import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

/// What the raw test server does with one complete request.
enum RawReply: Sendable {
    /// Writes the bytes (a whole HTTP response, as the test spells it) and keeps the connection.
    case respond(String)
    /// Writes the bytes, then closes the connection.
    case respondAndClose(String)
    /// Writes the bytes after a delay.
    case respondAfter(Duration, String)
    /// Closes the connection without answering.
    case close
    /// Never answers.
    case silent

    /// A 200 response with a Content-Length body.
    static func ok(_ body: String = "{}", headers: String = "") -> RawReply {
        .respond("HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\(headers)\r\n\(body)")
    }
}

/// A TCP server on 127.0.0.1 that reads HTTP/1.1 requests (head and Content-Length body)
/// and answers with bytes the test chooses, so the transport can be shown chunked bodies,
/// closed connections and silence. Counts connections.
final class RawHTTPServer: Sendable {
    struct Counts: Sendable {
        var connections = 0
        var closed = 0
        var open = 0
        var maxOpen = 0
        var requests = 0
    }

    let port: Int
    private let listener: any Channel
    private let shared: Shared

    final class Shared: Sendable {
        let counts = NIOLockedValueBox(Counts())
        let channels = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])
        /// (request number from 0, connection number from 0, request text) -> reply
        let reply: @Sendable (Int, Int, String) -> RawReply
        init(reply: @escaping @Sendable (Int, Int, String) -> RawReply) { self.reply = reply }
    }

    var url: String { "http://127.0.0.1:\(port)" }
    var counts: Counts { shared.counts.withLockedValue { $0 } }

    private init(port: Int, listener: any Channel, shared: Shared) {
        self.port = port
        self.listener = listener
        self.shared = shared
    }

    static func start(reply: @escaping @Sendable (_ request: Int, _ connection: Int, _ text: String) -> RawReply) async throws -> RawHTTPServer {
        let shared = Shared(reply: reply)
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RawConnectionHandler(shared: shared))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return RawHTTPServer(port: listener.localAddress!.port!, listener: listener, shared: shared)
    }

    /// Closes every client connection (as a server's idle timeout would).
    func closeConnections() async {
        let channels = shared.channels.withLockedValue { Array($0.values) }
        for channel in channels { try? await channel.close() }
    }

    /// Waits (up to two seconds) until `condition` holds for the counts; records an issue if it never does.
    func expectEventually(
        _ condition: (Counts) -> Bool, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        for _ in 0..<200 {
            if condition(counts) { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        if !condition(counts) { Issue.record("condition never held: \(counts)", sourceLocation: sourceLocation) }
    }

    func stop() async {
        await closeConnections()
        try? await listener.close()
    }
}

private final class RawConnectionHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    private let shared: RawHTTPServer.Shared
    private var received = ByteBuffer()
    private var connection = 0

    init(shared: RawHTTPServer.Shared) { self.shared = shared }

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        connection = shared.counts.withLockedValue { counts in
            counts.connections += 1
            counts.open += 1
            counts.maxOpen = max(counts.maxOpen, counts.open)
            return counts.connections - 1
        }
        shared.channels.withLockedValue { $0[ObjectIdentifier(channel)] = channel }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let channel = context.channel
        shared.counts.withLockedValue { counts in
            counts.open -= 1
            counts.closed += 1
        }
        shared.channels.withLockedValue { $0[ObjectIdentifier(channel)] = nil }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        received.writeBuffer(&bytes)
        while let request = takeRequest() {
            let number = shared.counts.withLockedValue { counts in
                counts.requests += 1
                return counts.requests - 1
            }
            let channel = context.channel
            switch shared.reply(number, connection, request) {
            case .respond(let text):
                channel.writeAndFlush(ByteBuffer(string: text), promise: nil)
            case .respondAndClose(let text):
                channel.writeAndFlush(ByteBuffer(string: text)).whenComplete { _ in channel.close(promise: nil) }
            case .respondAfter(let delay, let text):
                channel.eventLoop.scheduleTask(in: TimeAmount(delay)) {
                    channel.writeAndFlush(ByteBuffer(string: text), promise: nil)
                }
            case .close:
                channel.close(promise: nil)
            case .silent:
                break
            }
        }
    }

    /// The next whole request (head and Content-Length body), if it has arrived.
    private func takeRequest() -> String? {
        let text = String(decoding: received.readableBytesView, as: UTF8.self)
        guard let headEnd = text.range(of: "\r\n\r\n") else { return nil }
        let head = text[..<headEnd.lowerBound]
        var length = 0
        for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
            length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        let headBytes = text[..<headEnd.upperBound].utf8.count
        guard received.readableBytes >= headBytes + length else { return nil }
        let request = received.readString(length: headBytes + length)!
        received.discardReadBytes()
        return request
    }
}
