import BillingModel

/// The cutover's transitions as data: which command goes from which phase to which,
/// with which gates and steps. Pure: `plan` decides, the executor (later wired to
/// the billing service's control item, the streams and the load balancer) runs the
/// steps, and `CutoverState.record` moves the persisted state.
///
/// Forward: replicating -> shadow -> reads-switched -> writes-switched -> completed.
/// Back (`rollback`): shadow -> replicating, reads-switched -> shadow, and
/// writes-switched -> shadow (writes back to MySQL in a new epoch and all traffic
/// back to blue, as one step: a rollback in a change window wants the known-good
/// state, not half of it). `completed` has no way back.
public enum CutoverWorkflow {
    /// Gates each forward command checks. Rollback checks none: it must always be possible.
    public static func gates(for command: CutoverCommand) -> [CutoverGate] {
        switch command {
        case .shadow: return [.streamLag, .recentValidation]
        case .switchReads: return [.streamLag, .recentValidation, .shadowClean, .greenReady, .noAlarm]
        case .switchWrites: return [.streamLag, .recentValidation, .shadowClean, .greenReady, .noAlarm]
        case .complete: return [.noAlarm]
        case .rollback: return []
        }
    }

    /// The plan for `command` from `phase`, or why the command does not apply there.
    public static func plan(_ command: CutoverCommand, from phase: CutoverPhase) -> Result<CutoverPlan, CutoverError> {
        func make(_ to: CutoverPhase, _ steps: [CutoverStep], onTimeout: [CutoverStep] = []) -> Result<CutoverPlan, CutoverError> {
            let required = Self.gates(for: command)
            let checked = required.isEmpty ? steps : [.checkGates(required)] + steps
            return .success(CutoverPlan(command: command, from: phase, to: to, steps: checked + [.recordPhase(to)], onTimeout: onTimeout))
        }
        switch (command, phase) {
        case (.shadow(let sample), .replicating), (.shadow(let sample), .shadow):
            guard sample > 0, sample <= 100 else { return .failure(.invalidSample(sample)) }
            return make(.shadow, [.setShadowSample(percent: sample), .setReadMode(.shadow)])
        case (.switchReads, .shadow):
            return make(.readsSwitched, [.setReadMode(.dynamodb), .rampTrafficToGreen])
        case (.switchWrites, .readsSwitched):
            return make(
                .writesSwitched,
                [
                    .setWritePrimary(.paused), .drainForwardStream, .stopForwardStream, .raiseEpoch(primary: .dynamodb),
                    .setWritePrimary(.dynamodb), .startReverseStream,
                ],
                // The drain missed the timeout: nothing switched yet, so MySQL simply takes writes again.
                onTimeout: [.setWritePrimary(.mysql)])
        case (.complete, .writesSwitched):
            return make(.completed, [.drainReverseStream, .stopReverseStream])
        case (.rollback, .shadow):
            return make(.replicating, [.setReadMode(.mysql)])
        case (.rollback, .readsSwitched):
            return make(.shadow, [.trafficToBlue, .setReadMode(.shadow)])
        case (.rollback, .writesSwitched):
            return make(
                .shadow,
                [
                    .setWritePrimary(.paused), .drainReverseStream, .stopReverseStream, .raiseEpoch(primary: .mysql),
                    .setWritePrimary(.mysql), .startForwardStream, .trafficToBlue, .setReadMode(.shadow),
                ],
                // Reverse replication could not drain: DynamoDB still has every write, so it stays primary.
                onTimeout: [.setWritePrimary(.dynamodb)])
        case (.rollback, .replicating):
            return .failure(.nothingToRollBack)
        case (_, .completed):
            return .failure(.completed)
        default:
            return .failure(.wrongPhase(command: command, phase: phase, expected: expectedPhases(for: command)))
        }
    }

    static func expectedPhases(for command: CutoverCommand) -> [CutoverPhase] {
        switch command {
        case .shadow: return [.replicating, .shadow]
        case .switchReads: return [.shadow]
        case .switchWrites: return [.readsSwitched]
        case .complete: return [.writesSwitched]
        case .rollback: return [.shadow, .readsSwitched, .writesSwitched]
        }
    }

    /// The flags a phase implies once reached (the executor's target, and a check
    /// on the control item after a crash mid-plan).
    public static func flags(in phase: CutoverPhase) -> (read: ReadMode, write: WritePrimary) {
        switch phase {
        case .replicating: return (.mysql, .mysql)
        case .shadow: return (.shadow, .mysql)
        case .readsSwitched: return (.dynamodb, .mysql)
        case .writesSwitched, .completed: return (.dynamodb, .dynamodb)
        }
    }
}

/// Why a cutover command was refused.
public struct CutoverError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Sendable, Hashable {
        case wrongPhase(command: String, phase: CutoverPhase, expected: [CutoverPhase])
        case nothingToRollBack
        case completed
        case invalidSample(Double)
        case gatesRefused([GateVerdict])
        case staleState(expected: Int, found: Int)
    }

    private let kind: Kind

    static func wrongPhase(command: CutoverCommand, phase: CutoverPhase, expected: [CutoverPhase]) -> CutoverError {
        CutoverError(kind: .wrongPhase(command: command.description, phase: phase, expected: expected))
    }

    static let nothingToRollBack = CutoverError(kind: .nothingToRollBack)
    static let completed = CutoverError(kind: .completed)
    static func invalidSample(_ sample: Double) -> CutoverError { CutoverError(kind: .invalidSample(sample)) }
    public static func gatesRefused(_ verdicts: [GateVerdict]) -> CutoverError { CutoverError(kind: .gatesRefused(verdicts)) }
    public static func staleState(expected: Int, found: Int) -> CutoverError {
        CutoverError(kind: .staleState(expected: expected, found: found))
    }

    /// The gates that refused, when that is why.
    public var refusedGates: [GateVerdict] {
        if case .gatesRefused(let verdicts) = kind { return verdicts.filter { !$0.passed } }
        return []
    }

    public var description: String {
        switch kind {
        case .wrongPhase(let command, let phase, let expected):
            return "`cutover \(command)` does not apply in phase \(phase.rawValue); it runs in "
                + expected.map(\.rawValue).joined(separator: " or ") + " (see `billmig cutover status`)"
        case .nothingToRollBack:
            return "the cutover is in phase replicating: there is nothing to roll back"
        case .completed:
            return "the cutover is completed: MySQL no longer receives changes, so no command applies (start a new migration to go back)"
        case .invalidSample(let sample):
            return "--sample \(sample) is not a percentage in (0, 100]"
        case .gatesRefused(let verdicts):
            return "refused by its gates:\n" + verdicts.filter { !$0.passed }.map { "  - \($0)" }.joined(separator: "\n")
        case .staleState(let expected, let found):
            return "the cutover state changed under this command (revision \(found), expected \(expected)): another operator or instance moved it; run `billmig cutover status` and decide again"
        }
    }
}
