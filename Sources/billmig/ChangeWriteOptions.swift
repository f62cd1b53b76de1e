import ArgumentParser
import Migration

/// How the commands that apply changes (`apply`, `stream`) write them.
struct ChangeWriteOptions: ParsableArguments {
    @Option(name: .long, help: "Days a tombstone lives before its TTL removes it.")
    var tombstoneDays = ChangeApplier.Configuration.defaultTombstoneRetentionDays

    @Option(name: .long, help: "Never write more than this many write capacity units per second.")
    var maxWcu: Double?

    @Option(name: .long, help: "Writes in flight at once (ordered lanes).")
    var concurrency = 32

    @Option(name: .long, help: "Seconds the table may stay unreachable (shown on the progress line meanwhile) before the command exits 1; run it again to resume.")
    var outageTolerance: Double = 300

    func validate() throws {
        guard concurrency > 0 else { throw ValidationError("--concurrency must be positive") }
        guard tombstoneDays > 0 else { throw ValidationError("--tombstone-days must be positive") }
        if let maxWcu, maxWcu <= 0 { throw ValidationError("--max-wcu must be positive") }
        guard outageTolerance > 0 else { throw ValidationError("--outage-tolerance must be a positive number of seconds") }
    }

    /// The applier's lanes, tombstone lifetime and outage tolerance.
    var applier: ChangeApplier.Configuration {
        .init(lanes: concurrency, outageTolerance: .milliseconds(Int64(outageTolerance * 1000)), tombstoneRetentionDays: tombstoneDays)
    }
}
