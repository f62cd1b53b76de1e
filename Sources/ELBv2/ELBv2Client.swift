import AWSCore

/// A thin Elastic Load Balancing v2 client (query protocol, API 2015-12-01): the
/// calls the cutover needs to split an Application Load Balancer listener's traffic
/// between two target groups, and the few that set one up (the local demo and tests).
public struct ELBv2Client: Sendable {
    public let client: AWSClient
    static let version = "2015-12-01"

    public init(client: AWSClient) {
        self.client = client
    }

    private func call(_ action: String, _ parameters: [(name: String, value: String)]) async throws -> AWSXMLElement {
        try await client.executeQuery(.elasticLoadBalancingV2, action: action, version: Self.version, parameters: parameters)
    }

    // MARK: The cutover's calls

    /// Sets the listener's default action to one forward over `targetGroups` with
    /// their weights (0...999; the ALB sends each its share of the total).
    public func setWeightedForward(listenerArn: String, targetGroups: [WeightedTargetGroup]) async throws {
        _ = try await call("ModifyListener", [("ListenerArn", listenerArn)] + Self.weightedForward(targetGroups))
    }

    public func describeListener(_ listenerArn: String) async throws -> Listener {
        let answer = try await call("DescribeListeners", [("ListenerArns.member.1", listenerArn)])
        guard let member = answer.first(named: "Listeners")?.children("member").first else {
            throw ELBv2Error("DescribeListeners answered no listener \(listenerArn)")
        }
        return try Self.listener(member)
    }

    public func describeTargetHealth(targetGroupArn: String) async throws -> [TargetHealth] {
        let answer = try await call("DescribeTargetHealth", [("TargetGroupArn", targetGroupArn)])
        return (answer.first(named: "TargetHealthDescriptions")?.children("member") ?? []).map { member in
            TargetHealth(
                targetID: member.first(named: "Target")?.childText("Id") ?? "",
                port: member.first(named: "Target")?.childText("Port").flatMap { Int($0) },
                state: member.first(named: "TargetHealth")?.childText("State") ?? "unknown",
                reason: member.first(named: "TargetHealth")?.childText("Reason"))
        }
    }

    // MARK: Setting one up

    public func createLoadBalancer(name: String, subnets: [String], isInternal: Bool = true) async throws -> String {
        var parameters: [(name: String, value: String)] = [("Name", name), ("Type", "application"), ("Scheme", isInternal ? "internal" : "internet-facing")]
        for (index, subnet) in subnets.enumerated() { parameters.append(("Subnets.member.\(index + 1)", subnet)) }
        let answer = try await call("CreateLoadBalancer", parameters)
        return try Self.text(answer, "LoadBalancerArn", action: "CreateLoadBalancer")
    }

    public func createTargetGroup(name: String, vpcID: String, port: Int, healthCheckPath: String = "/health/ready") async throws -> String {
        let answer = try await call(
            "CreateTargetGroup",
            [
                ("Name", name), ("Protocol", "HTTP"), ("Port", String(port)), ("VpcId", vpcID), ("TargetType", "ip"),
                ("HealthCheckPath", healthCheckPath),
            ])
        return try Self.text(answer, "TargetGroupArn", action: "CreateTargetGroup")
    }

    public func registerTargets(targetGroupArn: String, ips: [(ip: String, port: Int)]) async throws {
        var parameters: [(name: String, value: String)] = [("TargetGroupArn", targetGroupArn)]
        for (index, target) in ips.enumerated() {
            parameters.append(("Targets.member.\(index + 1).Id", target.ip))
            parameters.append(("Targets.member.\(index + 1).Port", String(target.port)))
        }
        _ = try await call("RegisterTargets", parameters)
    }

    /// An HTTP listener forwarding everything to `targetGroups`.
    public func createListener(loadBalancerArn: String, port: Int, targetGroups: [WeightedTargetGroup]) async throws -> String {
        let parameters: [(name: String, value: String)] = [
            ("LoadBalancerArn", loadBalancerArn), ("Protocol", "HTTP"), ("Port", String(port)),
        ]
        let answer = try await call("CreateListener", parameters + Self.weightedForward(targetGroups))
        return try Self.text(answer, "ListenerArn", action: "CreateListener")
    }

    /// The one default action: forward to the groups with their weights.
    static func weightedForward(_ targetGroups: [WeightedTargetGroup]) -> [(name: String, value: String)] {
        var parameters: [(name: String, value: String)] = [("DefaultActions.member.1.Type", "forward")]
        for (index, group) in targetGroups.enumerated() {
            let prefix = "DefaultActions.member.1.ForwardConfig.TargetGroups.member.\(index + 1)"
            parameters.append(("\(prefix).TargetGroupArn", group.targetGroupArn))
            parameters.append(("\(prefix).Weight", String(group.weight)))
        }
        return parameters
    }

    // MARK: Reading answers

    static func text(_ answer: AWSXMLElement, _ name: String, action: String) throws -> String {
        guard let value = answer.first(named: name)?.text, !value.isEmpty else {
            throw ELBv2Error("\(action) answered without \(name)")
        }
        return value
    }

    static func listener(_ member: AWSXMLElement) throws -> Listener {
        guard let arn = member.childText("ListenerArn") else { throw ELBv2Error("a listener without ListenerArn") }
        var forward: [WeightedTargetGroup] = []
        for action in member.first(named: "DefaultActions")?.children("member") ?? [] where action.childText("Type") == "forward" {
            let groups = action.first(named: "ForwardConfig")?.first(named: "TargetGroups")?.children("member") ?? []
            if groups.isEmpty, let single = action.childText("TargetGroupArn") {
                // A plain forward to one group: all of the traffic.
                forward.append(WeightedTargetGroup(targetGroupArn: single, weight: 1))
            }
            for group in groups {
                guard let groupArn = group.childText("TargetGroupArn") else { continue }
                forward.append(WeightedTargetGroup(targetGroupArn: groupArn, weight: group.childText("Weight").flatMap { Int($0) } ?? 1))
            }
        }
        return Listener(listenerArn: arn, port: member.childText("Port").flatMap { Int($0) }, forward: forward)
    }
}

public struct WeightedTargetGroup: Sendable, Hashable {
    public var targetGroupArn: String
    public var weight: Int

    public init(targetGroupArn: String, weight: Int) {
        self.targetGroupArn = targetGroupArn
        self.weight = weight
    }
}

public struct Listener: Sendable, Hashable {
    public var listenerArn: String
    public var port: Int?
    /// The default action's weighted target groups (empty when it does not forward).
    public var forward: [WeightedTargetGroup]
}

public struct TargetHealth: Sendable, Hashable {
    public var targetID: String
    public var port: Int?
    /// `initial`, `healthy`, `unhealthy`, `unused`, `draining`, `unavailable`.
    public var state: String
    public var reason: String?
}

public struct ELBv2Error: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "ELBv2 client: \(message)" }
}
