import CutoverCore
import ELBv2

/// `TrafficSwitch` for an Application Load Balancer: one listener whose default
/// action forwards to a blue and a green target group with weights (0...999).
/// Response counts live in CloudWatch, not here: `status` gives target health only.
public struct ALBTrafficSwitch: TrafficSwitch {
    public var elb: ELBv2Client
    public var listenerArn: String
    public var blueTargetGroupArn: String
    public var greenTargetGroupArn: String

    public init(elb: ELBv2Client, listenerArn: String, blueTargetGroupArn: String, greenTargetGroupArn: String) {
        self.elb = elb
        self.listenerArn = listenerArn
        self.blueTargetGroupArn = blueTargetGroupArn
        self.greenTargetGroupArn = greenTargetGroupArn
    }

    /// One `ModifyListener`: both weights change in the same call.
    public func setWeights(_ weights: TrafficWeights) async throws {
        for weight in [weights.blue, weights.green] where !(0...999).contains(weight) {
            throw TrafficSwitchError.weightOutOfRange(weight)
        }
        try await elb.setWeightedForward(
            listenerArn: listenerArn,
            targetGroups: [
                WeightedTargetGroup(targetGroupArn: blueTargetGroupArn, weight: weights.blue),
                WeightedTargetGroup(targetGroupArn: greenTargetGroupArn, weight: weights.green),
            ])
    }

    public func weights() async throws -> TrafficWeights {
        let listener = try await elb.describeListener(listenerArn)
        func weight(_ arn: String) -> Int { listener.forward.first { $0.targetGroupArn == arn }?.weight ?? 0 }
        let known = Set([blueTargetGroupArn, greenTargetGroupArn])
        if let stranger = listener.forward.first(where: { !known.contains($0.targetGroupArn) && $0.weight > 0 }) {
            throw TrafficSwitchError.unexpectedAnswer(
                "listener \(listenerArn) also forwards to \(stranger.targetGroupArn), which is neither blue nor green")
        }
        return TrafficWeights(blue: weight(blueTargetGroupArn), green: weight(greenTargetGroupArn))
    }

    public func status() async throws -> TrafficStatus {
        func backend(_ arn: String) async throws -> BackendStatus {
            let targets = try await elb.describeTargetHealth(targetGroupArn: arn)
            return BackendStatus(
                healthyTargets: targets.filter { $0.state == "healthy" }.count, totalTargets: targets.count, states: targets.map(\.state))
        }
        return TrafficStatus(blue: try await backend(blueTargetGroupArn), green: try await backend(greenTargetGroupArn))
    }
}
