import BillingModel
import BillingService
import Cutover
import CutoverCore
import Synchronization
import TrafficSwitch

/// A value several tasks read and change.
final class Shared<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    init(_ value: Value) { storage = Mutex(value) }
    var value: Value {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
    func update(_ change: (inout Value) -> Void) { storage.withLock { change(&$0) } }
}

/// The control items in memory, conditional as DynamoDB's are. `publishOnPause`
/// stands for a forward stream that applies MySQL's position once writes stop.
final class MemoryControl: CutoverControlStore, ReverseProgressSource, Sendable {
    let state = Shared(CutoverState())
    let flags = Shared(ServiceFlags())
    let flagHistory = Shared<[ServiceFlags]>([])
    let forward = Shared<ReplicationPosition?>(nil)
    let reverse = Shared<ReverseProgress?>(nil)
    let publishOnPause = Shared<ReplicationPosition?>(nil)
    /// Another operator's save, just before ours.
    let raceOnSave = Shared(false)

    func loadCutover() async throws -> CutoverState { state.value }

    func saveCutover(_ next: CutoverState, expectedRevision: Int) async throws {
        if raceOnSave.value { state.update { $0.revision += 1 } }
        let found = state.value.revision
        guard found == expectedRevision else { throw CutoverError.staleState(expected: expectedRevision, found: found) }
        state.value = next
    }

    func loadFlags() async throws -> ServiceFlags { flags.value }

    func updateFlags(_ next: ServiceFlags, expectedVersion: UInt64) async throws -> ServiceFlags {
        guard flags.value.version == expectedVersion else { throw StoreError(.conflict, "the flags changed") }
        var stored = next
        stored.version = expectedVersion + 1
        flags.value = stored
        flagHistory.update { $0.append(stored) }
        if stored.writePrimary == .paused, let position = publishOnPause.value { forward.value = position }
        return stored
    }

    func forwardStreamPosition() async throws -> ReplicationPosition? { forward.value }

    func reverseProgress() async throws -> ReverseProgress? { reverse.value }
}

struct FixedPosition: MySQLPositionSource {
    let position: SourcePosition
    func currentPosition() async throws -> SourcePosition { position }
}

struct FailingPosition: MySQLPositionSource {
    func currentPosition() async throws -> SourcePosition { throw CutoverExecutorError("no binlog here") }
}

struct FixedObserver: CutoverObserver {
    let observations: Shared<CutoverObservations>
    func observe(_ gates: [CutoverGate]) async -> CutoverObservations { observations.value }

    /// Every gate passes.
    static var passing: CutoverObservations {
        CutoverObservations(
            now: 1_000_000, streamLagMilliseconds: 200, lastValidation: .init(passed: true, finishedAt: 999_900, unsettled: 0),
            shadow: .init(compares: 5_000, mismatches: 0), greenReady: .init(ready: 2, total: 2), alarms: [])
    }
}

final class RecordingReplication: ReplicationControl, Sendable {
    let calls = Shared<[String]>([])
    func stopForward() async throws { calls.update { $0.append("stop forward") } }
    func startForward(from position: SourcePosition, epochs: SwitchEpochHistory) async throws {
        calls.update { $0.append("start forward from \(position.orderingKey) in epoch \(epochs.current.epoch)") }
    }
    func startReverse(epoch: SwitchEpoch) async throws { calls.update { $0.append("start reverse \(epoch)") } }
    func stopReverse() async throws { calls.update { $0.append("stop reverse") } }
    func status() async throws -> ReplicationStatus? { nil }
}

final class MemoryTraffic: TrafficSwitch, Sendable {
    let current = Shared(TrafficWeights.allBlue)
    let history = Shared<[TrafficWeights]>([])
    func setWeights(_ weights: TrafficWeights) async throws {
        current.value = weights
        history.update { $0.append(weights) }
    }
    func weights() async throws -> TrafficWeights { current.value }
    func status() async throws -> TrafficStatus {
        let up = BackendStatus(healthyTargets: 1, totalTargets: 1, states: ["UP"])
        return TrafficStatus(blue: up, green: up)
    }
}

/// Green's health as the test says; `failAt` turns it bad once green has that share.
struct ScriptedHealth: GreenHealthProbe {
    let traffic: MemoryTraffic
    var failAtGreenPercent: Int?
    func sample() async -> HealthSample {
        if let failAtGreenPercent, traffic.current.value.green >= failAtGreenPercent {
            return HealthSample(requests: 100, errors: 30, p99Milliseconds: 20, ready: true)
        }
        return HealthSample(requests: 100, errors: 0, p99Milliseconds: 20, ready: true)
    }
}

/// An executor over doubles, quick bounds.
struct Harness {
    let control = MemoryControl()
    let observations = Shared(FixedObserver.passing)
    let replication = RecordingReplication()
    let traffic = MemoryTraffic()
    let mysqlAtPause = SourcePosition.binlog(fileSequence: 3, position: 4_000, rowIndex: 0)
    var failAtGreenPercent: Int?
    var timeout: Duration = .milliseconds(300)

    func executor(withTraffic: Bool = true) -> CutoverExecutor {
        var settings = CutoverSettings(actor: "tester@host", reason: "test")
        settings.writePauseTimeout = timeout
        settings.pauseSettle = .milliseconds(5)
        settings.pollInterval = .milliseconds(5)
        settings.rampSteps = [0, 50, 100].map { TrafficRamp.Step(greenPercent: $0, bake: .milliseconds(10)) }
        settings.healthSampleInterval = .milliseconds(5)
        settings.maxHold = .milliseconds(200)
        return CutoverExecutor(
            control: control, observer: FixedObserver(observations: observations), mysql: FixedPosition(position: mysqlAtPause),
            reverse: control, replication: replication, traffic: withTraffic ? traffic : nil,
            health: withTraffic ? ScriptedHealth(traffic: traffic, failAtGreenPercent: failAtGreenPercent) : nil, settings: settings,
            wallClock: { 1_000_000_000 })
    }

    /// The forward stream publishes MySQL's position at the pause once writes stop.
    func streamDrainsOnPause() {
        control.publishOnPause.value = ReplicationPosition(orderingKey: mysqlAtPause.orderingKey)
    }

    /// replicating -> shadow -> reads-switched (-> writes-switched).
    func advance(to phase: CutoverPhase) async throws {
        let executor = executor()
        _ = try await executor.run(.shadow(samplePercent: 5))
        if phase == .shadow { return }
        _ = try await executor.run(.switchReads)
        if phase == .readsSwitched { return }
        streamDrainsOnPause()
        _ = try await executor.run(.switchWrites)
    }
}
