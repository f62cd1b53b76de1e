import AWSCore
import DMSStaging
import NIOCore
import S3

/// An `ObjectStore` over one S3 bucket: where DMS stages files and where
/// checkpoints and dead letters are kept.
public struct S3ObjectStore: ObjectStore {
    let client: S3Client
    public let bucket: String

    public init(client: S3Client, bucket: String) {
        self.client = client
        self.bucket = bucket
    }

    public func list(prefix: String) async throws -> [ObjectInfo] {
        try await client.listAllObjects(bucket: bucket, prefix: prefix.isEmpty ? nil : prefix)
            .map { ObjectInfo(key: $0.key, size: $0.size) }
    }

    public func withObject<Result>(key: String, _ body: (ObjectByteStream) async throws -> Result) async throws -> Result {
        do {
            return try await client.withObject(bucket: bucket, key: key) { _, stream in
                try await body(ObjectByteStream(stream))
            }
        } catch let error as AWSError where error.isNotFound {
            throw ObjectStoreError.notFound(key)
        }
    }

    public func put(key: String, bytes: ByteBuffer) async throws {
        try await client.putObject(bucket: bucket, key: key, body: bytes)
    }

    public func delete(key: String) async throws {
        try await client.deleteObject(bucket: bucket, key: key)
    }

    public func head(key: String) async throws -> ObjectInfo? {
        try await client.headObject(bucket: bucket, key: key).map { ObjectInfo(key: key, size: $0.contentLength ?? 0) }
    }
}
