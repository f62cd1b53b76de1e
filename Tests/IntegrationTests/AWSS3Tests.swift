import AWSCore
import Crypto
import Foundation
import NIOCore
import S3
import Testing

/// S3Client against moto with signature checking on.
@Suite("S3 against moto")
struct AWSS3Tests {
    static let bucket = "billmig-staging"

    static let keys = (0..<1_100).map { String(format: "dms/billing/CHARGE/LOAD%08d.csv", $0) }
        + ["dms/billing/BILL/LOAD00000001.csv", "other/readme.txt"]

    /// Uploads `keys`, 16 at a time.
    static func upload(_ s3: S3Client) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func addUpload() {
                let key = keys[next]
                next += 1
                group.addTask { try await s3.putObject(bucket: bucket, key: key, bytes: Array(key.utf8)) }
            }
            for _ in 0..<min(16, keys.count) { addUpload() }
            while try await group.next() != nil {
                if next < keys.count { addUpload() }
            }
        }
    }

    /// Pagination with signature checking on. (moto 5 checks S3 signatures over a decoded
    /// query, so a `/` in prefix, delimiter or start-after fails even from boto3; those
    /// parameters are covered with checking off below.)
    @Test func listsElevenHundredKeysAcrossPages() async throws {
        try await LocalAWS.withMotoServer(authenticated: true) { env in
            try await AWSClient.withClient(env.configuration) { client in
                let s3 = S3Client(client: client)
                try await s3.createBucket(Self.bucket)
                try await Self.upload(s3)

                var pages: [S3ObjectListPage] = []
                try await s3.forEachObjectPage(bucket: Self.bucket) { pages.append($0) }
                #expect(pages.map(\.objects.count) == [1_000, 102])
                #expect(pages[0].isTruncated)
                #expect(pages[0].nextContinuationToken != nil)
                #expect(!pages[1].isTruncated)
                #expect(pages[1].nextContinuationToken == nil)
                let listed = pages.flatMap(\.objects)
                #expect(listed.map(\.key) == Self.keys.sorted())
                #expect(listed.first { $0.key == Self.keys[0] }?.size == Int64(Self.keys[0].utf8.count))

                var smallPages: [Int] = []
                try await s3.forEachObjectPage(bucket: Self.bucket, pageSize: 250) { smallPages.append($0.objects.count) }
                #expect(smallPages == [250, 250, 250, 250, 102])
                #expect(try await s3.listAllObjects(bucket: Self.bucket).count == Self.keys.count)
            }
        }
    }

    @Test func listsByPrefixDelimiterAndStartAfter() async throws {
        try await LocalAWS.withMotoServer(authenticated: false) { env in
            try await AWSClient.withClient(env.configuration) { client in
                let s3 = S3Client(client: client)
                try await s3.createBucket(Self.bucket)
                try await Self.upload(s3)

                var pages: [S3ObjectListPage] = []
                try await s3.forEachObjectPage(bucket: Self.bucket, prefix: "dms/billing/CHARGE/") { pages.append($0) }
                #expect(pages.map(\.objects.count) == [1_000, 100])
                #expect(pages.flatMap(\.objects).map(\.key) == Array(Self.keys.prefix(1_100)))

                var smallPages = 0
                try await s3.forEachObjectPage(bucket: Self.bucket, prefix: "dms/billing/CHARGE/LOAD0000000", pageSize: 3) { page in
                    smallPages += 1
                    #expect(page.objects.count <= 3)
                }
                #expect(smallPages == 4) // 10 keys
                let after = try await s3.listAllObjects(bucket: Self.bucket, prefix: "dms/billing/CHARGE/", startAfter: Self.keys[1_094])
                #expect(after.map(\.key) == Array(Self.keys[1_095..<1_100]))
                let folders = try await s3.listObjectsV2(bucket: Self.bucket, prefix: "dms/billing/", delimiter: "/")
                #expect(folders.commonPrefixes == ["dms/billing/BILL/", "dms/billing/CHARGE/"])
                #expect(folders.objects.isEmpty)
            }
        }
    }

    @Test func objectsStreamHeadAndDelete() async throws {
        try await LocalAWS.withMotoServer(authenticated: true) { env in
            try await AWSClient.withClient(env.configuration) { client in
                let s3 = S3Client(client: client)
                try await s3.createBucket(Self.bucket)

                // A 6 MiB object read back as a stream of chunks.
                var payload = [UInt8](repeating: 0, count: 6 << 20)
                for index in payload.indices { payload[index] = UInt8(truncatingIfNeeded: index &* 31 &+ index >> 12) }
                let key = "dms/billing/CHARGE/2024 01 15/changes.csv"
                let eTag = try await s3.putObject(bucket: Self.bucket, key: key, bytes: payload, contentType: "text/csv", metadata: ["source": "test"])
                #expect(eTag != nil)
                let (chunks, digest, head) = try await s3.withObject(bucket: Self.bucket, key: key) { head, body in
                    var hasher = SHA256()
                    var chunks = 0
                    for try await chunk in body {
                        chunks += 1
                        chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                    }
                    return (chunks, hasher.finalize(), head)
                }
                #expect(chunks > 1)
                #expect(digest == SHA256.hash(data: payload))
                #expect(head.contentLength == Int64(payload.count))
                #expect(head.contentType == "text/csv")

                // A byte range.
                let range = try await s3.getObject(bucket: Self.bucket, key: key, range: S3ByteRange(100...199))
                #expect(Array(range.readableBytesView) == Array(payload[100...199]))

                // Head: present, then absent; a missing key on GET is NoSuchKey.
                let present = try #require(try await s3.headObject(bucket: Self.bucket, key: key))
                #expect(present.contentLength == Int64(payload.count))
                #expect(present.metadata["source"] == "test")
                #expect(present.eTag == eTag)
                #expect(try await s3.headObject(bucket: Self.bucket, key: "missing.csv") == nil)
                let missing = await #expect(throws: AWSError.self) { try await s3.getObject(bucket: Self.bucket, key: "missing.csv") }
                #expect(missing?.code == "NoSuchKey")
                #expect(missing?.isNotFound == true)

                try await s3.deleteObject(bucket: Self.bucket, key: key)
                #expect(try await s3.headObject(bucket: Self.bucket, key: key) == nil)
                try await s3.deleteObject(bucket: Self.bucket, key: key) // deleting again succeeds
                #expect(try await s3.listAllObjects(bucket: Self.bucket).isEmpty)
            }
        }
    }

    /// moto 5 computes S3 signatures over a path it has decoded, so keys with non-ASCII
    /// text or `+ ~ = ;` fail its signature check even from boto3. Such keys are checked
    /// for encoding and round trip with signature checking off.
    @Test func keysWithAnyCharactersRoundTrip() async throws {
        try await LocalAWS.withMotoServer(authenticated: false) { env in
            try await AWSClient.withClient(env.configuration) { client in
                let s3 = S3Client(client: client)
                try await s3.createBucket(Self.bucket)
                let keys = ["ключ/файл.csv", "a+b=c;d~e.csv", "spaces  and\tabs.csv", "percent%20literal.csv", "ümlaut/ß/😀.csv", "a//double/slash.csv"]
                for key in keys {
                    try await s3.putObject(bucket: Self.bucket, key: key, bytes: Array(key.utf8))
                }
                let listed = try await s3.listAllObjects(bucket: Self.bucket).map(\.key)
                #expect(Set(listed) == Set(keys))
                for key in keys {
                    let body = try await s3.getObject(bucket: Self.bucket, key: key)
                    #expect(String(buffer: body) == key)
                }
            }
        }
    }
}
