import AWSCore
import BillingModel
import DynamoDB
import Foundation
import MariaDBTestSupport
import MigrationCore
import MySQLSource
import MySQLWorkload
import SampleData
import Testing

/// A MariaDB of the test's own that serves TLS with a CA made for it
/// (`BILLMIG_MYSQL_TLS=1 scripts/mariadb start`, in a temporary folder on a
/// free port), stopped and removed when the body ends. Its `billmig_tls`
/// account REQUIRES SSL; `billmig` does not.
struct TLSMariaDB {
    let port: Int
    let folder: URL
    var caFile: String { folder.appendingPathComponent("tls/ca.pem").path }

    /// A URL for `user` on `billing` with the given query options.
    func url(user: String = "billmig_tls", _ options: String = "") -> String {
        "mysql://\(user)@127.0.0.1:\(port)/billing?connect-timeout=5&read-timeout=30" + (options.isEmpty ? "" : "&" + options)
    }

    var verifiedURL: String { url("ssl-mode=VERIFY_IDENTITY&ssl-ca=\(caFile)") }

    func connect(_ url: String) async throws -> MySQLConnection {
        try await MySQLConnection.connect(
            try MySQLConnectionConfiguration(url: url, password: .literal(.init(MariaDBSupport.password))), retry: .none)
    }

    static func with(_ body: (TLSMariaDB) async throws -> Void) async throws {
        let server = TLSMariaDB(
            port: try MotoServer.freePort(),
            folder: FileManager.default.temporaryDirectory.appendingPathComponent("billmig-tls-\(UInt32.random(in: 0...UInt32.max))"))
        let (status, output) = await server.script("start")
        do {
            if status != 0 { try RequiredServer.unavailable("MariaDB with TLS", reason: "scripts/mariadb start failed (\(status)): \(output.suffix(600))") }
            try await body(server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    private func stop() async {
        await script("stop")
        try? FileManager.default.removeItem(at: folder)
    }

    @discardableResult
    private func script(_ command: String) async -> (status: Int32, output: String) {
        await MariaDBTestServer.run("/usr/bin/env", [
            "BILLMIG_MYSQL_DIR=\(folder.path)", "BILLMIG_MYSQL_PORT=\(port)", "BILLMIG_MYSQL_TLS=1",
            MariaDBTestServer.packageRoot.appendingPathComponent("scripts/mariadb").path, command,
        ])
    }

    /// A CA that did not sign the server's certificate.
    static func otherCA(in folder: String) async throws -> String {
        let path = folder + "/other-ca.pem"
        let (status, output) = await MariaDBTestServer.run("/usr/bin/env", [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=another CA",
            "-keyout", folder + "/other-ca-key.pem", "-out", path,
        ])
        #expect(status == 0, "openssl: \(output)")
        return path
    }
}

@Suite(.serialized)
struct TLSIntegrationTests {
    static func check(_ source: String, _ extra: [String] = []) async throws -> (status: Int32, report: SourceCheckReport?, stderr: String) {
        let result = try await BillmigCLI.run(
            ["check", "--source", source, "--json"] + extra, environment: ["BILLMIG_MYSQL_PASSWORD": MariaDBSupport.password])
        return (result.status, try? JSONDecoder().decode(SourceCheckReport.self, from: Data(result.stdout.utf8)), result.stderr)
    }

    @Test func connectionsUseTLSByDefaultVerifyWhenAskedAndRefuseWhatTheyMust() async throws {
        try await TLSMariaDB.with { server in
            // The default mode encrypts: an account that REQUIRES SSL gets in.
            let preferred = try await server.connect(server.url())
            let security = await preferred.transportSecurity
            #expect(security.encrypted && !security.identityVerified)
            #expect(["TLSv1.2", "TLSv1.3"].contains(security.tlsVersion ?? ""), "\(security)")
            #expect(security.cipher?.isEmpty == false)
            // The server agrees it is encrypted.
            let serverSide = try await preferred.query("SHOW SESSION STATUS LIKE 'Ssl_version'").rows.first?[1].text
            #expect(serverSide == security.tlsVersion)
            await preferred.close()

            // An account that does not require TLS is encrypted too: no plain text when TLS is offered.
            let optional = try await server.connect(server.url(user: "billmig"))
            let optionalSecurity = await optional.transportSecurity
            #expect(optionalSecurity.encrypted)
            await optional.close()

            // VERIFY_IDENTITY with the server's CA: encrypted and verified.
            let verified = try await server.connect(server.verifiedURL)
            let verifiedSecurity = await verified.transportSecurity
            #expect(verifiedSecurity.encrypted && verifiedSecurity.identityVerified)
            await verified.close()

            // Another CA: refused, saying why.
            let otherCA = try await TLSMariaDB.otherCA(in: server.folder.path)
            do {
                let wrong = try await server.connect(server.url("ssl-mode=VERIFY_IDENTITY&ssl-ca=\(otherCA)"))
                await wrong.close()
                Issue.record("a certificate from another CA was accepted")
            } catch {
                #expect((error as? MySQLError)?.errorNumber == 2026, "\(error)")
                #expect("\(error)".contains("ssl-ca must be the CA that signed the server's certificate"), "\(error)")
            }

            // DISABLED against an account that requires TLS: refused by the server.
            do {
                let plain = try await server.connect(server.url("ssl-mode=DISABLED"))
                await plain.close()
                Issue.record("a plain connection was accepted for an account that REQUIRES SSL")
            } catch {
                #expect((error as? MySQLError)?.errorNumber == 1045, "\(error)")
            }
            let disabled = try await server.connect(server.url(user: "billmig", "ssl-mode=DISABLED"))
            let disabledSecurity = await disabled.transportSecurity
            #expect(disabledSecurity == .plain)
            await disabled.close()

            // check reports the connection and fails what a flag requires.
            let ok = try await Self.check(server.verifiedURL, ["--require-verified-tls"])
            #expect(ok.status == 0, "\(ok.stderr)")
            #expect(ok.report?.transport?.encrypted == true && ok.report?.transport?.identityVerified == true)
            #expect(ok.report?.transport?.sslMode == "VERIFY_IDENTITY")
            #expect(ok.report?.findings.first { $0.check == "tls" }?.status == .passed)
            let unverified = try await Self.check(server.url(), ["--require-verified-tls"])
            #expect(unverified.status == 1)
            #expect(unverified.report?.transport?.encrypted == true)
            #expect(unverified.report?.failures.map(\.check) == ["tls"])
            #expect(unverified.report?.failures.first?.fix?.contains("ssl-mode=VERIFY_IDENTITY") == true)
            #expect(try await Self.check(server.url(), ["--require-tls"]).status == 0)
            let text = try await BillmigCLI.run(["check", "--source", server.verifiedURL], environment: ["BILLMIG_MYSQL_PASSWORD": MariaDBSupport.password])
            #expect(text.stdout.contains("ok   tls: encrypted (TLSv1."), "\(text.stdout)")
            let refused = try await Self.check(server.url("ssl-mode=VERIFY_IDENTITY&ssl-ca=\(otherCA)"))
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("certificate"), "\(refused.stderr)")
        }
    }

    @Test func aServerWithoutTLSIsRefusedWhenTLSIsRequiredAndReportedOtherwise() async throws {
        // The shared test server offers no TLS.
        let server = try await MariaDBTestServer.configuration()
        let url = "mysql://billmig@\(server.host):\(server.port)/billing?connect-timeout=5"
        do {
            let connection = try await MySQLConnection.connect(
                try MySQLConnectionConfiguration(url: url + "&ssl-mode=REQUIRED", password: .literal(.init(MariaDBSupport.password))), retry: .none)
            await connection.close()
            Issue.record("ssl-mode=REQUIRED connected without TLS")
        } catch {
            #expect("\(error)".contains("offers no TLS"), "\(error)")
        }
        let plain = try await Self.check(url)
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.report?.transport?.encrypted == false)
        #expect(plain.report?.findings.first { $0.check == "tls" }?.status == .warning)
        let required = try await Self.check(url, ["--require-tls"])
        #expect(required.status == 1)
        #expect(required.report?.failures.map(\.check) == ["tls"])
        #expect(required.report?.failures.first?.fix?.contains("ssl_cert") == true)
    }

    @Test func snapshotAndStreamRunOverAVerifiedConnection() async throws {
        try await TLSMariaDB.with { server in
            let data = SampleDataSet(.init(seed: 15, accounts: 4))
            let writer = try await server.connect(server.verifiedURL)
            try await MySQLSampleWriter(connection: writer, options: .init(allowExistingRows: true)).write(data)
            let generated = data.rowCounts.values.reduce(0, +)
            let state = FileManager.default.temporaryDirectory.appendingPathComponent("billmig-tls-state-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: state) }

            try await LocalAWS.withMotoServer(authenticated: false) { aws in
                // billmig_tls REQUIRES SSL: the snapshot and the binlog dump connections are encrypted or refused.
                let env = aws.environment.merging(["BILLMIG_MYSQL_PASSWORD": MariaDBSupport.password]) { $1 }
                let table = MotoTestServer.uniqueName("tls")
                #expect(try await BillmigCLI.run(["table", "create", "--table", table], environment: env).status == 0)
                let load = try await BillmigCLI.run(
                    ["load", "--from", server.verifiedURL, "--table", table, "--state", state, "--json", "--quiet"], environment: env)
                #expect(load.status == 0, "\(load.stderr)")
                let summary = try JSONDecoder().decode(LoadSummary.self, from: Data(load.stdout.utf8))
                #expect(summary.total.rowsRead == generated && summary.total.itemsWritten == generated)

                let bans: ClosedRange<UInt64> = 9_300_000_000...9_300_000_004
                try await StreamMariaDB.transaction(writer, bans.map { StreamMariaDB.account($0) })
                try await StreamMariaDB.transaction(writer, [
                    "UPDATE billing.BILLING_ACCOUNT SET bill_cycle = 'TLS' WHERE ban = \(bans.lowerBound)",
                    "DELETE FROM billing.BILLING_ACCOUNT WHERE ban = \(bans.upperBound)",
                ])
                let stream = try await BillmigCLI.run(
                    ["stream", "--from", server.verifiedURL, "--table", table, "--state", state, "--until-caught-up", "--json", "--quiet"],
                    environment: env)
                #expect(stream.status == 0, "\(stream.stderr)")
                let streamed = try JSONDecoder().decode(StreamSummary.self, from: Data(stream.stdout.utf8))
                #expect(streamed.ending == .caughtUp)

                let after = try await AWSClient.withClient(aws.configuration) { client in
                    try await StreamMariaDB.tableState(client, table: table, bans: bans)
                }
                let expected = try await StreamMariaDB.expectedItems(writer, mapping: .billing, bans: bans)
                #expect(expected.count == 4)
                #expect(after.live == expected)
                #expect(after.tombstones.count == 1)
            }
            await writer.close()
        }
    }
}
