import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A request as the fake upstream received it.
struct RecordedRequest: Sendable {
    var method: HTTPMethod
    var uri: String
    var headers: HTTPHeaders
    var body: [UInt8]

    var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// What the fake upstream answers.
struct FakeResponse: Sendable {
    var status: HTTPResponseStatus = .ok
    var headers: HTTPHeaders = HTTPHeaders()
    var body: [UInt8] = []

    init(status: HTTPResponseStatus = .ok, headers: [(String, String)] = [], body: String = "") {
        self.status = status
        self.headers = HTTPHeaders(headers)
        self.body = Array(body.utf8)
    }
}

/// A tiny HTTP server on 127.0.0.1 standing in for moto_server: records every request and
/// answers with `respond`.
final class FakeUpstream: Sendable {
    let port: Int
    private let channel: any Channel
    private let recorded: NIOLockedValueBox<[RecordedRequest]>

    var endpoint: String { "http://127.0.0.1:\(port)" }
    var requests: [RecordedRequest] { recorded.withLockedValue { $0 } }

    private init(port: Int, channel: any Channel, recorded: NIOLockedValueBox<[RecordedRequest]>) {
        self.port = port
        self.channel = channel
        self.recorded = recorded
    }

    static func withRunning<Result>(
        isolation: isolated (any Actor)? = #isolation,
        respond: @escaping @Sendable (RecordedRequest) -> FakeResponse = { _ in FakeResponse(body: "{}") },
        _ body: (FakeUpstream) async throws -> Result
    ) async throws -> Result {
        let recorded = NIOLockedValueBox<[RecordedRequest]>([])
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(FakeUpstreamHandler(recorded: recorded, respond: respond))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let upstream = FakeUpstream(port: channel.localAddress!.port!, channel: channel, recorded: recorded)
        do {
            let result = try await body(upstream)
            try? await channel.close()
            return result
        } catch {
            try? await channel.close()
            throw error
        }
    }
}

private final class FakeUpstreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let recorded: NIOLockedValueBox<[RecordedRequest]>
    private let respond: @Sendable (RecordedRequest) -> FakeResponse
    private var current: RecordedRequest?

    init(recorded: NIOLockedValueBox<[RecordedRequest]>, respond: @escaping @Sendable (RecordedRequest) -> FakeResponse) {
        self.recorded = recorded
        self.respond = respond
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            current = RecordedRequest(method: head.method, uri: head.uri, headers: head.headers, body: [])
        case .body(let chunk):
            current?.body.append(contentsOf: chunk.readableBytesView)
        case .end:
            guard let request = current else { return }
            current = nil
            recorded.withLockedValue { $0.append(request) }
            let response = respond(request)
            var headers = response.headers
            headers.replaceOrAdd(name: "content-length", value: String(response.body.count))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers))), promise: nil)
            if request.method != .HEAD {
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
            }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
