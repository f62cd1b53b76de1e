import NIOCore

/// One object in a store, as a listing reports it.
public struct ObjectInfo: Sendable, Hashable {
    /// The full key, `/`-separated (`billing/CHARGE/LOAD00000001.csv`).
    public var key: String
    /// Size in bytes.
    public var size: Int64

    public init(key: String, size: Int64) {
        self.key = key
        self.size = size
    }
}

/// A flat key -> bytes store: the small part of S3 that DMS staging needs.
///
/// Each requirement maps onto one S3 call (ListObjectsV2, GetObject, PutObject,
/// DeleteObject, HeadObject). Reads are scoped and streamed, so memory does not
/// grow with an object's size.
public protocol ObjectStore: Sendable {
    /// Every object whose key starts with `prefix` (a string prefix, as in S3, not a
    /// folder), in ascending UTF-8 byte order of their keys.
    func list(prefix: String) async throws -> [ObjectInfo]

    /// Opens the object and hands `body` its bytes as a sequence of chunks. The object
    /// stays open only while `body` runs. Throws `ObjectStoreError.notFound` when there
    /// is no object at `key`.
    func withObject<Result>(
        key: String,
        _ body: (ObjectByteStream) async throws -> Result
    ) async throws -> Result

    /// Writes the object whole; a reader sees the old bytes or the new ones, never a mix.
    func put(key: String, bytes: ByteBuffer) async throws

    /// Removes the object; removing a missing object is not an error (as in S3).
    func delete(key: String) async throws

    /// The object's metadata, or nil when there is no object at `key`.
    func head(key: String) async throws -> ObjectInfo?
}

extension ObjectStore {
    public func exists(key: String) async throws -> Bool {
        try await head(key: key) != nil
    }

    /// Reads a whole object into one buffer: for small objects and tests.
    public func get(key: String) async throws -> ByteBuffer {
        try await withObject(key: key) { stream in
            var all = ByteBuffer()
            for try await var chunk in stream {
                all.writeBuffer(&chunk)
            }
            return all
        }
    }

    public func put(key: String, bytes: some Sequence<UInt8>) async throws {
        try await put(key: key, bytes: ByteBuffer(bytes: bytes))
    }
}

/// The bytes of one object, as chunks (`ByteBuffer`s) in order.
///
/// A type-erased async sequence, so each store can stream its own way (a file
/// descriptor, an HTTP response body) behind one protocol.
public struct ObjectByteStream: AsyncSequence {
    public typealias Element = ByteBuffer

    public struct AsyncIterator: AsyncIteratorProtocol {
        fileprivate let nextChunk: () async throws -> ByteBuffer?

        public mutating func next() async throws -> ByteBuffer? {
            try await nextChunk()
        }
    }

    private let makeIterator: () -> AsyncIterator

    /// A stream whose iterator calls `next` for each chunk until it returns nil.
    public init(makeNext: @escaping () -> (() async throws -> ByteBuffer?)) {
        self.makeIterator = { AsyncIterator(nextChunk: makeNext()) }
    }

    /// Wraps any async sequence of byte buffers (for example an HTTP response body).
    public init<Base: AsyncSequence>(_ base: Base) where Base.Element == ByteBuffer {
        self.makeIterator = {
            let box = IteratorBox(base.makeAsyncIterator())
            return AsyncIterator(nextChunk: { try await box.next() })
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        makeIterator()
    }
}

/// Holds a base iterator so that the type-erased iterator's closure can advance it.
/// Used only inside one `withObject` body, by one task at a time.
private final class IteratorBox<Base: AsyncIteratorProtocol> where Base.Element == ByteBuffer {
    var base: Base
    init(_ base: Base) { self.base = base }
    func next() async throws -> ByteBuffer? { try await base.next() }
}

/// Why a store operation failed.
public struct ObjectStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Sendable, Hashable {
        case notFound
        case invalidKey
        case io(Int32)
    }

    private let code: Code
    /// The key (or path) the operation was about.
    public let key: String
    /// Extra detail for people (an OS error message, for example).
    public let detail: String

    private init(_ code: Code, key: String, detail: String) {
        self.code = code
        self.key = key
        self.detail = detail
    }

    public static func notFound(_ key: String) -> ObjectStoreError {
        ObjectStoreError(.notFound, key: key, detail: "no such object")
    }

    public static func invalidKey(_ key: String, _ reason: String) -> ObjectStoreError {
        ObjectStoreError(.invalidKey, key: key, detail: reason)
    }

    public static func io(_ key: String, errno: Int32, _ detail: String) -> ObjectStoreError {
        ObjectStoreError(.io(errno), key: key, detail: detail)
    }

    public var isNotFound: Bool { code == .notFound }
    public var isInvalidKey: Bool { code == .invalidKey }

    public var description: String {
        switch code {
        case .notFound: return "object not found: \(key)"
        case .invalidKey: return "invalid object key '\(key)': \(detail)"
        case .io(let errno): return "I/O error on \(key): \(detail) (errno \(errno))"
        }
    }
}
