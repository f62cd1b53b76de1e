import BillingModel

/// One thing a command does, as data: the executor runs them in order, a dry run prints them.
public enum CutoverStep: Sendable, Hashable, CustomStringConvertible {
    /// Check these gates now; refuse the command (and do nothing) when one fails.
    case checkGates([CutoverGate])
    case setReadMode(ReadMode)
    /// Sample share of reads compared against DynamoDB in shadow mode, percent.
    case setShadowSample(percent: Double)
    case setWritePrimary(WritePrimary)
    /// Wait (bounded by the write-pause timeout) until the forward stream has applied
    /// MySQL's position at the pause. On timeout the plan's `onTimeout` steps run.
    case drainForwardStream
    /// Wait (bounded) until reverse replication has applied every DynamoDB stream record.
    case drainReverseStream
    case stopForwardStream
    /// Resume the forward stream from MySQL's current position (after the reverse writes).
    case startForwardStream
    case startReverseStream
    case stopReverseStream
    /// Open the next switch epoch with this store as write primary (`SwitchEpochHistory`).
    case raiseEpoch(primary: WriteStore)
    /// Move traffic to green step by step, each step baked and gated (`TrafficRamp`).
    case rampTrafficToGreen
    /// All traffic to blue at once.
    case trafficToBlue
    /// Record the phase reached in the control record and its audit trail.
    case recordPhase(CutoverPhase)

    public var description: String {
        switch self {
        case .checkGates(let gates): return "check gates: " + gates.map(\.rawValue).joined(separator: ", ")
        case .setReadMode(let mode): return "set read mode to \(mode.rawValue)"
        case .setShadowSample(let percent): return "compare \(percent)% of reads against DynamoDB"
        case .setWritePrimary(.paused): return "pause writes (requests wait, bounded by --timeout)"
        case .setWritePrimary(let primary): return "set write primary to \(primary.rawValue)"
        case .drainForwardStream: return "wait until the forward stream has applied MySQL's position at the pause"
        case .drainReverseStream: return "wait until reverse replication has applied every DynamoDB change"
        case .stopForwardStream: return "stop the forward stream (MySQL -> DynamoDB)"
        case .startForwardStream: return "start the forward stream from MySQL's current position"
        case .startReverseStream: return "start reverse replication (DynamoDB Streams -> MySQL)"
        case .stopReverseStream: return "stop reverse replication"
        case .raiseEpoch(let primary): return "raise the switch epoch (\(primary.rawValue) becomes write primary)"
        case .rampTrafficToGreen: return "move traffic to green in gated, baked steps"
        case .trafficToBlue: return "send all traffic to blue"
        case .recordPhase(let phase): return "record phase \(phase.rawValue) with its audit entry"
        }
    }
}

/// What a command would do from the current phase: its steps, and the steps that
/// undo a bounded wait that ran out (a write switch whose drain misses its timeout
/// reverts to MySQL and resumes writes: the requests waited, none failed).
public struct CutoverPlan: Sendable, Hashable {
    public var command: CutoverCommand
    public var from: CutoverPhase
    public var to: CutoverPhase
    public var steps: [CutoverStep]
    /// Run instead of the rest of `steps` when a drain step times out.
    public var onTimeout: [CutoverStep]

    /// The dry run's text: numbered steps, then what a timeout does.
    public var dryRunLines: [String] {
        var lines = ["\(command): \(from.rawValue) -> \(to.rawValue)"]
        for (index, step) in steps.enumerated() {
            lines.append("  \(index + 1). \(step)")
        }
        if !onTimeout.isEmpty {
            lines.append("  if a wait times out:")
            for (index, step) in onTimeout.enumerated() {
                lines.append("    \(index + 1). \(step)")
            }
        }
        return lines
    }
}
