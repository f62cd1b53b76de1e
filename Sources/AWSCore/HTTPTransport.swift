import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// One HTTP request as AWSCore hands it to a transport: already signed.
public struct AWSHTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The full URL, e.g. `http://127.0.0.1:5555/bucket/key?x-id=GetObject`.
    public var url: String
    public var headers: HTTPHeaders
    public var body: ByteBuffer?

    public init(method: HTTPMethod, url: String, headers: HTTPHeaders, body: ByteBuffer? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// One HTTP response; its body may still be arriving.
public struct AWSHTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: AWSHTTPBody

    public init(status: Int, headers: HTTPHeaders = [:], body: AWSHTTPBody = AWSHTTPBody()) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Sends HTTP requests. Few methods, so tests can stand in for the network.
public protocol AWSHTTPTransport: Sendable {
    /// Sends the request and returns when the response head has arrived.
    /// `timeout` bounds the whole exchange, body included.
    func execute(_ request: AWSHTTPRequest, timeout: Duration) async throws -> AWSHTTPResponse
    /// Sends the request and returns the response with its whole body in memory; a body
    /// over `maxBodyBytes` throws `AWSError` (`BodyTooLarge`). The default reads `execute`'s
    /// body; a transport may do better when it knows nothing will be streamed.
    func executeBuffered(_ request: AWSHTTPRequest, timeout: Duration, maxBodyBytes: Int) async throws -> AWSHTTPResponse
    /// Closes connections. Called once, by whoever created the transport.
    func shutdown() async throws
}

extension AWSHTTPTransport {
    public func executeBuffered(_ request: AWSHTTPRequest, timeout: Duration, maxBodyBytes: Int) async throws -> AWSHTTPResponse {
        var response = try await execute(request, timeout: timeout)
        response.body = AWSHTTPBody(try await response.body.collect(upTo: maxBodyBytes))
        return response
    }
}

/// A response body: chunks as they arrive, or bytes already at hand.
public struct AWSHTTPBody: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    enum Storage: Sendable {
        case buffer(ByteBuffer)
        case stream(AsyncThrowingStream<ByteBuffer, any Error>)
        case client(HTTPClientResponse.Body)
    }

    let storage: Storage

    public init() { storage = .buffer(ByteBuffer()) }
    public init(_ buffer: ByteBuffer) { storage = .buffer(buffer) }
    public init(bytes: some Sequence<UInt8>) { storage = .buffer(ByteBuffer(bytes: Array(bytes))) }
    public init(string: String) { storage = .buffer(ByteBuffer(string: string)) }
    /// A body fed chunk by chunk, e.g. by a test simulating a dropped connection.
    public init(stream: AsyncThrowingStream<ByteBuffer, any Error>) { storage = .stream(stream) }

    /// A body streamed by AsyncHTTPClient.
    public init(_ body: HTTPClientResponse.Body) { storage = .client(body) }

    public struct AsyncIterator: AsyncIteratorProtocol {
        private var pending: ByteBuffer?
        private var streamIterator: AsyncThrowingStream<ByteBuffer, any Error>.AsyncIterator?
        private var clientIterator: HTTPClientResponse.Body.AsyncIterator?

        init(_ storage: Storage) {
            switch storage {
            case .buffer(let buffer): pending = buffer.readableBytes > 0 ? buffer : nil
            case .stream(let stream): streamIterator = stream.makeAsyncIterator()
            case .client(let body): clientIterator = body.makeAsyncIterator()
            }
        }

        public mutating func next() async throws -> ByteBuffer? {
            if let buffer = pending {
                pending = nil
                return buffer
            }
            if streamIterator != nil { return try await streamIterator!.next() }
            if clientIterator != nil { return try await clientIterator!.next() }
            return nil
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(storage) }

    /// Reads the whole body; throws `AWSError` (`BodyTooLarge`) past `maxBytes`.
    public func collect(upTo maxBytes: Int) async throws -> ByteBuffer {
        if case .buffer(let buffer) = storage {
            guard buffer.readableBytes <= maxBytes else { throw AWSError.bodyTooLarge(maxBytes) }
            return buffer
        }
        var collected = ByteBuffer()
        for try await var chunk in self {
            guard collected.readableBytes + chunk.readableBytes <= maxBytes else { throw AWSError.bodyTooLarge(maxBytes) }
            collected.writeBuffer(&chunk)
        }
        return collected
    }
}
