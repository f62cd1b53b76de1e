import ArgumentParser

/// How often a long command saves its checkpoint, declared once for `load` and `stream`.
struct CheckpointOptions: ParsableArguments {
    @Option(name: .customLong("checkpoint-seconds"), help: "Seconds between checkpoint saves.")
    var seconds: Double = 5

    /// The name `load` used to take; accepted, not shown.
    @Option(name: .customLong("checkpoint-interval"), help: ArgumentHelp(visibility: .hidden))
    var legacySeconds: Double?

    /// The interval, or a validation error that names the flag.
    func interval() throws -> Duration {
        let value = legacySeconds ?? seconds
        guard value > 0 else { throw ValidationError("--checkpoint-seconds must be positive") }
        return .milliseconds(Int64(value * 1000))
    }
}
