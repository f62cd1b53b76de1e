import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// What a raw TCP exchange came to: the bytes received before the server closed.
struct RawExchange: Sendable {
    var received: [UInt8]
    var closedByServer: Bool
}

/// Sends `request` bytes over a fresh TCP connection and collects the answer until the
/// server closes the connection or `timeout` passes (then the client closes it).
func rawExchange(port: Int, request: String, timeout: TimeAmount = .seconds(5)) async throws -> RawExchange {
    let received = NIOLockedValueBox<[UInt8]>([])
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(CollectingHandler(received: received))
            }
        }
        .connect(host: "127.0.0.1", port: port)
        .get()
    try await channel.writeAndFlush(ByteBuffer(string: request))
    let timedOut = NIOLockedValueBox(false)
    let timer = channel.eventLoop.scheduleTask(in: timeout) {
        timedOut.withLockedValue { $0 = true }
        channel.close(promise: nil)
    }
    try await channel.closeFuture.get()
    timer.cancel()
    return RawExchange(received: received.withLockedValue { $0 }, closedByServer: !timedOut.withLockedValue { $0 })
}

private final class CollectingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let received: NIOLockedValueBox<[UInt8]>

    init(received: NIOLockedValueBox<[UInt8]>) {
        self.received = received
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        received.withLockedValue { $0.append(contentsOf: buffer.readableBytesView) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // A half-close from the server is a close for this purpose.
        if event is ChannelEvent, case .inputClosed = event as! ChannelEvent {
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }
}
