import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Buffered AWS exchanges (request body in memory, whole response read into memory) on
/// billmig's own HTTP/1.1 keep-alive connections. Each request is written head, body and
/// end with one flush, and the response is gathered on the event loop and handed back
/// whole: no tracing, no per-request URL objects or state machines, one hop each way.
/// Streamed downloads need backpressure and stay on AsyncHTTPClient (`ProductionTransport`).
///
/// Connections to one scheme/host/port are pooled (at most `maxConnectionsPerHost`;
/// beyond that requests wait in FIFO order), closed after `idleTimeout` unused. Redirects
/// are not followed and bodies are not decompressed.
public final class BufferedHTTP1Transport: AWSHTTPTransport {
    private let pool: HTTP1ConnectionPool
    private let maxResponseBodyBytes: Int

    /// `tls` defaults to NIOSSL's client defaults: the system's trust roots, SNI and
    /// host name verification.
    public init(
        settings: AWSHTTPSettings = AWSHTTPSettings(), tls: TLSConfiguration = .makeClientConfiguration(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        pool = HTTP1ConnectionPool(settings: settings, tls: tls, group: group)
        maxResponseBodyBytes = settings.maxResponseBodyBytes
    }

    /// The whole response, read with the settings' body limit.
    public func execute(_ request: AWSHTTPRequest, timeout: Duration) async throws -> AWSHTTPResponse {
        try await executeBuffered(request, timeout: timeout, maxBodyBytes: maxResponseBodyBytes)
    }

    public func executeBuffered(_ request: AWSHTTPRequest, timeout: Duration, maxBodyBytes: Int) async throws -> AWSHTTPResponse {
        let target = try HTTP1Target(url: request.url)
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        var head = HTTPRequestHead(version: .http1_1, method: request.method, uri: target.pathAndQuery, headers: request.headers)
        if !head.headers.contains(name: "Content-Length") {
            if let body = request.body {
                head.headers.add(name: "Content-Length", value: String(body.readableBytes))
            } else if request.method == .POST || request.method == .PUT || request.method == .PATCH {
                head.headers.add(name: "Content-Length", value: "0")
            }
        }
        let exchange = HTTP1Exchange(
            head: head, body: request.body, maxBodyBytes: maxBodyBytes, deadline: deadline,
            keepAlive: head.isKeepAlive)
        var retriedStale = false
        while true {
            try Task.checkCancellation()
            let (connection, reused) = try await pool.checkout(target.key, deadline: deadline, reuseIdle: !retriedStale)
            let outcome: HTTP1ExchangeOutcome
            do {
                outcome = try await connection.run(exchange)
            } catch HTTP1TransportError.closedBeforeResponse where reused && !retriedStale {
                // The classic keep-alive race: the server closed the idle connection as we
                // reused it. Nothing was answered, so try once more on a new connection.
                retriedStale = true
                continue
            }
            pool.checkin(connection, reusable: outcome.keepAlive)
            return outcome.response
        }
    }

    public func shutdown() async throws {
        try await pool.shutdown()
    }
}

/// Why a buffered exchange failed without an HTTP response.
public enum HTTP1TransportError: Error, Equatable, CustomStringConvertible {
    case invalidURL(String)
    /// The connection ended (EOF or reset) before any response byte.
    case closedBeforeResponse
    /// The connection ended in the middle of the response.
    case closedDuringResponse
    /// The request's timeout fired (waiting for a connection or during the exchange).
    case requestTimeout
    case shutdown

    public var isTimeout: Bool { self == .requestTimeout }

    public var description: String {
        switch self {
        case .invalidURL(let url): "invalid URL: \(url)"
        case .closedBeforeResponse: "the connection was closed before a response arrived"
        case .closedDuringResponse: "the connection was closed during the response"
        case .requestTimeout: "the request timed out"
        case .shutdown: "the HTTP transport is shut down"
        }
    }
}

// MARK: - Target

/// Scheme, host and port of a connection.
struct HTTP1PoolKey: Hashable, Sendable {
    var isTLS: Bool
    /// Without IPv6 brackets, as the resolver and TLS want it.
    var host: String
    var port: Int
}

/// A request URL split into what the pool and the request line need.
struct HTTP1Target {
    var key: HTTP1PoolKey
    var pathAndQuery: String

    init(url: String) throws {
        let isTLS: Bool
        var rest: Substring
        if url.hasPrefix("https://") {
            isTLS = true
            rest = url.dropFirst(8)
        } else if url.hasPrefix("http://") {
            isTLS = false
            rest = url.dropFirst(7)
        } else {
            throw HTTP1TransportError.invalidURL(url)
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        rest = rest[authorityEnd...]
        var host = authority
        var port = isTLS ? 443 : 80
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw HTTP1TransportError.invalidURL(url) }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") {
                guard let value = Int(after.dropFirst()) else { throw HTTP1TransportError.invalidURL(url) }
                port = value
            }
        } else if let colon = authority.lastIndex(of: ":") {
            guard let value = Int(authority[authority.index(after: colon)...]) else { throw HTTP1TransportError.invalidURL(url) }
            port = value
            host = authority[..<colon]
        }
        guard !host.isEmpty else { throw HTTP1TransportError.invalidURL(url) }
        key = HTTP1PoolKey(isTLS: isTLS, host: String(host), port: port)
        pathAndQuery = rest.isEmpty ? "/" : (rest.hasPrefix("?") ? "/" + rest : String(rest))
    }
}

// MARK: - Pool

/// The keep-alive connections, per scheme/host/port, and the requests waiting for one.
final class HTTP1ConnectionPool: Sendable {
    private let settings: AWSHTTPSettings
    private let tls: TLSConfiguration
    private let group: any EventLoopGroup
    private let state = NIOLockedValueBox(State())
    /// Created on first https use: loading the trust roots is not free.
    private let tlsContext = NIOLockedValueBox<NIOSSLContext?>(nil)

    private struct State {
        var hosts: [HTTP1PoolKey: Host] = [:]
        var isShutdown = false
        var nextWaiterID = 0
    }

    private struct Host {
        /// Most recently used last: that one is taken first, so the others can time out.
        var idle: [HTTP1Connection] = []
        /// Open or opening.
        var count = 0
        var waiters: [Waiter] = []
        var all: [ObjectIdentifier: HTTP1Connection] = [:]
    }

    private struct Waiter {
        var id: Int
        var continuation: CheckedContinuation<Grant, any Error>
    }

    /// What a waiter is given: a connection someone returned, or leave to open one.
    private enum Grant: Sendable {
        case connection(HTTP1Connection)
        case open
    }

    private enum Decision {
        case use(HTTP1Connection)
        case open
        case wait
    }

    init(settings: AWSHTTPSettings, tls: TLSConfiguration, group: any EventLoopGroup) {
        self.settings = settings
        self.tls = tls
        self.group = group
    }

    /// A connection for one exchange, and whether it served an exchange before.
    func checkout(_ key: HTTP1PoolKey, deadline: NIODeadline, reuseIdle: Bool) async throws -> (HTTP1Connection, reused: Bool) {
        let limit = max(1, settings.maxConnectionsPerHost)
        let decision: Decision = try state.withLockedValue { state in
            guard !state.isShutdown else { throw HTTP1TransportError.shutdown }
            var host = state.hosts[key] ?? Host()
            defer { state.hosts[key] = host }
            if reuseIdle {
                while let connection = host.idle.popLast() {
                    if connection.channel.isActive { return .use(connection) }
                }
            }
            if host.count < limit {
                host.count += 1
                return .open
            }
            return .wait
        }
        switch decision {
        case .use(let connection):
            return (connection, true)
        case .open:
            return (try await open(key), false)
        case .wait:
            switch try await wait(key, deadline: deadline) {
            case .connection(let connection): return (connection, true)
            case .open: return (try await open(key), false)
            }
        }
    }

    /// Takes back a connection after a complete response; closes it unless it may be reused.
    func checkin(_ connection: HTTP1Connection, reusable: Bool) {
        guard reusable else {
            connection.close()
            return
        }
        enum Next { case handOver(Waiter), pooled, close }
        let next: Next = state.withLockedValue { state in
            guard !state.isShutdown, connection.channel.isActive, var host = state.hosts[connection.key],
                host.all[ObjectIdentifier(connection)] != nil
            else { return .close }
            defer { state.hosts[connection.key] = host }
            if !host.waiters.isEmpty { return .handOver(host.waiters.removeFirst()) }
            connection.idleSince = .now()
            host.idle.append(connection)
            return .pooled
        }
        switch next {
        case .handOver(let waiter): waiter.continuation.resume(returning: .connection(connection))
        case .pooled: break
        case .close: connection.close()
        }
    }

    private func open(_ key: HTTP1PoolKey) async throws -> HTTP1Connection {
        let connection: HTTP1Connection
        do {
            let tls = key.isTLS ? try tlsContextForUse() : nil
            connection = try await HTTP1Connection.connect(
                key, tls: tls, connectTimeout: TimeAmount(settings.connectTimeout), group: group)
        } catch {
            slotFreed(key)
            throw error
        }
        let registered = state.withLockedValue { state -> Bool in
            guard !state.isShutdown else { return false }
            state.hosts[key, default: Host()].all[ObjectIdentifier(connection)] = connection
            return true
        }
        connection.channel.closeFuture.whenComplete { [self] _ in closed(connection) }
        guard registered else {
            connection.close()
            throw HTTP1TransportError.shutdown
        }
        scheduleIdleCheck(connection, after: TimeAmount(settings.idleTimeout))
        return connection
    }

    private func tlsContextForUse() throws -> NIOSSLContext {
        try tlsContext.withLockedValue { context in
            if let context { return context }
            let created = try NIOSSLContext(configuration: tls)
            context = created
            return created
        }
    }

    private func wait(_ key: HTTP1PoolKey, deadline: NIODeadline) async throws -> Grant {
        let id = state.withLockedValue { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        let timer = group.any().scheduleTask(deadline: deadline) { [self] in
            failWaiter(key, id: id, with: HTTP1TransportError.requestTimeout)
        }
        defer { timer.cancel() }
        let grant = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Grant, any Error>) in
                let enqueued = state.withLockedValue { state -> Bool in
                    guard !state.isShutdown else { return false }
                    guard !Task.isCancelled else { return false }
                    state.hosts[key, default: Host()].waiters.append(Waiter(id: id, continuation: continuation))
                    return true
                }
                if !enqueued {
                    continuation.resume(throwing: Task.isCancelled ? CancellationError() : HTTP1TransportError.shutdown)
                }
            }
        } onCancel: {
            failWaiter(key, id: id, with: CancellationError())
        }
        return grant
    }

    private func failWaiter(_ key: HTTP1PoolKey, id: Int, with error: any Error) {
        let waiter: Waiter? = state.withLockedValue { state in
            guard let index = state.hosts[key]?.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.hosts[key]!.waiters.remove(at: index)
        }
        waiter?.continuation.resume(throwing: error)
    }

    /// A connection's slot is free (it closed, or never opened): the first waiter may open one.
    private func slotFreed(_ key: HTTP1PoolKey) {
        let waiter: Waiter? = state.withLockedValue { state in
            guard var host = state.hosts[key] else { return nil }
            defer { state.hosts[key] = host }
            if !state.isShutdown, !host.waiters.isEmpty { return host.waiters.removeFirst() } // the slot passes on
            host.count -= 1
            return nil
        }
        waiter?.continuation.resume(returning: .open)
    }

    private func closed(_ connection: HTTP1Connection) {
        state.withLockedValue { state in
            guard var host = state.hosts[connection.key] else { return }
            host.all[ObjectIdentifier(connection)] = nil
            if let index = host.idle.firstIndex(where: { $0 === connection }) { host.idle.remove(at: index) }
            state.hosts[connection.key] = host
            connection.idleCheck?.cancel()
            connection.idleCheck = nil
        }
        slotFreed(connection.key)
    }

    /// Closes the connection once it has been idle for `idleTimeout`; checks again until then.
    private func scheduleIdleCheck(_ connection: HTTP1Connection, after delay: TimeAmount) {
        let check = connection.channel.eventLoop.scheduleTask(in: delay) { [self] in
            let idleTimeout = TimeAmount(settings.idleTimeout)
            let next: TimeAmount? = state.withLockedValue { state in
                guard var host = state.hosts[connection.key], host.all[ObjectIdentifier(connection)] != nil else { return nil }
                guard let index = host.idle.firstIndex(where: { $0 === connection }) else { return idleTimeout }
                let idleFor = NIODeadline.now() - connection.idleSince
                if idleFor < idleTimeout { return idleTimeout - idleFor }
                host.idle.remove(at: index)
                state.hosts[connection.key] = host
                return nil
            }
            if let next {
                scheduleIdleCheck(connection, after: next)
            } else {
                connection.close()
            }
        }
        state.withLockedValue { _ in connection.idleCheck = check }
    }

    func shutdown() async throws {
        let (connections, waiters): ([HTTP1Connection], [Waiter]) = state.withLockedValue { state in
            state.isShutdown = true
            var connections: [HTTP1Connection] = []
            var waiters: [Waiter] = []
            for (key, host) in state.hosts {
                connections += host.all.values
                waiters += host.waiters
                state.hosts[key]!.waiters = []
                state.hosts[key]!.idle = []
            }
            return (connections, waiters)
        }
        for waiter in waiters { waiter.continuation.resume(throwing: HTTP1TransportError.shutdown) }
        for connection in connections {
            try? await connection.channel.close()
        }
    }
}

// MARK: - Connection

/// One request as the connection's handler sends it.
struct HTTP1Exchange: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer?
    var maxBodyBytes: Int
    var deadline: NIODeadline
    /// False when the request asked for `Connection: close`.
    var keepAlive: Bool
}

struct HTTP1ExchangeOutcome: Sendable {
    var response: AWSHTTPResponse
    /// Both sides allow the connection to serve another request.
    var keepAlive: Bool
}

/// One keep-alive connection. Whoever checked it out owns it until checkin (or it closes);
/// `idleSince` and `idleCheck` are guarded by the pool's lock, and the handler lives on the
/// channel's event loop.
final class HTTP1Connection: @unchecked Sendable {
    let channel: any Channel
    let key: HTTP1PoolKey
    private let handler: HTTP1ExchangeHandler
    var idleSince = NIODeadline.now()
    var idleCheck: Scheduled<Void>?
    /// Numbers the exchanges, so a late cancellation cannot hit the next one.
    private var exchangeCount = 0

    private init(channel: any Channel, key: HTTP1PoolKey, handler: HTTP1ExchangeHandler) {
        self.channel = channel
        self.key = key
        self.handler = handler
    }

    static func connect(
        _ key: HTTP1PoolKey, tls: NIOSSLContext?, connectTimeout: TimeAmount, group: any EventLoopGroup
    ) async throws -> HTTP1Connection {
        // SNI and certificate checks take a host name; an IP address is checked against the peer's.
        let serverHostname = (try? SocketAddress(ipAddress: key.host, port: 0)) == nil ? key.host : nil
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(connectTimeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                do {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls { try pipeline.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverHostname)) }
                    try pipeline.addHTTPClientHandlers(enableOutboundHeaderValidation: false)
                    try pipeline.addHandler(HTTP1ExchangeHandler())
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
            .connect(host: key.host, port: key.port).get()
        let handler = try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: HTTP1ExchangeHandler.self)
        }.get()
        return HTTP1Connection(channel: channel, key: key, handler: handler)
    }

    /// Sends the request and reads the whole response. On any failure the connection is closed.
    func run(_ exchange: HTTP1Exchange) async throws -> HTTP1ExchangeOutcome {
        exchangeCount += 1
        let id = exchangeCount
        let handler = handler
        let eventLoop = channel.eventLoop
        let promise = eventLoop.makePromise(of: HTTP1ExchangeOutcome.self)
        return try await withTaskCancellationHandler {
            eventLoop.execute { handler.start(exchange, id: id, promise: promise) }
            return try await promise.futureResult.get()
        } onCancel: {
            eventLoop.execute { handler.cancel(id: id) }
        }
    }

    func close() {
        channel.close(promise: nil)
    }
}

/// Writes one request at a time and gathers its response. Confined to its channel's event
/// loop (hence `@unchecked Sendable`: closures scheduled on that loop capture it).
final class HTTP1ExchangeHandler: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    private struct Current {
        var id: Int
        var promise: EventLoopPromise<HTTP1ExchangeOutcome>
        var maxBodyBytes: Int
        /// A HEAD response's Content-Length describes a body that is not sent.
        var isHEAD: Bool
        var keepAlive: Bool
        var timeout: Scheduled<Void>?
        var head: HTTPResponseHead?
        var body: ByteBuffer?
    }

    private var context: ChannelHandlerContext?
    private var current: Current?
    private var lastStarted = 0
    private var cancelledBeforeStart: Int?
    private var isClosed = false
    /// Why the connection ended, for an exchange started after that.
    private var closeError: (any Error)?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func start(_ exchange: HTTP1Exchange, id: Int, promise: EventLoopPromise<HTTP1ExchangeOutcome>) {
        lastStarted = id
        if cancelledBeforeStart == id {
            cancelledBeforeStart = nil
            promise.fail(CancellationError())
            context?.close(promise: nil)
            return
        }
        guard let context, !isClosed, context.channel.isActive else {
            promise.fail(closeError ?? HTTP1TransportError.closedBeforeResponse as any Error)
            return
        }
        let timeout = context.eventLoop.scheduleTask(deadline: exchange.deadline) { [self] in
            fail(id: id, HTTP1TransportError.requestTimeout)
        }
        current = Current(
            id: id, promise: promise, maxBodyBytes: exchange.maxBodyBytes, isHEAD: exchange.head.method == .HEAD,
            keepAlive: exchange.keepAlive, timeout: timeout)
        context.write(wrapOutboundOut(.head(exchange.head)), promise: nil)
        if let body = exchange.body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func cancel(id: Int) {
        if current?.id == id {
            fail(id: id, CancellationError())
        } else if id > lastStarted {
            cancelledBeforeStart = id
        }
    }

    /// Fails the exchange `id` if it is still running, and closes the connection.
    private func fail(id: Int?, _ error: any Error) {
        guard let running = current, id == nil || running.id == id else { return }
        current = nil
        running.timeout?.cancel()
        running.promise.fail(error)
        context?.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            guard let running = current else {
                context.close(promise: nil) // a response nobody asked for
                return
            }
            if !running.isHEAD, let length = head.headers.first(name: "Content-Length").flatMap(Int.init),
                length > running.maxBodyBytes
            {
                fail(id: nil, AWSError.bodyTooLarge(running.maxBodyBytes))
                return
            }
            current!.head = head
        case .body(var part):
            guard let running = current else { return }
            let total = (running.body?.readableBytes ?? 0) + part.readableBytes
            guard total <= running.maxBodyBytes else {
                fail(id: nil, AWSError.bodyTooLarge(running.maxBodyBytes))
                return
            }
            if running.body == nil {
                current!.body = part
            } else {
                current!.body!.writeBuffer(&part)
            }
        case .end:
            guard let running = current, let head = running.head else { return }
            current = nil
            running.timeout?.cancel()
            let response = AWSHTTPResponse(
                status: Int(head.status.code), headers: head.headers, body: AWSHTTPBody(running.body ?? ByteBuffer()))
            running.promise.succeed(HTTP1ExchangeOutcome(response: response, keepAlive: running.keepAlive && head.isKeepAlive))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        isClosed = true
        if let running = current {
            fail(id: nil, running.head == nil ? HTTP1TransportError.closedBeforeResponse : HTTP1TransportError.closedDuringResponse)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A TLS peer that closes without close_notify: the EOF that follows says what happened.
        if let sslError = error as? NIOSSLError, case .uncleanShutdown = sslError { return }
        // A reset before any response byte is the server closing the connection, as an EOF is.
        let beforeResponse = current.map { $0.head == nil } ?? true
        let reported: any Error = error is IOError && beforeResponse ? HTTP1TransportError.closedBeforeResponse as any Error : error
        closeError = closeError ?? reported
        fail(id: nil, reported)
        context.close(promise: nil)
    }
}
