import ArgumentParser
import BillingModel
import Cutover
import Foundation
import Migration
import MigrationCore
import Validation
import ValidationCore

struct RepairCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Put right what a validation report names, never overwriting a newer change.",
        discussion: """
            Reads the JSON report of `billmig validate --report FILE`, re-reads each named \
            row from MySQL and writes it again; an extra item whose row is not in the source \
            becomes a tombstone. Every write is conditional on the item's source version \
            being older than the source's binlog position read before the rows, as the \
            change stream's writes are, so a change that lands meanwhile always wins. \
            Orphans are left to their parent's repair. Run validate again afterwards.

            Exit status: 0 every named item repaired (or already newer); 4 some could not \
            be; 1 failed.
            """
    )

    @OptionGroup var source: MySQLSourceOptions

    @Option(name: .long, help: "The JSON report written by `billmig validate --report`.")
    var report: String

    @Option(name: .long, help: "Writes in flight at once.")
    var concurrency = 8

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard source.isMySQL else { throw ValidationError("--from must be a mysql:// URL") }
        guard concurrency > 0 else { throw ValidationError("--concurrency must be positive") }
    }

    func run() async throws {
        let (connection, _, mapping) = try await source.resolveVerified()
        let validation: ValidationReport
        do {
            validation = try JSONDecoder().decode(ValidationReport.self, from: Data(contentsOf: URL(fileURLWithPath: report)))
        } catch {
            throw CommandError("--report \(report): not a validation report: \(error)")
        }
        if validation.table != source.table {
            throw CommandError("the report is of table \(validation.table), not \(source.table)")
        }
        if validation.mismatchesOmitted > 0 {
            note("repair: the report lists \(validation.mismatches.count) of \(validation.mismatchCount) mismatches; "
                + "validate again after this repair for the rest.")
        }
        let summary = try await Runtime.with(maxConnections: concurrency) { runtime in
            let epochs = try await CutoverEpochs(control: DynamoDBCutoverControl(client: try runtime.dynamoDB(), tableName: source.table))
                .switchEpochs()
            let repairer = Repairer(
                table: source.table, mapping: mapping, source: connection, dynamoDB: try runtime.dynamoDB(),
                target: try runtime.writeTarget(table: source.table),
                applyConfiguration: ChangeApplier.Configuration(lanes: concurrency), epochs: epochs)
            return try await repairer.run(report: validation)
        }
        if output.json {
            try output.printJSON(summary)
        } else {
            var table = TextTable(["action", "items"])
            table.add(["rewritten from the source", String(summary.rewritten)])
            table.add(["extra, replaced by a tombstone", String(summary.tombstoned)])
            table.add(["extra of no entity, deleted", String(summary.deleted)])
            table.add(["skipped, a newer change is there", String(summary.skippedNewer)])
            table.add(["orphans, left to their parent", String(summary.leftAlone)])
            table.add(["failed", String(summary.failures.count)])
            print("Repair of \(source.table) from \(report) at source version \(summary.version)")
            print(table.render())
            for failure in summary.failures.prefix(20) { print("  failed: \(failure)") }
            print("Run `billmig validate` again to confirm.")
        }
        if !summary.failures.isEmpty { throw ExitCode(ExitStatus.mismatches.rawValue) }
    }
}
