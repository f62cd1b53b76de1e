import AWSCore
import AWSTestSupport
import Foundation
import NetworkCore
import NetworkMonitor
import Testing

@Suite struct LinkClientsTests {
    @Test func vpnTelemetryIsReadFromDescribeVpnConnections() async throws {
        let body = """
            <DescribeVpnConnectionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
              <requestId>7a62c49f</requestId>
              <vpnConnectionSet><item>
                <vpnConnectionId>vpn-44a8938f</vpnConnectionId><state>available</state><type>ipsec.1</type>
                <vgwTelemetry>
                  <item><outsideIpAddress>198.51.100.1</outsideIpAddress><status>UP</status>
                    <lastStatusChange>2026-12-06T09:00:00.000Z</lastStatusChange><statusMessage/></item>
                  <item><outsideIpAddress>198.51.100.2</outsideIpAddress><status>DOWN</status>
                    <lastStatusChange>2026-12-06T09:30:00.000Z</lastStatusChange><statusMessage>IPSEC IS DOWN</statusMessage></item>
                </vgwTelemetry>
              </item></vpnConnectionSet>
            </DescribeVpnConnectionsResponse>
            """
        let transport = ScriptedTransport([ScriptedTransport.status(200, body)])
        let connections = try await VPNConnectionsClient(client: transport.client()).describe(["vpn-44a8938f"])
        #expect(connections == [
            VPNConnectionStatus(id: "vpn-44a8938f", state: "available", tunnels: [
                .init(outsideAddress: "198.51.100.1", status: "UP", statusMessage: nil, lastStatusChange: "2026-12-06T09:00:00.000Z"),
                .init(outsideAddress: "198.51.100.2", status: "DOWN", statusMessage: "IPSEC IS DOWN", lastStatusChange: "2026-12-06T09:30:00.000Z"),
            ])
        ])
        let request = try #require(transport.requestBodies.first)
        #expect(request.contains("Action=DescribeVpnConnections") && request.contains("VpnConnectionId.1=vpn-44a8938f"))
        #expect(transport.sent.current.first?.headers.first(name: "Authorization")?.contains("/ec2/aws4_request") == true)
    }

    @Test func directConnectStatesAreReadFromDescribeConnections() async throws {
        let body = #"{"connections":[{"connectionId":"dxcon-fg5678gh","connectionName":"billing-dx","connectionState":"down","bandwidth":"1Gbps","location":"EqDC2"}]}"#
        let transport = ScriptedTransport([ScriptedTransport.status(200, body)])
        let connections = try await DirectConnectClient(client: transport.client()).describe(["dxcon-fg5678gh"])
        #expect(connections == [DirectConnectStatus(id: "dxcon-fg5678gh", name: "billing-dx", state: "down", bandwidth: "1Gbps")])
        let sent = try #require(transport.sent.current.first)
        #expect(sent.headers.first(name: "X-Amz-Target") == "OvertureService.DescribeConnections")
        #expect(transport.requestBodies.first?.contains(#""connectionId":"dxcon-fg5678gh""#) == true)
    }
}
