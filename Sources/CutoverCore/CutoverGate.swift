/// A precondition a cutover command checks before it changes anything.
public enum CutoverGate: String, Sendable, Hashable, Codable, CaseIterable {
    /// The forward change stream's lag is under the bound.
    case streamLag = "stream-lag"
    /// A validation PASSED recently and left nothing unsettled.
    case recentValidation = "recent-validation"
    /// Shadow reads found no mismatch over at least the minimum number of compares.
    case shadowClean = "shadow-clean"
    /// Every green instance answers `/health/ready`.
    case greenReady = "green-ready"
    /// No watched alarm is in ALARM.
    case noAlarm = "no-alarm"
}

/// The bounds the gates hold the observations to.
public struct CutoverGatePolicy: Sendable, Hashable, Codable {
    public var maxStreamLagMilliseconds: Double
    /// How old the last PASSED validation may be.
    public var validationMaxAgeSeconds: Double
    public var minimumShadowCompares: Int

    public init(maxStreamLagMilliseconds: Double = 5_000, validationMaxAgeSeconds: Double = 3_600, minimumShadowCompares: Int = 1_000) {
        self.maxStreamLagMilliseconds = maxStreamLagMilliseconds
        self.validationMaxAgeSeconds = validationMaxAgeSeconds
        self.minimumShadowCompares = minimumShadowCompares
    }
}

/// What the executor measured just before the gates are checked. nil: not known
/// (a gate that needs it refuses and says what to run).
public struct CutoverObservations: Sendable, Hashable, Codable {
    public struct Validation: Sendable, Hashable, Codable {
        public var passed: Bool
        /// Seconds since 1970 the run finished.
        public var finishedAt: Double
        /// Mismatches a live validation could not settle yet.
        public var unsettled: Int

        public init(passed: Bool, finishedAt: Double, unsettled: Int) {
            self.passed = passed
            self.finishedAt = finishedAt
            self.unsettled = unsettled
        }
    }

    public struct Shadow: Sendable, Hashable, Codable {
        public var compares: Int
        public var mismatches: Int

        public init(compares: Int, mismatches: Int) {
            self.compares = compares
            self.mismatches = mismatches
        }
    }

    public struct Readiness: Sendable, Hashable, Codable {
        public var ready: Int
        public var total: Int

        public init(ready: Int, total: Int) {
            self.ready = ready
            self.total = total
        }
    }

    public struct Alarm: Sendable, Hashable, Codable {
        public var name: String
        /// CloudWatch's state value: OK, ALARM, INSUFFICIENT_DATA.
        public var state: String

        public init(name: String, state: String) {
            self.name = name
            self.state = state
        }
    }

    /// Seconds since 1970, when these were taken.
    public var now: Double
    public var streamLagMilliseconds: Double?
    public var lastValidation: Validation?
    public var shadow: Shadow?
    /// Green instances that answered ready, and how many were asked.
    public var greenReady: Readiness?
    public var alarms: [Alarm]?

    public init(
        now: Double, streamLagMilliseconds: Double? = nil, lastValidation: Validation? = nil, shadow: Shadow? = nil,
        greenReady: Readiness? = nil, alarms: [Alarm]? = nil
    ) {
        self.now = now
        self.streamLagMilliseconds = streamLagMilliseconds
        self.lastValidation = lastValidation
        self.shadow = shadow
        self.greenReady = greenReady
        self.alarms = alarms
    }
}

/// A gate's answer: passed, or refused with a reason that says what to do.
public struct GateVerdict: Sendable, Hashable, Codable, CustomStringConvertible {
    public var gate: CutoverGate
    public var passed: Bool
    public var reason: String

    public var description: String { "\(gate.rawValue): \(passed ? "ok" : "REFUSED") (\(reason))" }
}

public enum CutoverGates {
    /// Checks every gate in `gates` (all of them, so the operator sees every reason at once).
    public static func check(_ gates: [CutoverGate], _ observed: CutoverObservations, policy: CutoverGatePolicy) -> [GateVerdict] {
        gates.map { check($0, observed, policy: policy) }
    }

    public static func check(_ gate: CutoverGate, _ observed: CutoverObservations, policy: CutoverGatePolicy) -> GateVerdict {
        func verdict(_ passed: Bool, _ reason: String) -> GateVerdict { GateVerdict(gate: gate, passed: passed, reason: reason) }
        switch gate {
        case .streamLag:
            guard let lag = observed.streamLagMilliseconds else {
                return verdict(false, "the change stream's lag is unknown: start `billmig stream` and wait for its first checkpoint")
            }
            guard lag <= policy.maxStreamLagMilliseconds else {
                return verdict(false, "stream lag \(format(lag)) ms is over the bound \(format(policy.maxStreamLagMilliseconds)) ms: wait for the stream to catch up")
            }
            return verdict(true, "stream lag \(format(lag)) ms <= \(format(policy.maxStreamLagMilliseconds)) ms")
        case .recentValidation:
            guard let run = observed.lastValidation else {
                return verdict(false, "no validation has run: run `billmig validate --live`")
            }
            guard run.passed else {
                return verdict(false, "the last validation did not pass: run `billmig repair`, then `billmig validate --live`")
            }
            guard run.unsettled == 0 else {
                return verdict(false, "the last validation left \(run.unsettled) mismatch(es) unsettled: run `billmig validate --live` again")
            }
            let age = observed.now - run.finishedAt
            guard age <= policy.validationMaxAgeSeconds else {
                return verdict(false, "the last PASSED validation is \(format(age)) s old (bound \(format(policy.validationMaxAgeSeconds)) s): run `billmig validate --live`")
            }
            return verdict(true, "validation PASSED \(format(age)) s ago, nothing unsettled")
        case .shadowClean:
            guard let shadow = observed.shadow else {
                return verdict(false, "no shadow compares are known: run `billmig cutover shadow` and let traffic flow")
            }
            guard shadow.mismatches == 0 else {
                return verdict(false, "\(shadow.mismatches) shadow mismatch(es) in \(shadow.compares) compares: find them in the service log, repair, reset the counts")
            }
            guard shadow.compares >= policy.minimumShadowCompares else {
                return verdict(false, "only \(shadow.compares) shadow compares (need \(policy.minimumShadowCompares)): let more traffic flow or raise --sample")
            }
            return verdict(true, "\(shadow.compares) shadow compares, no mismatch")
        case .greenReady:
            guard let ready = observed.greenReady, ready.total > 0 else {
                return verdict(false, "no green instance answered: start the green `billmig serve` instances")
            }
            guard ready.ready == ready.total else {
                return verdict(false, "\(ready.total - ready.ready) of \(ready.total) green instance(s) not ready: check their /health/ready")
            }
            return verdict(true, "\(ready.total) green instance(s) ready")
        case .noAlarm:
            guard let alarms = observed.alarms else {
                return verdict(false, "alarm states could not be read: check the CloudWatch permissions or pass the alarm names again")
            }
            let firing = alarms.filter { $0.state == "ALARM" }.map(\.name)
            guard firing.isEmpty else {
                return verdict(false, "in ALARM: \(firing.joined(separator: ", ")): resolve them first")
            }
            return verdict(true, "\(alarms.count) alarm(s), none in ALARM")
        }
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String((value * 10).rounded() / 10)
    }
}
