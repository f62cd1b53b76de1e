import NIOCore
import NIOHTTP1

/// One client connection: gathers each request whole, asks the engine, and writes the
/// answer back (or closes the connection when the engine says to drop it).
///
/// Runs behind `HTTPServerPipelineHandler`, so requests on a connection are handled one at a
/// time and in order.
final class ProxyHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let engine: ProxyEngine
    private let maximumBodySize: Int
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var bodyTooLarge = false

    init(engine: ProxyEngine, maximumBodySize: Int) {
        self.engine = engine
        self.maximumBodySize = maximumBodySize
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body.clear()
            bodyTooLarge = false
            if let length = requestHead.headers.first(name: "content-length").flatMap(Int.init), length > 0 {
                body.reserveCapacity(min(length, maximumBodySize))
            }
            if requestHead.headers.first(name: "expect")?.lowercased() == "100-continue" {
                context.writeAndFlush(
                    wrapOutboundOut(.head(HTTPResponseHead(version: requestHead.version, status: .continue))),
                    promise: nil)
            }
        case .body(var chunk):
            guard !bodyTooLarge else { return }
            if body.readableBytes + chunk.readableBytes > maximumBodySize {
                bodyTooLarge = true
                body.clear()
            } else {
                body.writeBuffer(&chunk)
            }
        case .end:
            guard let requestHead = head else { return }
            head = nil
            let keepAlive = requestHead.isKeepAlive
            if bodyTooLarge {
                write(ServiceResponses.plain(.payloadTooLarge, "request body over \(maximumBodySize) bytes"),
                      for: requestHead, keepAlive: false, context: context)
                return
            }
            let request = ProxyRequest(head: requestHead, body: body)
            body = ByteBuffer()
            engine.handle(request, on: context.eventLoop).assumeIsolated().whenComplete { result in
                switch result {
                case .success(.respond(let response)):
                    self.write(response, for: requestHead, keepAlive: keepAlive, context: context)
                case .success(.dropConnection):
                    context.close(promise: nil)
                case .failure(let error):
                    self.write(ServiceResponses.plain(.internalServerError, "billmig-fault-proxy: \(error)"),
                               for: requestHead, keepAlive: false, context: context)
                }
            }
        }
    }

    private func write(_ response: ProxyResponse, for request: HTTPRequestHead, keepAlive: Bool, context: ChannelHandlerContext) {
        var headers = response.headers
        let status = response.status
        let bodyAllowed = request.method != .HEAD && status != .noContent && status != .notModified
        if bodyAllowed {
            headers.replaceOrAdd(name: "content-length", value: String(response.body.readableBytes))
        } else if request.method == .HEAD, !headers.contains(name: "content-length") {
            headers.replaceOrAdd(name: "content-length", value: "0")
        }
        headers.replaceOrAdd(name: "connection", value: keepAlive ? "keep-alive" : "close")
        let responseHead = HTTPResponseHead(version: request.version, status: status, headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        if bodyAllowed, response.body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil)
        }
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                loopBoundContext.value.close(promise: nil)
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
