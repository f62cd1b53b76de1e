import AWSSigV4
import Testing

@Suite struct SigV4SigningKeysTests {
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

    /// A key's fingerprint: what it signs a fixed text to; from `keys` when given, else derived.
    static func signature(
        secret: String = secret, day: String, region: String = "us-east-1", service: String = "dynamodb",
        from keys: SigV4SigningKeys? = nil
    ) -> String {
        let key = keys?.key(secretAccessKey: secret, dateStamp: day, region: region, service: service)
            ?? SigV4Crypto.signingKey(secretAccessKey: secret, dateStamp: day, region: region, service: service)
        return SigV4Crypto.hmacHex(key: key, "probe")
    }

    @Test func givesTheKeyTheHMACChainDerives() {
        let keys = SigV4SigningKeys()
        let scopes = [("20150830", "us-east-1", "service"), ("20150831", "us-east-1", "service"),
                      ("20150830", "eu-west-1", "dynamodb"), ("20150830", "us-east-1", "s3")]
        for (day, region, service) in scopes {
            let expected = Self.signature(day: day, region: region, service: service)
            // Asked twice: the second answer comes from the memo and must be the same key.
            for _ in 0..<2 {
                #expect(Self.signature(day: day, region: region, service: service, from: keys) == expected)
            }
        }
        #expect(Set(scopes.map { Self.signature(day: $0.0, region: $0.1, service: $0.2) }).count == 4)
        #expect(keys.count == 4)
    }

    @Test func tellsSecretsApart() {
        let keys = SigV4SigningKeys()
        let first = Self.signature(secret: "secret-a", day: "20261207", from: keys)
        let second = Self.signature(secret: "secret-b", day: "20261207", from: keys)
        #expect(first != second)
        #expect(first == Self.signature(secret: "secret-a", day: "20261207"))
        #expect(keys.count == 2)
    }

    @Test func startsOverPastItsCapacity() {
        let keys = SigV4SigningKeys(capacity: 3)
        for day in 1...7 {
            let stamp = "2026120" + String(day)
            #expect(Self.signature(day: stamp, from: keys) == Self.signature(day: stamp))
            #expect(keys.count <= 3)
        }
    }
}
