/// Moves traffic to green in weighted steps, each baked for a while and gated on
/// health. Pure: the driver feeds it the time (a monotonic offset) and health
/// samples, and carries out the actions (`TrafficSwitch.setWeights`).
///
/// A failing gate returns all traffic to blue at once. Holding (too little
/// evidence) is allowed for `maxHold`; past that the ramp rolls back, so a ramp
/// never waits forever in a change window.
public struct TrafficRamp: Sendable {
    public struct Step: Sendable, Hashable {
        public var greenPercent: Int
        /// How long this step must stay healthy before the next one.
        public var bake: Duration

        public init(greenPercent: Int, bake: Duration) {
            self.greenPercent = greenPercent
            self.bake = bake
        }
    }

    public enum State: Sendable, Hashable {
        case notStarted
        /// At `steps[index]`, baking healthy since `since`; short of evidence since `holdingSince`.
        case baking(index: Int, since: Duration, holdingSince: Duration?)
        case completed
        case rolledBack(reason: String)
    }

    public enum Action: Sendable, Hashable {
        case setWeights(TrafficWeights)
        /// Nothing to do until the next sample.
        case wait
        /// All traffic to blue: the gate failed (or held too long). Terminal.
        case rollBack(TrafficWeights, reason: String)
        /// The last step baked healthy. Terminal.
        case finished
    }

    public let steps: [Step]
    public let policy: HealthGatePolicy
    public let maxHold: Duration
    public private(set) var state: State = .notStarted

    /// `steps` must rise and end at 100% (a ramp that never reaches green is a configuration mistake).
    public init(steps: [Step], policy: HealthGatePolicy, maxHold: Duration) {
        precondition(!steps.isEmpty && steps.last?.greenPercent == 100, "a traffic ramp ends at 100% green")
        precondition(zip(steps, steps.dropFirst()).allSatisfy { $0.greenPercent < $1.greenPercent }, "ramp steps rise")
        self.steps = steps
        self.policy = policy
        self.maxHold = maxHold
    }

    /// Steps 0, 10, 50, 100 with the same bake time each (the last one bakes too).
    public static func standard(bake: Duration, policy: HealthGatePolicy = HealthGatePolicy(), maxHold: Duration = .seconds(60)) -> TrafficRamp {
        TrafficRamp(steps: [0, 10, 50, 100].map { Step(greenPercent: $0, bake: bake) }, policy: policy, maxHold: maxHold)
    }

    public mutating func start(now: Duration) -> Action {
        guard case .notStarted = state else { return .wait }
        state = .baking(index: 0, since: now, holdingSince: nil)
        return .setWeights(TrafficWeights(greenPercent: steps[0].greenPercent))
    }

    /// One health sample at `now`.
    public mutating func observe(_ sample: HealthSample, now: Duration) -> Action {
        guard case .baking(let index, let since, let holdingSince) = state else { return .wait }
        switch HealthDecision.decide(sample, policy: policy, expectsTraffic: steps[index].greenPercent > 0) {
        case .rollBack(let reason):
            return rollBack("at \(steps[index].greenPercent)% green: \(reason)")
        case .hold(let reason):
            let holding = holdingSince ?? now
            if now - holding > maxHold {
                return rollBack("at \(steps[index].greenPercent)% green: held longer than \(maxHold) (\(reason))")
            }
            // Bake time only counts on healthy evidence: the step starts its bake again.
            state = .baking(index: index, since: now, holdingSince: holding)
            return .wait
        case .proceed:
            guard now - since >= steps[index].bake else {
                state = .baking(index: index, since: since, holdingSince: nil)
                return .wait
            }
            if index == steps.count - 1 {
                state = .completed
                return .finished
            }
            state = .baking(index: index + 1, since: now, holdingSince: nil)
            return .setWeights(TrafficWeights(greenPercent: steps[index + 1].greenPercent))
        }
    }

    /// The operator's or the workflow's abort.
    public mutating func abort(reason: String) -> Action {
        switch state {
        case .completed, .rolledBack: return .wait
        case .notStarted, .baking: return rollBack(reason)
        }
    }

    private mutating func rollBack(_ reason: String) -> Action {
        state = .rolledBack(reason: reason)
        return .rollBack(.allBlue, reason: reason)
    }
}
