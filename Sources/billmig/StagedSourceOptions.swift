import ArgumentParser
import BillingModel
import DMSStaging

/// Where a command reads DMS-staged files, which table it writes, with which
/// mapping, and where it keeps its state: shared by `load` and `apply`.
struct StagedSourceOptions: ParsableArguments {
    @Option(name: .long, help: "Where DMS staged the files: s3://BUCKET/PREFIX, or a local folder.")
    var from: String

    @Option(name: .long, help: "The DynamoDB table.")
    var table = "BillingSystem"

    @Option(name: .long, help: "A mapping file (JSON, see docs/mapping-format.md); the billing mapping by default.")
    var mapping: String?

    @Option(name: .long, help: "Where checkpoints and dead letters are kept (s3://… or a folder). Default: {from}/_billmig/{table}/.")
    var state: String?

    /// The parsed source and state locations and the mapping.
    func resolve() throws -> (source: StagingLocation, state: StagingLocation, mapping: Mapping) {
        let source = try StagingLocation(parsing: from)
        let stateLocation = try state.map(StagingLocation.init(parsing:)) ?? source.appending("_billmig/\(table)")
        return (source, stateLocation, try loadMapping(path: mapping))
    }
}
