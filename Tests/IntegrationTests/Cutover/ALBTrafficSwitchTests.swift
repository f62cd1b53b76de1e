import AWSCore
import CutoverCore
import ELBv2
import Foundation
import Testing
import TrafficSwitch

/// ALBTrafficSwitch and ELBv2Client against moto: a listener's weighted forward to a
/// blue and a green target group, set and read back, and the groups' target health.
@Suite("ALB traffic switch against moto")
struct ALBTrafficSwitchTests {
    @Test func weightedForwardIsSetAndReadBack() async throws {
        try await LocalAWS.withMotoServer(authenticated: true) { env in
            try await AWSClient.withClient(env.configuration) { client in
                let elb = ELBv2Client(client: client)
                // moto's default VPC and its subnets (one per availability zone).
                let ec2 = AWSService(id: "EC2", signingName: "ec2")
                let subnets = try await client.executeQuery(ec2, action: "DescribeSubnets", version: "2016-11-15", parameters: [])
                let members = subnets.first(named: "subnetSet")?.children("item") ?? []
                let subnetIDs = members.compactMap { $0.childText("subnetId") }
                let vpcID = try #require(members.first?.childText("vpcId"))
                #expect(subnetIDs.count >= 2)

                let balancer = try await elb.createLoadBalancer(name: "billing", subnets: Array(subnetIDs.prefix(2)))
                let blue = try await elb.createTargetGroup(name: "billing-blue", vpcID: vpcID, port: 8081)
                let green = try await elb.createTargetGroup(name: "billing-green", vpcID: vpcID, port: 8082)
                try await elb.registerTargets(targetGroupArn: blue, ips: [("10.0.0.11", 8081), ("10.0.0.12", 8081)])
                try await elb.registerTargets(targetGroupArn: green, ips: [("10.0.0.21", 8082)])
                let listener = try await elb.createListener(
                    loadBalancerArn: balancer, port: 80,
                    targetGroups: [WeightedTargetGroup(targetGroupArn: blue, weight: 100), WeightedTargetGroup(targetGroupArn: green, weight: 0)])

                let traffic = ALBTrafficSwitch(elb: elb, listenerArn: listener, blueTargetGroupArn: blue, greenTargetGroupArn: green)
                #expect(try await traffic.weights() == .allBlue)
                for step in [10, 50, 100] {
                    try await traffic.setWeights(TrafficWeights(greenPercent: step))
                    #expect(try await traffic.weights() == TrafficWeights(greenPercent: step))
                }
                try await traffic.setWeights(.allBlue)
                let described = try await elb.describeListener(listener)
                #expect(described.port == 80)
                #expect(described.forward == [WeightedTargetGroup(targetGroupArn: blue, weight: 100), WeightedTargetGroup(targetGroupArn: green, weight: 0)])

                let status = try await traffic.status()
                #expect(status.blue.totalTargets == 2)
                #expect(status.green.totalTargets == 1)
                #expect(status.blue.states.count == 2)
                #expect(status.green.responses == nil)
                await #expect(throws: TrafficSwitchError.self) { try await traffic.setWeights(TrafficWeights(blue: 1_000, green: 0)) }
                // A listener that does not exist is AWS's error, typed.
                await #expect(throws: AWSError.self) { try await elb.describeListener(listener + "-gone") }
            }
        }
    }
}
