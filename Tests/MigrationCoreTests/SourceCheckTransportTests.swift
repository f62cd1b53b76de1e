import MigrationCore
import Testing

/// The `tls` finding of `billmig check`: what the connection proved, judged by `--require-tls` / `--require-verified-tls`.
@Suite struct SourceCheckTransportTests {
    static func facts(_ transport: SourceFacts.Transport?) -> SourceFacts {
        var facts = SourceCheckTests.good()
        facts.transport = transport
        return facts
    }

    static func tls(_ transport: SourceFacts.Transport?, _ requirement: SourceCheck.TransportRequirement) -> SourceCheckFinding? {
        let report = SourceCheck(requirements: .init(transport: requirement)).evaluate(facts(transport))
        #expect(report.transport == transport, "the report carries the connection's transport for --json")
        return report.findings.first { $0.check == "tls" }
    }

    static let plain = SourceFacts.Transport(encrypted: false, sslMode: "PREFERRED")
    static let encrypted = SourceFacts.Transport(encrypted: true, tlsVersion: "TLSv1.3", cipher: "TLS_AES_256_GCM_SHA384", sslMode: "PREFERRED")
    static let verified = SourceFacts.Transport(
        encrypted: true, tlsVersion: "TLSv1.2", cipher: "ECDHE-RSA-AES256-GCM-SHA384", identityVerified: true, sslMode: "VERIFY_IDENTITY")

    @Test func aPlainConnectionWarnsByDefaultAndFailsWhenTLSIsRequired() {
        let warned = Self.tls(Self.plain, .none)
        #expect(warned?.status == .warning)
        #expect(warned?.message.contains("not encrypted") == true)
        #expect(warned?.fix?.contains("ssl_cert") == true, "the server offers no TLS: the fix is on the server")
        #expect(SourceCheck().evaluate(Self.facts(Self.plain)).passed, "a warning does not fail the check")
        for requirement in [SourceCheck.TransportRequirement.encrypted, .verified] {
            #expect(Self.tls(Self.plain, requirement)?.status == .failed)
        }
        let disabled = Self.tls(.init(encrypted: false, sslMode: "DISABLED"), .encrypted)
        #expect(disabled?.fix?.contains("remove ssl-mode=DISABLED") == true)
    }

    @Test func anEncryptedButUnverifiedConnectionFailsOnlyTheStrictMode() {
        let passed = Self.tls(Self.encrypted, .encrypted)
        #expect(passed?.status == .passed)
        #expect(passed?.message.contains("encrypted (TLSv1.3, TLS_AES_256_GCM_SHA384)") == true)
        #expect(passed?.message.contains("not verified") == true)
        let strict = Self.tls(Self.encrypted, .verified)
        #expect(strict?.status == .failed)
        #expect(strict?.fix?.contains("ssl-mode=VERIFY_IDENTITY&ssl-ca=") == true)
    }

    @Test func aVerifiedConnectionPassesEveryMode() {
        for requirement in [SourceCheck.TransportRequirement.none, .encrypted, .verified] {
            let finding = Self.tls(Self.verified, requirement)
            #expect(finding?.status == .passed)
            #expect(finding?.message.contains("server identity verified") == true)
        }
    }

    @Test func anUnknownTransportIsSilentUnlessRequired() {
        #expect(Self.tls(nil, .none) == nil)
        #expect(Self.tls(nil, .encrypted)?.status == .failed)
    }
}
