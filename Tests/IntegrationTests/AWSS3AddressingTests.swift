import AWSCore
import NIOCore
import S3
import Testing
import AWSTestSupport

/// Where S3Client sends requests, checked against a scripted transport (no network).
@Suite("S3 addressing")
struct AWSS3AddressingTests {
    static let listPage = """
        <?xml version="1.0" encoding="UTF-8"?>
        <ListBucketResult><Name>b</Name><KeyCount>1</KeyCount><IsTruncated>false</IsTruncated>
        <Contents><Key>a&amp;b.csv</Key><Size>3</Size><ETag>&quot;e&quot;</ETag></Contents></ListBucketResult>
        """

    @Test func configuredEndpointsUsePathStyle() async throws {
        let transport = ScriptedTransport([ScriptedTransport.status(200, Self.listPage), ScriptedTransport.status(200, "")])
        let s3 = S3Client(client: transport.client())
        let page = try await s3.listObjectsV2(bucket: "billmig-staging", prefix: "dms/billing/")
        #expect(page.objects.map(\.key) == ["a&b.csv"])
        #expect(page.objects.first?.eTag == "\"e\"")
        try await s3.putObject(bucket: "billmig-staging", key: "dir/a key+é.csv", bytes: [1, 2, 3])
        #expect(transport.requestURLs == [
            "http://127.0.0.1:9/billmig-staging?list-type=2&prefix=dms%2Fbilling%2F",
            "http://127.0.0.1:9/billmig-staging/dir/a%20key%2B%C3%A9.csv",
        ])
    }

    @Test func awsEndpointsUseVirtualHostsWhenTheNameAllows() async throws {
        let transport = ScriptedTransport([
            ScriptedTransport.status(200, ""), ScriptedTransport.status(200, ""), ScriptedTransport.status(200, ""),
        ])
        let s3 = S3Client(client: transport.client(endpoint: nil, region: "eu-west-1"))
        try await s3.deleteObject(bucket: "billmig-staging", key: "k.csv")
        try await s3.deleteObject(bucket: "Not_DNS_Compatible", key: "k.csv")
        try await s3.createBucket("billmig-new")
        #expect(transport.requestURLs == [
            "https://billmig-staging.s3.eu-west-1.amazonaws.com/k.csv",
            "https://s3.eu-west-1.amazonaws.com/Not_DNS_Compatible/k.csv",
            "https://billmig-new.s3.eu-west-1.amazonaws.com/",
        ])
        // Outside us-east-1 the bucket's region is named in the body.
        #expect(transport.requestBodies[2].contains("<LocationConstraint>eu-west-1</LocationConstraint>"))
    }

    @Test func aTruncatedListingWithoutTokenIsAnError() async throws {
        let transport = ScriptedTransport([ScriptedTransport.status(200, "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>")])
        await #expect(throws: S3ClientError.self) {
            try await S3Client(client: transport.client()).listObjectsV2(bucket: "b")
        }
    }
}
