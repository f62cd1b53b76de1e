import CutoverCore
import Testing

@Suite struct CutoverGateTests {
    let policy = CutoverGatePolicy(maxStreamLagMilliseconds: 2_000, validationMaxAgeSeconds: 600, minimumShadowCompares: 1_000)
    static let now = 1_800_000_000.0

    var healthy: CutoverObservations {
        CutoverObservations(
            now: Self.now, streamLagMilliseconds: 350,
            lastValidation: .init(passed: true, finishedAt: Self.now - 120, unsettled: 0),
            shadow: .init(compares: 5_000, mismatches: 0), greenReady: .init(ready: 2, total: 2),
            alarms: [.init(name: "billing-5xx", state: "OK"), .init(name: "ddb-throttles", state: "INSUFFICIENT_DATA")])
    }

    @Test func healthyObservationsPassEveryGate() {
        let verdicts = CutoverGates.check(CutoverGate.allCases, healthy, policy: policy)
        #expect(verdicts.count == CutoverGate.allCases.count)
        #expect(verdicts.allSatisfy { $0.passed })
    }

    @Test(arguments: [
        (CutoverGate.streamLag, "over the bound"),
        (.recentValidation, "old"),
        (.shadowClean, "need 1000"),
        (.greenReady, "not ready"),
        (.noAlarm, "billing-5xx"),
    ])
    func eachGateRefusesWithItsReason(gate: CutoverGate, expected: String) {
        var observed = healthy
        switch gate {
        case .streamLag: observed.streamLagMilliseconds = 2_001
        case .recentValidation: observed.lastValidation?.finishedAt = Self.now - 601
        case .shadowClean: observed.shadow = .init(compares: 999, mismatches: 0)
        case .greenReady: observed.greenReady = .init(ready: 1, total: 2)
        case .noAlarm: observed.alarms?[0].state = "ALARM"
        }
        let verdicts = CutoverGates.check(CutoverGate.allCases, observed, policy: policy)
        let refused = verdicts.filter { !$0.passed }
        #expect(refused.map(\.gate) == [gate])
        #expect(refused.first?.reason.contains(expected) == true, "\(refused)")
    }

    @Test func unknownAndFailedEvidenceRefuses() {
        let blank = CutoverObservations(now: Self.now)
        let verdicts = CutoverGates.check(CutoverGate.allCases, blank, policy: policy)
        #expect(verdicts.allSatisfy { verdict in !verdict.passed })
        #expect(verdicts[0].reason.contains("billmig stream"))

        var observed = healthy
        observed.lastValidation = .init(passed: false, finishedAt: Self.now, unsettled: 0)
        #expect(CutoverGates.check(.recentValidation, observed, policy: policy).reason.contains("billmig repair"))
        observed.lastValidation = .init(passed: true, finishedAt: Self.now, unsettled: 3)
        #expect(CutoverGates.check(.recentValidation, observed, policy: policy).reason.contains("3 mismatch(es) unsettled"))
        observed.shadow = .init(compares: 100_000, mismatches: 1)
        #expect(!CutoverGates.check(.shadowClean, observed, policy: policy).passed)
        observed.greenReady = .init(ready: 0, total: 0)
        #expect(!CutoverGates.check(.greenReady, observed, policy: policy).passed)
    }

    @Test func aRefusalListsEveryFailingGate() {
        var observed = healthy
        observed.streamLagMilliseconds = 9_000
        observed.alarms = [.init(name: "a", state: "ALARM"), .init(name: "b", state: "ALARM")]
        let error = CutoverError.gatesRefused(CutoverGates.check(CutoverGate.allCases, observed, policy: policy))
        #expect(error.refusedGates.map(\.gate) == [.streamLag, .noAlarm])
        #expect(error.description.contains("stream-lag: REFUSED (stream lag 9000 ms is over the bound 2000 ms"))
        #expect(error.description.contains("in ALARM: a, b"))
    }
}
