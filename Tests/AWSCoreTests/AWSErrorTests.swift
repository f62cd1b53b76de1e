import AWSCore
import NIOCore
import NIOHTTP1
import Testing

@Suite("AWS error parsing and classification")
struct AWSErrorTests {
    func parse(_ status: Int, _ body: String, headers: HTTPHeaders = [:]) -> AWSError {
        AWSError.parse(status: status, headers: headers, body: ByteBuffer(string: body), service: "DynamoDB", operation: "PutItem")
    }

    @Test func readsDynamoDBJSONErrors() {
        let error = parse(400, #"{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}"#,
                          headers: ["x-amzn-RequestId": "REQ1"])
        #expect(error.code == "ConditionalCheckFailedException")
        #expect(error.message == "The conditional request failed")
        #expect(error.requestID == "REQ1")
        #expect(error.status == 400)
        #expect(error.kind == .client)
        #expect(error.isConditionalCheckFailed)
        #expect(!error.isRetryable)

        let throttled = parse(400, #"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","Message":"slow down"}"#)
        #expect(throttled.kind == .throttling)
        #expect(throttled.message == "slow down")
    }

    @Test func readsS3AndQueryXMLErrors() {
        let s3 = parse(404, """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>a &amp; b</Key><RequestId>R2</RequestId></Error>
            """)
        #expect(s3.code == "NoSuchKey")
        #expect(s3.isNotFound)
        #expect(s3.requestID == "R2")

        // What moto answers a DynamoDB request signed with a wrong secret.
        let query = parse(403, """
            <?xml version="1.0" encoding="utf-8"?>
            <ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match.</Message><Type>Sender</Type></Error></Errors></ErrorResponse>
            """)
        #expect(query.code == "SignatureDoesNotMatch")
        #expect(query.kind == .authentication)
        #expect(query.isSignatureMismatch)

        let slowDown = parse(503, "<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>")
        #expect(slowDown.kind == .throttling)
    }

    @Test func fallsBackToHeaderAndStatus() {
        let fromHeader = parse(400, "", headers: ["x-amzn-ErrorType": "ValidationException:http://internal.amazon.com/"])
        #expect(fromHeader.code == "ValidationException")
        #expect(fromHeader.isValidationError)
        let headNotFound = parse(404, "")
        #expect(headNotFound.code == "NotFound")
        #expect(headNotFound.isNotFound)
        #expect(parse(503, "").kind == .transient)
        #expect(parse(502, "<html>bad gateway</html>").kind == .transient)
        #expect(parse(429, "").kind == .throttling)
        #expect(parse(501, "").kind == .server)
        #expect(parse(403, "").kind == .authentication)
        #expect(parse(409, "not json").message == "not json")
    }

    @Test func classifiesByCodeBeforeStatus() {
        #expect(AWSError.classify(status: 400, code: "ThrottlingException") == .throttling)
        #expect(AWSError.classify(status: 400, code: "RequestTimeout") == .transient)
        #expect(AWSError.classify(status: nil, code: "ConnectionError") == .transient)
        #expect(AWSError.classify(status: 400, code: "UnrecognizedClientException") == .authentication)
        #expect(AWSError.classify(status: 400, code: "ResourceInUseException") == .client)
        #expect(AWSError.classify(status: 500, code: "InternalServerError") == .transient)
    }
}

@Suite("XML parsing")
struct AWSXMLTests {
    @Test func parsesAListObjectsPage() throws {
        let root = try AWSXMLElement.parse("""
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- a comment -->
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <Name>bucket</Name><IsTruncated>true</IsTruncated>
              <Contents><Key> spaced key &lt;1&gt; &#233;&#x4E2D;</Key><Size>12</Size></Contents>
              <Contents><Key><![CDATA[raw <key> & more]]></Key><Size>0</Size></Contents>
              <NextContinuationToken>tok/=+</NextContinuationToken>
              <Empty/>
            </ListBucketResult>
            """)
        #expect(root.name == "ListBucketResult")
        #expect(root.attributes["xmlns"] == "http://s3.amazonaws.com/doc/2006-03-01/")
        #expect(root.childText("IsTruncated") == "true")
        let keys = root.children("Contents").compactMap { $0.childText("Key") }
        #expect(keys == [" spaced key <1> é中", "raw <key> & more"])
        #expect(root.childText("NextContinuationToken") == "tok/=+")
        #expect(root.child("Empty")?.text == "")
        #expect(root.first(named: "Size")?.text == "12")
    }

    @Test func stripsNamespacePrefixesAndRejectsBrokenDocuments() throws {
        let root = try AWSXMLElement.parse("<a:Root xmlns:a='x'><a:Item k=\"v &amp; w\">1</a:Item></a:Root>")
        #expect(root.child("Item")?.attributes["k"] == "v & w")
        #expect(throws: AWSXMLElement.ParseError.self) { try AWSXMLElement.parse("<a><b></a>") }
        #expect(throws: AWSXMLElement.ParseError.self) { try AWSXMLElement.parse("<a>") }
        #expect(throws: AWSXMLElement.ParseError.self) { try AWSXMLElement.parse("<a>&bogus;</a>") }
        #expect(xmlEscape("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&apos;")
    }
}
