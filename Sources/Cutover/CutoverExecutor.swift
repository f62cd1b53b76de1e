import BillingModel
import BillingService
import CutoverCore
import Foundation
import TrafficSwitch

/// The bounds and the identity a command runs with.
public struct CutoverSettings: Sendable {
    public var gatePolicy = CutoverGatePolicy()
    /// How long writes may stay paused (and a reverse drain may take) before the plan reverts.
    public var writePauseTimeout: Duration = .seconds(30)
    /// After the pause is set: time for every instance to see it (its flags poll)
    /// and finish the writes it had in flight, before MySQL's position is read.
    public var pauseSettle: Duration = .seconds(1)
    /// How often a drain looks at the published positions.
    public var pollInterval: Duration = .milliseconds(100)
    public var rampSteps: [TrafficRamp.Step] = [0, 10, 50, 100].map { TrafficRamp.Step(greenPercent: $0, bake: .seconds(10)) }
    public var healthPolicy = HealthGatePolicy()
    public var maxHold: Duration = .seconds(60)
    public var healthSampleInterval: Duration = .seconds(1)
    /// How long measuring the gates may wait (the stream lag gate waits for the stream).
    public var longestGateMeasurement: Duration { .milliseconds(Int64(gatePolicy.maxStreamLagMilliseconds)) + .seconds(1) }
    /// Who runs it (user@host), for the audit trail.
    public var actor: String
    /// The operator's reason, for the audit trail.
    public var reason: String

    public init(actor: String, reason: String = "") {
        self.actor = actor
        self.reason = reason
    }
}

/// What one command did: the summary `billmig cutover` prints (and `--json` prints as JSON).
public struct CutoverReport: Sendable, Codable {
    public var command: String
    public var from: CutoverPhase
    /// The phase after the command (its `from` when refused or reverted).
    public var phase: CutoverPhase
    public var outcome: CutoverAuditEntry.Outcome
    public var reason: String
    /// The gates checked, passed or not.
    public var verdicts: [GateVerdict]
    /// What was done, in order.
    public var actions: [String]
    /// How long writes were held, when they were.
    public var writePauseMilliseconds: Double?
    public var epoch: UInt32
    public var revision: Int
}

/// Runs a `CutoverPlan`'s steps against the control store, the streams' published
/// positions, the gates' observations and the load balancer, and records the
/// result in the control store conditional on the state's revision (two operators
/// cannot both move the cutover from the same revision; every flag change is also
/// conditional on the flags' version).
///
/// Bounded waits revert: a forward drain that misses `writePauseTimeout` puts the
/// write primary back to MySQL (the held requests waited, none failed); a reverse
/// drain that misses it leaves DynamoDB primary; a failing traffic gate returns all
/// traffic to blue and the read mode to what it was. Any error before the write
/// primary has moved restores the flags of the phase the command started from.
public struct CutoverExecutor: Sendable {
    public var control: any CutoverControlStore
    public var observer: any CutoverObserver
    public var mysql: any MySQLPositionSource
    public var reverse: any ReverseProgressSource
    public var replication: any ReplicationControl
    public var traffic: (any TrafficSwitch)?
    public var health: (any GreenHealthProbe)?
    public var settings: CutoverSettings
    /// Progress lines for the operator (standard error).
    public var log: @Sendable (String) -> Void
    /// Wall time in milliseconds since 1970 (audit times, reverse progress).
    public var wallClock: @Sendable () -> Int64

    public init(
        control: any CutoverControlStore, observer: any CutoverObserver, mysql: any MySQLPositionSource,
        reverse: any ReverseProgressSource, replication: any ReplicationControl, traffic: (any TrafficSwitch)?,
        health: (any GreenHealthProbe)?, settings: CutoverSettings, log: @escaping @Sendable (String) -> Void = { _ in },
        wallClock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) {
        self.control = control
        self.observer = observer
        self.mysql = mysql
        self.reverse = reverse
        self.replication = replication
        self.traffic = traffic
        self.health = health
        self.settings = settings
        self.log = log
        self.wallClock = wallClock
    }

    /// The plan `command` would run now, with the state it starts from (a dry run prints it).
    public func plan(_ command: CutoverCommand) async throws -> (state: CutoverState, plan: CutoverPlan) {
        let state = try await control.loadCutover()
        return (state, try CutoverWorkflow.plan(command, from: state.phase).get())
    }

    /// Runs `command`. Throws `CutoverError` when it does not apply in the current
    /// phase (nothing changed, nothing recorded) or when the state moved under it;
    /// a refusal or a revert is a report (recorded in the audit trail).
    public func run(_ command: CutoverCommand) async throws -> CutoverReport {
        let (state, plan) = try await self.plan(command)
        if traffic == nil, plan.steps.contains(where: { $0 == .rampTrafficToGreen || $0 == .trafficToBlue }) {
            throw CutoverExecutorError(
                "`cutover \(command)` moves traffic: give the load balancer (--haproxy-socket PATH --backend NAME, or --alb-listener-arn ARN with the target group ARNs)")
        }
        if health == nil, plan.steps.contains(.rampTrafficToGreen) {
            throw CutoverExecutorError("`cutover \(command)` gates each traffic step on green's health: give the green instances with --green-url")
        }
        let claimed = try await claim(state, for: plan)
        var run = PlanRun(executor: self, plan: plan, state: claimed, flags: try await control.loadFlags())
        return try await run.execute()
    }

    /// Marks the state as held by this command (conditional on its revision), so a
    /// second operator's command is refused while this one runs.
    func claim(_ state: CutoverState, for plan: CutoverPlan) async throws -> CutoverState {
        let now = wallClock()
        if let running = state.running, running.expiresAtMilliseconds > now {
            throw CutoverExecutorError(
                "`cutover \(running.command)` by \(running.actor) is running since \(running.startedAt); wait for it to end "
                    + "(its hold lapses at \(DateTimeText.iso8601(epochMilliseconds: running.expiresAtMilliseconds)) if it died), then run `billmig cutover status`")
        }
        var claimed = state
        claimed.running = CutoverRun(
            command: plan.command.description, actor: settings.actor, startedAt: DateTimeText.iso8601(epochMilliseconds: now),
            expiresAtMilliseconds: now + Self.milliseconds(longestRun(plan)))
        claimed.revision += 1
        try await control.saveCutover(claimed, expectedRevision: state.revision)
        return claimed
    }

    /// The longest a plan's bounded waits can take, with a margin for the calls between them.
    func longestRun(_ plan: CutoverPlan) -> Duration {
        var longest: Duration = .seconds(120) + settings.longestGateMeasurement
        for step in plan.steps {
            switch step {
            case .drainForwardStream, .drainReverseStream: longest += settings.writePauseTimeout + settings.pauseSettle
            case .rampTrafficToGreen:
                for rampStep in settings.rampSteps { longest += rampStep.bake + settings.maxHold + settings.healthSampleInterval }
            default: break
            }
        }
        return longest
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    /// What `cutover status` shows.
    public func status(auditEntries: Int) async throws -> CutoverStatusReport {
        let state = try await control.loadCutover()
        let flags = try await control.loadFlags()
        let observed = await observer.observe(CutoverGate.allCases)
        return CutoverStatusReport(
            phase: state.phase, revision: state.revision, epoch: state.epochs.current.epoch.number,
            flags: .init(
                version: flags.version, readMode: flags.readMode.rawValue, writePrimary: flags.writePrimary.rawValue,
                shadowSample: flags.shadowSample, epoch: flags.epoch),
            forwardStreamPosition: try await control.forwardStreamPosition()?.orderingKey,
            reverseProgress: try await reverse.reverseProgress(),
            weights: try await traffic?.weights(),
            replication: try await replication.status(),
            gates: CutoverGates.check(CutoverGate.allCases, observed, policy: settings.gatePolicy),
            running: state.running, audit: Array(state.audit.suffix(max(0, auditEntries))))
    }
}

/// What `cutover status` prints.
public struct CutoverStatusReport: Sendable, Codable {
    public struct Flags: Sendable, Codable {
        public var version: UInt64
        public var readMode: String
        public var writePrimary: String
        public var shadowSample: Double
        public var epoch: UInt32
    }

    public var phase: CutoverPhase
    public var revision: Int
    public var epoch: UInt32
    public var flags: Flags
    public var forwardStreamPosition: String?
    public var reverseProgress: ReverseProgress?
    public var weights: TrafficWeights?
    /// Which stream the cutover lets run and what each follower confirmed (nil with `--streams manual`).
    public var replication: ReplicationStatus?
    public var gates: [GateVerdict]
    /// The command holding the cutover now, if one is.
    public var running: CutoverRun?
    public var audit: [CutoverAuditEntry]
}

/// A command that cannot start as given (what to pass instead).
public struct CutoverExecutorError: Error, Sendable, CustomStringConvertible {
    public var description: String
    /// Another operator changed the flags meanwhile: nothing is undone (it would undo theirs).
    public var isConflict: Bool

    public init(_ description: String, isConflict: Bool = false) {
        self.description = description
        self.isConflict = isConflict
    }
}

/// One run of a plan: the state it changes as it goes.
struct PlanRun {
    let executor: CutoverExecutor
    let plan: CutoverPlan
    var state: CutoverState
    let expectedRevision: Int
    var flags: ServiceFlags
    var actions: [String] = []
    /// When the plan started: each logged step says how far in it was done.
    let started = ContinuousClock.now
    var verdicts: [GateVerdict] = []
    /// When writes were paused (the deadline counts from here), and the wall time
    /// once the pause had settled (reverse drains wait for changes up to it).
    var pausedAt: ContinuousClock.Instant?
    var settledAtWall: Int64?
    var writePause: Duration?
    /// The epoch the next write-primary change opens.
    var pendingEpoch: SwitchEpoch?
    /// Set once the write primary moved to a new epoch: past here nothing is undone.
    var switched = false
    var mysqlPosition: SourcePosition?
    var resumePosition: SourcePosition?
    var reverseCheckpoints: [String: String]?
    var trafficMoved = false

    enum StepResult {
        case next
        case refused(String)
        case revert(String)
    }

    init(executor: CutoverExecutor, plan: CutoverPlan, state: CutoverState, flags: ServiceFlags) {
        self.executor = executor
        self.plan = plan
        self.state = state
        self.expectedRevision = state.revision
        self.flags = flags
    }

    var settings: CutoverSettings { executor.settings }

    mutating func execute() async throws -> CutoverReport {
        executor.log("cutover \(plan.command): \(plan.from.rawValue) -> \(plan.to.rawValue)")
        for step in plan.steps {
            let result: StepResult
            do {
                result = try await perform(step)
            } catch let error as CutoverError {
                throw error
            } catch let error as CutoverExecutorError where error.isConflict {
                throw error
            } catch {
                if switched {
                    // The new primary has every write from here on: finish recording, do not undo.
                    executor.log("after the switch, `\(step)` failed: \(error); recording the switch")
                    actions.append("FAILED after the switch: \(step): \(error)")
                    continue
                }
                return try await revert(reason: "`\(step)` failed: \(error)")
            }
            switch result {
            case .next: continue
            case .refused(let reason): return try await finish(.refused, reason: reason)
            case .revert(let reason): return try await revert(reason: reason)
            }
        }
        return try await finish(.completed, reason: settings.reason)
    }

    mutating func perform(_ step: CutoverStep) async throws -> StepResult {
        switch step {
        case .checkGates(let gates):
            let observed = await executor.observer.observe(gates)
            verdicts = CutoverGates.check(gates, observed, policy: settings.gatePolicy)
            let failed = verdicts.filter { !$0.passed }
            guard failed.isEmpty else {
                return .refused("refused by its gates: " + failed.map(\.description).joined(separator: "; "))
            }
            done("gates passed: " + verdicts.map(\.gate.rawValue).joined(separator: ", "))
        case .setReadMode(let mode):
            try await setFlags("read mode \(mode.rawValue)") { $0.readMode = BillingService.ReadMode(mode) }
        case .setShadowSample(let percent):
            try await setFlags("shadow sample \(percent)%") { $0.shadowSample = percent / 100 }
        case .setWritePrimary(.paused):
            pausedAt = .now
            try await setFlags("writes paused") { $0.writePrimary = .paused }
            try await Task.sleep(for: settings.pauseSettle)
            settledAtWall = executor.wallClock()
        case .setWritePrimary(let primary):
            let epoch = pendingEpoch
            try await setFlags("write primary \(primary.rawValue)" + (epoch.map { " in epoch \($0)" } ?? "")) {
                $0.writePrimary = BillingService.WritePrimary(primary)
                if let epoch { $0.epoch = epoch.number }
            }
            if epoch != nil { switched = true }
            pendingEpoch = nil
            if let pausedAt { writePause = ContinuousClock.now - pausedAt }
        case .drainForwardStream:
            return try await drainForward()
        case .drainReverseStream:
            return try await drainReverse()
        case .stopForwardStream:
            try await executor.replication.stopForward()
            done("forward stream stopped")
        case .startForwardStream:
            // From where MySQL's new epoch opened, before writes resumed: not from its
            // position now, which would skip the writes made since.
            let from: SourcePosition
            if let resumePosition { from = resumePosition } else { from = try await position() }
            var epochs = state.epochs
            if epochs.current.primary != .mysql { epochs.switchToMySQL(resumingAt: from) }
            try await executor.replication.startForward(from: from, epochs: epochs)
            done("forward stream resumes from \(from.orderingKey)")
        case .startReverseStream:
            try await executor.replication.startReverse(epoch: state.epochs.current.epoch.next)
            done("reverse replication started")
        case .stopReverseStream:
            try await executor.replication.stopReverse()
            done("reverse replication stopped")
        case .raiseEpoch(let primary):
            let next = state.epochs.current.epoch.next
            if primary == .mysql {
                // MySQL's new epoch counts from its position after every reverse write.
                resumePosition = try await executor.mysql.currentPosition()
            }
            pendingEpoch = next
            done("epoch \(next) opens with \(primary.rawValue) as write primary")
        case .rampTrafficToGreen:
            return try await ramp()
        case .trafficToBlue:
            try await executor.traffic?.setWeights(.allBlue)
            trafficMoved = true
            done("traffic: \(TrafficWeights.allBlue)")
        case .recordPhase:
            break  // `finish` records it
        }
        return .next
    }

    // MARK: Steps

    mutating func setFlags(_ what: String, _ change: (inout ServiceFlags) -> Void) async throws {
        var next = flags
        change(&next)
        do {
            flags = try await executor.control.updateFlags(next, expectedVersion: flags.version)
        } catch let error as StoreError where error.kind == .conflict {
            throw CutoverExecutorError(
                "the flags changed under this command (they were at version \(flags.version)): another operator or `billmig flags set` moved them; run `billmig cutover status` and decide again",
                isConflict: true)
        }
        done(what)
    }

    /// Waits until the forward stream has applied MySQL's position at the pause.
    mutating func drainForward() async throws -> StepResult {
        let target = try await position()
        let wanted = ReplicationPosition(orderingKey: target.orderingKey)
        let control = executor.control
        let drained = try await poll(until: (pausedAt ?? .now) + settings.writePauseTimeout) {
            try await control.forwardStreamPosition().map { $0 >= wanted } ?? false
        }
        guard drained else {
            return .revert(
                "the forward stream did not apply MySQL's position \(target.orderingKey) within --timeout \(settings.writePauseTimeout): is `billmig stream` running?")
        }
        done("forward stream applied MySQL's position \(target.orderingKey)")
        return .next
    }

    /// Waits until reverse replication has applied every DynamoDB change made
    /// before the pause settled (or before now, when nothing was paused).
    mutating func drainReverse() async throws -> StepResult {
        let since = settledAtWall ?? executor.wallClock()
        let reverse = executor.reverse
        var caughtUp: ReverseProgress?
        let drained = try await poll(until: (pausedAt ?? .now) + settings.writePauseTimeout) {
            caughtUp = try await reverse.reverseProgress().flatMap { $0.caughtUpThroughMilliseconds >= since ? $0 : nil }
            return caughtUp != nil
        }
        guard drained, let caughtUp else {
            return .revert(
                "reverse replication did not catch up within --timeout \(settings.writePauseTimeout): is `billmig reverse-stream` running and publishing its progress?")
        }
        reverseCheckpoints = caughtUp.checkpoints.isEmpty ? nil : caughtUp.checkpoints
        done("reverse replication caught up")
        return .next
    }

    /// Polls `reached` every poll interval: true once it holds, false when the deadline passes first.
    func poll(until deadline: ContinuousClock.Instant, _ reached: () async throws -> Bool) async throws -> Bool {
        while true {
            if try await reached() { return true }
            if ContinuousClock.now >= deadline { return false }
            try await Task.sleep(for: settings.pollInterval)
        }
    }

    /// Green's weight in baked, health-gated steps; a failing gate sends all traffic to blue.
    mutating func ramp() async throws -> StepResult {
        guard let traffic = executor.traffic, let health = executor.health else { return .revert("no load balancer or health probe") }
        var ramp = TrafficRamp(steps: settings.rampSteps, policy: settings.healthPolicy, maxHold: settings.maxHold)
        let start = ContinuousClock.now
        _ = await health.sample()  // the baseline the first sample counts from
        var action = ramp.start(now: .zero)
        while true {
            switch action {
            case .setWeights(let weights):
                trafficMoved = true
                try await traffic.setWeights(weights)
                done("traffic: \(weights)")
            case .wait:
                break
            case .rollBack(let weights, let reason):
                try await traffic.setWeights(weights)
                done("traffic: \(weights) (automatic rollback)")
                return .revert("automatic rollback: \(reason)")
            case .finished:
                return .next
            }
            try await Task.sleep(for: settings.healthSampleInterval)
            action = ramp.observe(await health.sample(), now: ContinuousClock.now - start)
        }
    }

    mutating func position() async throws -> SourcePosition {
        let position = try await executor.mysql.currentPosition()
        mysqlPosition = position
        return position
    }

    mutating func done(_ action: String) {
        actions.append(action)
        let elapsed = ContinuousClock.now - started
        executor.log("  " + String(format: "%+7.3f s  ", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) + action)
    }

    // MARK: Ending

    /// Undoes what ran: the plan's timeout steps, then the flags of the phase it
    /// started from; traffic back to blue when it had moved.
    mutating func revert(reason: String) async throws -> CutoverReport {
        executor.log("  reverting: \(reason)")
        pendingEpoch = nil
        for step in plan.onTimeout {
            _ = try await perform(step)
        }
        let (read, write) = CutoverWorkflow.flags(in: plan.from)
        if flags.readMode != BillingService.ReadMode(read) || flags.writePrimary != BillingService.WritePrimary(write) {
            try await setFlags("flags back to read mode \(read.rawValue), write primary \(write.rawValue)") {
                $0.readMode = BillingService.ReadMode(read)
                $0.writePrimary = BillingService.WritePrimary(write)
            }
        }
        if trafficMoved, plan.from != .readsSwitched, plan.from != .writesSwitched, let traffic = executor.traffic,
            try await traffic.weights() != .allBlue
        {
            try await traffic.setWeights(.allBlue)
            done("traffic: \(TrafficWeights.allBlue)")
        }
        return try await finish(.reverted, reason: reason)
    }

    /// Records the outcome with its audit entry, conditional on the revision read at the start.
    mutating func finish(_ outcome: CutoverAuditEntry.Outcome, reason: String) async throws -> CutoverReport {
        if mysqlPosition == nil { mysqlPosition = try? await executor.mysql.currentPosition() }
        let time = DateTimeText.iso8601(epochMilliseconds: executor.wallClock())
        try state.record(
            plan, outcome: outcome, at: time, reason: reason, actor: settings.actor, mysqlPosition: mysqlPosition,
            mysqlResumePosition: resumePosition, reverseCheckpoints: reverseCheckpoints)
        try await executor.control.saveCutover(state, expectedRevision: expectedRevision)
        executor.log("  recorded: \(outcome.rawValue), phase \(state.phase.rawValue)")
        return CutoverReport(
            command: plan.command.description, from: plan.from, phase: state.phase, outcome: outcome, reason: reason,
            verdicts: verdicts, actions: actions, writePauseMilliseconds: writePause.map { Double($0.components.seconds) * 1000 + Double($0.components.attoseconds) / 1e15 },
            epoch: state.epochs.current.epoch.number, revision: state.revision)
    }
}

extension BillingService.ReadMode {
    init(_ mode: CutoverCore.ReadMode) {
        switch mode {
        case .mysql: self = .mysql
        case .shadow: self = .shadow
        case .dynamodb: self = .dynamodb
        }
    }
}

extension BillingService.WritePrimary {
    init(_ primary: CutoverCore.WritePrimary) {
        switch primary {
        case .mysql: self = .mysql
        case .dynamodb: self = .dynamodb
        case .paused: self = .paused
        }
    }
}
