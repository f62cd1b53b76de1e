import AWSCore
import NIOCore
import NIOHTTP1

/// An S3 client speaking REST-XML. Buckets are addressed by path when the endpoint is
/// configured (local stacks, proxies) or the bucket name does not fit a host name, and
/// by virtual host otherwise.
public struct S3Client: Sendable {
    public let client: AWSClient
    /// nil: path style exactly when the endpoint is a configured one.
    public var forcePathStyle: Bool?

    public init(client: AWSClient, forcePathStyle: Bool? = nil) {
        self.client = client
        self.forcePathStyle = forcePathStyle
    }

    // MARK: Addressing

    /// Endpoint and wire path of a bucket or an object in it.
    func address(bucket: String, key: String? = nil) -> (AWSEndpoint, String) {
        let endpoint = client.configuration.endpoint(for: .s3)
        let encodedKey = key.map { "/" + SigV4Encoding.uriEncode($0, keepingSlash: true) } ?? ""
        let pathStyle = forcePathStyle ?? endpoint.isCustom
        if pathStyle || !Self.isVirtualHostCompatible(bucket, https: endpoint.scheme == "https") {
            return (endpoint, "/" + SigV4Encoding.uriEncode(bucket) + encodedKey)
        }
        return (endpoint.prefixingHost(with: bucket), encodedKey.isEmpty ? "/" : encodedKey)
    }

    /// DNS-compatible names (lower case, digits, hyphens; dots only without TLS).
    static func isVirtualHostCompatible(_ bucket: String, https: Bool) -> Bool {
        guard (3...63).contains(bucket.utf8.count), !bucket.hasPrefix("-"), !bucket.hasSuffix("-") else { return false }
        return bucket.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "-") || (!https && byte == UInt8(ascii: "."))
        }
    }

    private func request(
        _ operation: Operation, _ method: HTTPMethod, bucket: String, key: String? = nil,
        query: [(name: String, value: String)] = [], headers: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer()
    ) -> AWSRequest {
        let (endpoint, path) = address(bucket: bucket, key: key)
        return AWSRequest(
            service: .s3, operation: operation.rawValue, method: method, path: path, query: query, headers: headers,
            body: body, endpoint: endpoint)
    }

    // MARK: Buckets

    /// Creates a bucket in the configured region.
    public func createBucket(_ bucket: String) async throws {
        var body = ByteBuffer()
        let region = client.configuration.region
        if region != "us-east-1" {
            body = ByteBuffer(string: "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                + "<LocationConstraint>\(xmlEscape(region))</LocationConstraint></CreateBucketConfiguration>")
        }
        _ = try await client.execute(request(.createBucket, .PUT, bucket: bucket, body: body))
    }

    public func deleteBucket(_ bucket: String) async throws {
        _ = try await client.execute(request(.deleteBucket, .DELETE, bucket: bucket))
    }

    // MARK: Listing

    /// One page of keys under a prefix, in key order.
    public func listObjectsV2(
        bucket: String, prefix: String? = nil, delimiter: String? = nil, continuationToken: String? = nil,
        startAfter: String? = nil, maxKeys: Int? = nil
    ) async throws -> S3ObjectListPage {
        var query: [(name: String, value: String)] = [("list-type", "2")]
        if let prefix { query.append(("prefix", prefix)) }
        if let delimiter { query.append(("delimiter", delimiter)) }
        if let continuationToken { query.append(("continuation-token", continuationToken)) }
        if let startAfter { query.append(("start-after", startAfter)) }
        if let maxKeys { query.append(("max-keys", String(maxKeys))) }
        let response = try await client.execute(request(.listObjectsV2, .GET, bucket: bucket, query: query))
        let root: AWSXMLElement
        do {
            root = try AWSXMLElement.parse(Array(response.body.readableBytesView))
        } catch {
            throw S3ClientError("ListObjectsV2 answered with unreadable XML: \(error)")
        }
        let objects = root.children("Contents").map { element in
            S3Object(
                key: element.childText("Key") ?? "",
                size: Int64(element.childText("Size") ?? "") ?? 0,
                eTag: element.childText("ETag"),
                lastModified: element.childText("LastModified"),
                storageClass: element.childText("StorageClass"))
        }
        let isTruncated = root.childText("IsTruncated") == "true"
        let token = root.childText("NextContinuationToken")
        if isTruncated, token == nil {
            throw S3ClientError("ListObjectsV2 says the listing is truncated but gives no continuation token")
        }
        return S3ObjectListPage(
            objects: objects,
            commonPrefixes: root.children("CommonPrefixes").compactMap { $0.childText("Prefix") },
            isTruncated: isTruncated, nextContinuationToken: isTruncated ? token : nil,
            keyCount: Int(root.childText("KeyCount") ?? "") ?? objects.count)
    }

    /// Calls `body` with each page of the listing.
    public func forEachObjectPage(
        bucket: String, prefix: String? = nil, delimiter: String? = nil, startAfter: String? = nil, pageSize: Int? = nil,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (S3ObjectListPage) async throws -> Void
    ) async throws {
        var token: String?
        repeat {
            let page = try await listObjectsV2(
                bucket: bucket, prefix: prefix, delimiter: delimiter, continuationToken: token,
                startAfter: token == nil ? startAfter : nil, maxKeys: pageSize)
            try await body(page)
            token = page.nextContinuationToken
        } while token != nil
    }

    /// Every object under a prefix, all pages, in key order.
    public func listAllObjects(bucket: String, prefix: String? = nil, startAfter: String? = nil) async throws -> [S3Object] {
        var objects: [S3Object] = []
        try await forEachObjectPage(bucket: bucket, prefix: prefix, startAfter: startAfter) { objects += $0.objects }
        return objects
    }

    // MARK: Objects

    /// Streams an object's body to `body` chunk by chunk, so memory stays flat whatever
    /// the size. The connection is released when `body` returns.
    public func withObject<Result>(
        bucket: String, key: String, range: S3ByteRange? = nil,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (S3ObjectHead, AWSHTTPBody) async throws -> Result
    ) async throws -> Result {
        var headers = HTTPHeaders()
        if let range { headers.add(name: "Range", value: range.headerValue) }
        return try await client.executeStreaming(request(.getObject, .GET, bucket: bucket, key: key, headers: headers)) { response in
            try await body(Self.head(from: response.headers), response.body)
        }
    }

    /// A whole (small) object in memory; use `withObject` for large ones.
    public func getObject(bucket: String, key: String, range: S3ByteRange? = nil, maxBytes: Int = 64 << 20) async throws -> ByteBuffer {
        try await withObject(bucket: bucket, key: key, range: range) { _, body in try await body.collect(upTo: maxBytes) }
    }

    /// Uploads an object in one request; returns its ETag.
    @discardableResult
    public func putObject(
        bucket: String, key: String, body: ByteBuffer, contentType: String? = nil, metadata: [String: String] = [:]
    ) async throws -> String? {
        var headers = HTTPHeaders()
        if let contentType { headers.add(name: "Content-Type", value: contentType) }
        for (name, value) in metadata { headers.add(name: "x-amz-meta-\(name)", value: value) }
        let response = try await client.execute(request(.putObject, .PUT, bucket: bucket, key: key, headers: headers, body: body))
        return response.headers.first(name: "ETag")
    }

    @discardableResult
    public func putObject(
        bucket: String, key: String, bytes: [UInt8], contentType: String? = nil, metadata: [String: String] = [:]
    ) async throws -> String? {
        try await putObject(bucket: bucket, key: key, body: ByteBuffer(bytes: bytes), contentType: contentType, metadata: metadata)
    }

    /// The object's metadata; nil when there is no such object.
    public func headObject(bucket: String, key: String) async throws -> S3ObjectHead? {
        do {
            let response = try await client.execute(request(.headObject, .HEAD, bucket: bucket, key: key))
            return Self.head(from: response.headers)
        } catch let error as AWSError where error.status == 404 {
            return nil
        }
    }

    /// Deletes an object; deleting a missing key succeeds, as in S3.
    public func deleteObject(bucket: String, key: String) async throws {
        _ = try await client.execute(request(.deleteObject, .DELETE, bucket: bucket, key: key))
    }

    static func head(from headers: HTTPHeaders) -> S3ObjectHead {
        var metadata: [String: String] = [:]
        for (name, value) in headers where name.lowercased().hasPrefix("x-amz-meta-") {
            metadata[String(name.lowercased().dropFirst("x-amz-meta-".count))] = value
        }
        return S3ObjectHead(
            contentLength: headers.first(name: "Content-Length").flatMap { Int64($0) },
            contentType: headers.first(name: "Content-Type"),
            eTag: headers.first(name: "ETag"),
            lastModified: headers.first(name: "Last-Modified"),
            metadata: metadata,
            contentRange: headers.first(name: "Content-Range"))
    }
}
