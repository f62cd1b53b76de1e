import Foundation
import CutoverCore

/// The one seam between the cutover and a load balancer: set and read the blue /
/// green weights, and read each side's health. HAProxy (runtime API) and an AWS
/// Application Load Balancer (weighted forward) implement it, so the same ramp
/// drives a local test and production.
public protocol TrafficSwitch: Sendable {
    func setWeights(_ weights: TrafficWeights) async throws
    func weights() async throws -> TrafficWeights
    func status() async throws -> TrafficStatus
}

/// What the load balancer knows of one side (blue or green).
public struct BackendStatus: Sendable, Hashable {
    /// Targets passing the load balancer's health check, of all registered.
    public var healthyTargets: Int
    public var totalTargets: Int
    /// The load balancer's own words for each target's state (`UP`, `DOWN`, `healthy`, `unhealthy`...).
    public var states: [String]
    /// Responses counted since the load balancer started, when it counts them
    /// (HAProxy does; an ALB reports them to CloudWatch instead: nil).
    public var responses: Int?
    public var serverErrors: Int?

    public init(healthyTargets: Int, totalTargets: Int, states: [String], responses: Int? = nil, serverErrors: Int? = nil) {
        self.healthyTargets = healthyTargets
        self.totalTargets = totalTargets
        self.states = states
        self.responses = responses
        self.serverErrors = serverErrors
    }

    public var isHealthy: Bool { totalTargets > 0 && healthyTargets == totalTargets }
}

public struct TrafficStatus: Sendable, Hashable {
    public var blue: BackendStatus
    public var green: BackendStatus

    public init(blue: BackendStatus, green: BackendStatus) {
        self.blue = blue
        self.green = green
    }

    /// Green's requests and errors between an earlier status and this one, for the
    /// health gate (nil when the load balancer does not count responses).
    public func greenDelta(since earlier: TrafficStatus) -> (requests: Int, errors: Int)? {
        guard let now = green.responses, let before = earlier.green.responses,
            let errorsNow = green.serverErrors, let errorsBefore = earlier.green.serverErrors
        else { return nil }
        // Counters restart with the load balancer: a drop means a restart, count from zero.
        let requests = now >= before ? now - before : now
        let errors = errorsNow >= errorsBefore ? errorsNow - errorsBefore : errorsNow
        return (requests, errors)
    }
}

/// A load balancer answered something this code cannot use, or refused a change.
public struct TrafficSwitchError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Sendable, Hashable {
        case unreachable(String)
        case refused(command: String, answer: String)
        case unexpectedAnswer(String)
        case weightOutOfRange(Int)
    }

    private let kind: Kind

    static func unreachable(_ detail: String) -> TrafficSwitchError { TrafficSwitchError(kind: .unreachable(detail)) }
    static func refused(command: String, answer: String) -> TrafficSwitchError { TrafficSwitchError(kind: .refused(command: command, answer: answer)) }
    static func unexpectedAnswer(_ detail: String) -> TrafficSwitchError { TrafficSwitchError(kind: .unexpectedAnswer(detail)) }
    static func weightOutOfRange(_ weight: Int) -> TrafficSwitchError { TrafficSwitchError(kind: .weightOutOfRange(weight)) }

    public var description: String {
        switch kind {
        case .unreachable(let detail):
            return "the load balancer cannot be reached: \(detail) (is it running, and is the admin socket path right?)"
        case .refused(let command, let answer):
            return "the load balancer refused `\(command)`: \(answer.trimmingCharacters(in: .whitespacesAndNewlines))"
        case .unexpectedAnswer(let detail):
            return "the load balancer answered something unexpected: \(detail)"
        case .weightOutOfRange(let weight):
            return "weight \(weight) is out of range (0...256 for HAProxy, 0...999 for an ALB)"
        }
    }
}
