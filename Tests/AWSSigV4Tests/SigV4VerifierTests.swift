import AWSSigV4
import Foundation
import Testing

@Suite("SigV4 verification")
struct SigV4VerifierTests {
    static let credentials = AWSCredentials(accessKeyID: "AKIATEST", secretAccessKey: "secret/key+1")
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    static func signedDynamoDBRequest(body: [UInt8], credentials: AWSCredentials = credentials) -> SigV4Request {
        var request = SigV4Request(method: "POST", path: "/", headers: [
            ("Host", "127.0.0.1:5555"),
            ("Content-Type", "application/x-amz-json-1.0"),
            ("X-Amz-Target", "DynamoDB_20120810.PutItem"),
            ("User-Agent", "billmig"),
        ])
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "dynamodb")
        signer.sign(&request, payload: .bytes(body), date: now)
        return request
    }

    static func reason(_ body: () throws -> Void) -> SigV4VerificationError.Reason? {
        do {
            try body()
            return nil
        } catch let error as SigV4VerificationError {
            return error.reason
        } catch {
            return nil
        }
    }

    let body = Array(#"{"TableName":"BillingSystem"}"#.utf8)

    @Test func acceptsWhatTheSignerSigned() throws {
        let request = Self.signedDynamoDBRequest(body: body)
        let verified = try SigV4Verifier(credentials: [Self.credentials]).verify(request, body: body, now: Self.now)
        #expect(verified.service == "dynamodb")
        #expect(verified.signedHeaders == ["content-type", "host", "x-amz-date", "x-amz-target"])
    }

    @Test func rejectsAWrongSecretWithTheCanonicalRequest() {
        let wrong = AWSCredentials(accessKeyID: "AKIATEST", secretAccessKey: "not the secret")
        let request = Self.signedDynamoDBRequest(body: body, credentials: wrong)
        do {
            try SigV4Verifier(credentials: [Self.credentials]).verify(request, body: body, now: Self.now)
            Issue.record("a request signed with the wrong secret passed")
        } catch {
            #expect(error.reason == .signatureMismatch)
            #expect(error.canonicalRequest?.hasPrefix("POST\n/\n\n") == true)
            #expect(error.awsErrorCode == "SignatureDoesNotMatch")
        }
    }

    @Test func rejectsATamperedBody() {
        let request = Self.signedDynamoDBRequest(body: body)
        let verifier = SigV4Verifier(credentials: [Self.credentials])
        #expect(Self.reason { try verifier.verify(request, body: Array("{}".utf8), now: Self.now) } == .signatureMismatch)
    }

    @Test func rejectsATamperedSignedHeaderButNotAnUnsignedOne() throws {
        let verifier = SigV4Verifier(credentials: [Self.credentials])
        var request = Self.signedDynamoDBRequest(body: body)
        request.setHeader("User-Agent", "someone else")
        try verifier.verify(request, body: body, now: Self.now)
        request.setHeader("X-Amz-Target", "DynamoDB_20120810.DeleteTable")
        #expect(Self.reason { try verifier.verify(request, body: body, now: Self.now) } == .signatureMismatch)
    }

    @Test func tellsEachOtherFailureApart() {
        let verifier = SigV4Verifier(credentials: [Self.credentials])
        let signed = Self.signedDynamoDBRequest(body: body)

        var unsigned = signed
        unsigned.removeHeader("Authorization")
        #expect(Self.reason { try verifier.verify(unsigned, body: body, now: Self.now) } == .missingAuthorization)

        let stranger = Self.signedDynamoDBRequest(body: body, credentials: .init(accessKeyID: "AKIAOTHER", secretAccessKey: "x"))
        #expect(Self.reason { try verifier.verify(stranger, body: body, now: Self.now) } == .unknownAccessKey)

        #expect(Self.reason { try verifier.verify(signed, body: body, now: Self.now.addingTimeInterval(3600)) } == .requestTooSkewed)

        var dropped = signed
        dropped.removeHeader("X-Amz-Target")
        #expect(Self.reason { try verifier.verify(dropped, body: body, now: Self.now) } == .missingSignedHeader)

        var garbled = signed
        garbled.setHeader("Authorization", "AWS4-HMAC-SHA256 Credential=AKIATEST/20231114")
        #expect(Self.reason { try verifier.verify(garbled, body: body, now: Self.now) } == .malformedAuthorization)

        var otherAlgorithm = signed
        otherAlgorithm.setHeader("Authorization", "AWS AKIATEST:abc")
        #expect(Self.reason { try verifier.verify(otherAlgorithm, body: body, now: Self.now) } == .unsupportedAlgorithm)

        var badDate = signed
        badDate.setHeader("X-Amz-Date", "20231114T999999Z")
        #expect(Self.reason { try verifier.verify(badDate, body: body, now: Self.now) } == .malformedDate)
    }

    @Test func checksTheS3PayloadHashAgainstTheBody() throws {
        let credentials = Self.credentials
        var request = SigV4Request(method: "PUT", path: "/bucket/a%20key/with%2Bplus", headers: [("Host", "127.0.0.1:5555")])
        let object = Array("hello".utf8)
        SigV4Signer(credentials: credentials, region: "us-east-1", service: "s3").sign(&request, payload: .bytes(object), date: Self.now)
        #expect(request.header("x-amz-content-sha256") == SigV4Crypto.sha256Hex(object))
        let verifier = SigV4Verifier(credentials: [credentials])
        try verifier.verify(request, body: object, now: Self.now)
        try verifier.verify(request, bodySHA256: nil, now: Self.now)
        #expect(Self.reason { try verifier.verify(request, body: Array("other".utf8), now: Self.now) } == .payloadHashMismatch)

        var unsignedPayload = SigV4Request(method: "PUT", path: "/bucket/key", headers: [("Host", "localhost")])
        SigV4Signer(credentials: credentials, region: "us-east-1", service: "s3").sign(&unsignedPayload, payload: .unsigned, date: Self.now)
        #expect(unsignedPayload.header("x-amz-content-sha256") == "UNSIGNED-PAYLOAD")
        try verifier.verify(unsignedPayload, body: Array("anything".utf8), now: Self.now)
    }

    @Test func requiresTheSessionTokenOfTemporaryCredentials() throws {
        let temporary = AWSCredentials(accessKeyID: "ASIATEMP", secretAccessKey: "s", sessionToken: "token-1")
        var request = SigV4Request(method: "POST", path: "/", headers: [("Host", "localhost")])
        SigV4Signer(credentials: temporary, region: "eu-west-1", service: "dynamodb").sign(&request, payload: .bytes([]), date: Self.now)
        #expect(request.header("X-Amz-Security-Token") == "token-1")
        #expect(request.header("Authorization")?.contains("x-amz-security-token") == true)
        try SigV4Verifier(credentials: [temporary]).verify(request, body: [], now: Self.now)
        var otherToken = temporary
        otherToken.sessionToken = "token-2"
        #expect(Self.reason { try SigV4Verifier(credentials: [otherToken]).verify(request, body: [], now: Self.now) } == .sessionTokenMismatch)
    }
}

@Suite("SigV4 building blocks")
struct SigV4BuildingBlockTests {
    @Test func amzDateFormatsAndParsesUTC() throws {
        let date = AMZDate(Date(timeIntervalSince1970: 1_440_938_160))
        #expect(date.timestamp == "20150830T123600Z")
        #expect(date.dateStamp == "20150830")
        // Leap day, end of a century, and before 1970.
        #expect(AMZDate(secondsSince1970: 951_782_400).timestamp == "20000229T000000Z")
        #expect(AMZDate(secondsSince1970: 4_102_444_799).timestamp == "20991231T235959Z")
        #expect(AMZDate(secondsSince1970: 4_107_542_400).timestamp == "21000301T000000Z") // 2100 has no 29 February
        #expect(AMZDate(secondsSince1970: -1).timestamp == "19691231T235959Z")
        let parsed = try #require(AMZDate(timestamp: "20150830T123600Z"))
        #expect(parsed.secondsSince1970 == 1_440_938_160)
        #expect(AMZDate(timestamp: "20150231T000000Z") == nil)
        #expect(AMZDate(timestamp: "2015-08-30T12:36:00Z") == nil)
    }

    @Test func amzDateAgreesWithFoundationAcrossYears() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withYear, .withMonth, .withDay, .withTime, .withTimeZone]
        for seconds in stride(from: Int64(0), to: 4_000_000_000, by: 86_400 * 37 + 3_601) {
            let ours = AMZDate(secondsSince1970: seconds)
            let theirs = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
                .replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
            #expect(ours.timestamp == theirs)
            #expect(AMZDate(timestamp: ours.timestamp)?.secondsSince1970 == seconds)
        }
    }

    @Test func uriEncodingKeepsOnlyUnreservedCharacters() {
        #expect(SigV4Encoding.uriEncode("a b+c/d~e") == "a%20b%2Bc%2Fd~e")
        #expect(SigV4Encoding.uriEncode("a b/c", keepingSlash: true) == "a%20b/c")
        #expect(SigV4Encoding.uriEncode("é") == "%C3%A9")
        #expect(SigV4Encoding.percentDecode("a%20b%2x%") == "a b%2x%")
    }

    @Test func s3PathsAreNeitherNormalizedNorDoubleEncoded() {
        #expect(SigV4Encoding.canonicalURI(path: "/b/a//./k%20x", normalize: false, doubleEncode: false) == "/b/a//./k%20x")
        #expect(SigV4Encoding.canonicalURI(path: "/a%20b", normalize: true, doubleEncode: true) == "/a%2520b")
    }
}
