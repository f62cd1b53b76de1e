import AWSCore
import Foundation
import NIOCore
import NetworkCore
import Testing

/// `billmig network status` against moto_server's EC2 and Direct Connect, and
/// TCP probes of a route that answers (moto's own port) and one that does not.
@Suite struct NetworkStatusCommandTests {
    struct Report: Decodable {
        var vpnConnections: [VPNConnectionStatus]
        var directConnect: [DirectConnectStatus]
        var routes: [RouteProbeWindow]
        var assessment: NetworkAssessment
    }

    @Test func linksAndRoutesAreReportedAndADeletedVPNOrADeadRouteIsDown() async throws {
        try await LocalAWS.withMotoServer(authenticated: false) { aws in
            let (vpnID, dxID) = try await AWSClient.withClient(aws.configuration) { client in
                func ec2(_ action: String, _ parameters: [(name: String, value: String)]) async throws -> AWSXMLElement {
                    try await client.executeQuery(.ec2, action: action, version: "2016-11-15", parameters: parameters)
                }
                let customer = try await ec2("CreateCustomerGateway", [("Type", "ipsec.1"), ("PublicIp", "203.0.113.10"), ("BgpAsn", "65000")])
                let gateway = try await ec2("CreateVpnGateway", [("Type", "ipsec.1")])
                let vpn = try await ec2("CreateVpnConnection", [
                    ("Type", "ipsec.1"),
                    ("CustomerGatewayId", try #require(customer.first(named: "customerGatewayId")?.text)),
                    ("VpnGatewayId", try #require(gateway.first(named: "vpnGatewayId")?.text)),
                ])
                let dx = try await client.execute(AWSRequest(
                    service: .directConnect, operation: "CreateConnection", method: .POST, path: "/",
                    headers: ["X-Amz-Target": "OvertureService.CreateConnection", "Content-Type": "application/x-amz-json-1.1"],
                    body: ByteBuffer(string: #"{"location":"EqDC2","bandwidth":"1Gbps","connectionName":"billing-dx"}"#)))
                let created = try JSONSerialization.jsonObject(with: Data(dx.body.readableBytesView)) as? [String: Any]
                return (try #require(vpn.first(named: "vpnConnectionId")?.text), try #require(created?["connectionId"] as? String))
            }

            let links = ["network", "status", "--vpn-connection-id", vpnID, "--dx-connection-id", dxID, "--probes", "3", "--json"]
            let healthy = try await BillmigCLI.run(links + ["--route", "primary=127.0.0.1:\(aws.port)"], environment: aws.environment)
            #expect(healthy.status == 0, "\(healthy.stderr)")
            let report = try JSONDecoder().decode(Report.self, from: Data(healthy.stdout.utf8))
            #expect(report.vpnConnections.map(\.id) == [vpnID] && report.vpnConnections[0].state == "available")
            #expect(report.directConnect.map(\.state) == ["available"] && report.directConnect[0].bandwidth == "1Gbps")
            #expect(report.routes.count == 1 && report.routes[0].successes == 3 && report.routes[0].loss == 0)
            #expect(report.assessment.overall == .healthy, "\(report.assessment.verdicts)")

            _ = try await AWSClient.withClient(aws.configuration) { client in
                try await client.executeQuery(.ec2, action: "DeleteVpnConnection", version: "2016-11-15", parameters: [("VpnConnectionId", vpnID)])
            }
            let deadPort = try MotoServer.freePort()
            let broken = try await BillmigCLI.run(
                links + ["--route", "primary=127.0.0.1:\(aws.port)", "--route", "backup=127.0.0.1:\(deadPort)"], environment: aws.environment)
            #expect(broken.status == 1)
            let after = try JSONDecoder().decode(Report.self, from: Data(broken.stdout.utf8))
            #expect(after.assessment.overall == .down)
            let down = after.assessment.verdicts.filter { $0.health == .down }.map(\.kind).sorted()
            #expect(down == ["route", "vpn"], "\(after.assessment.verdicts)")
            #expect(after.routes.first { $0.route == "backup" }?.loss == 1)

            let text = try await BillmigCLI.run(
                ["network", "status", "--vpn-connection-id", vpnID, "--route", "backup=127.0.0.1:\(deadPort)", "--probes", "1"],
                environment: aws.environment)
            #expect(text.stdout.contains("DOWN") && text.stdout.contains("network: down"), "\(text.stdout)")
        }
    }
}
