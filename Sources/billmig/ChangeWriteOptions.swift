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

    func validate() throws {
        guard concurrency > 0 else { throw ValidationError("--concurrency must be positive") }
        guard tombstoneDays > 0 else { throw ValidationError("--tombstone-days must be positive") }
        if let maxWcu, maxWcu <= 0 { throw ValidationError("--max-wcu must be positive") }
    }

    /// The applier's lanes and tombstone lifetime.
    var applier: ChangeApplier.Configuration {
        .init(lanes: concurrency, tombstoneRetentionDays: tombstoneDays)
    }
}
