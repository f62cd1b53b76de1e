import Foundation
import SampleData

/// Waits for a condition, not for a time: checks `condition` every `interval`
/// until it holds or `timeout` has passed, and says which.
func waitUntil(
    timeout: Duration, every interval: Duration = .milliseconds(100),
    _ condition: () async throws -> Bool
) async throws -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while true {
        if try await condition() { return true }
        if clock.now >= deadline { return false }
        try await Task.sleep(for: interval)
    }
}

/// Kill times for crash tests, drawn from a seed that is printed, so a failing
/// run can be repeated: `BILLMIG_TEST_SEED=<seed> swift test --filter …`.
struct KillSchedule {
    let seed: UInt64
    private var generator: SplitMix64

    init(_ test: String) {
        let given = ProcessInfo.processInfo.environment["BILLMIG_TEST_SEED"].flatMap { UInt64($0) }
        seed = given ?? UInt64.random(in: 1...UInt64(UInt32.max))
        generator = SplitMix64(seed: seed)
        print("\(test): kill times from BILLMIG_TEST_SEED=\(seed)")
    }

    /// A delay in `range`, in whole milliseconds.
    mutating func delay(in range: ClosedRange<Int>) -> Duration {
        .milliseconds(Int.random(in: range, using: &generator))
    }

    /// One of `count` processes to kill.
    mutating func victim(of count: Int) -> Int {
        Int.random(in: 0..<count, using: &generator)
    }
}
