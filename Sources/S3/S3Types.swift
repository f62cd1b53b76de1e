import Foundation

/// One object of a listing.
public struct S3Object: Sendable, Hashable {
    public var key: String
    public var size: Int64
    public var eTag: String?
    /// As S3 sends it, ISO-8601 (`2024-01-15T10:22:31.000Z`).
    public var lastModified: String?
    public var storageClass: String?
}

/// One page of `ListObjectsV2`.
public struct S3ObjectListPage: Sendable, Hashable {
    public var objects: [S3Object]
    /// With a delimiter: the "folders" one level down.
    public var commonPrefixes: [String]
    public var isTruncated: Bool
    /// Pass to the next call; nil on the last page.
    public var nextContinuationToken: String?
    public var keyCount: Int
}

/// What `HeadObject` (and `GetObject`) say about an object.
public struct S3ObjectHead: Sendable, Hashable {
    public var contentLength: Int64?
    public var contentType: String?
    public var eTag: String?
    /// HTTP date, as sent.
    public var lastModified: String?
    /// `x-amz-meta-*` headers, names without the prefix, lower-cased.
    public var metadata: [String: String]
    /// `Content-Range` of a ranged GET.
    public var contentRange: String?
}

/// A byte range of an object, both ends included, as in HTTP `Range: bytes=first-last`.
public struct S3ByteRange: Sendable, Hashable {
    public var first: Int64
    /// nil: to the end of the object.
    public var last: Int64?

    public init(first: Int64, last: Int64?) {
        self.first = first
        self.last = last
    }

    public init(_ range: ClosedRange<Int64>) {
        self.init(first: range.lowerBound, last: range.upperBound)
    }

    var headerValue: String { "bytes=\(first)-\(last.map(String.init) ?? "")" }
}

public struct S3ClientError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "S3 client: \(message)" }
}
