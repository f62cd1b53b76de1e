import ArgumentParser
import Foundation
import Migration
import MigrationCore
import MySQLSource
import MySQLWorkload

struct WorkloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workload",
        abstract: "Write a deterministic random OLTP workload into the billing tables of a MySQL database.",
        discussion: """
            Commits --changes row changes over the six tables, keeping the foreign keys: \
            new accounts with their customer, subscribers and agreements; subscribers, bills \
            and charges; updates of statuses, amounts (credits negative), NULL <-> value and \
            free text with commas, quotes, newlines and non-ASCII; deletes of charges, \
            agreements, bills, subscribers with their agreements and small accounts with \
            every row; primary-key changes \
            (a CHARGE's charge_seq/activity_num, a SERVICE_AGREEMENT's soc, a CUSTOMER's \
            customer_id, a BILL's bill_seq_number, a subscriber_no with its agreements \
            re-inserted) and subscribers moving to another account. Some transactions end \
            in ROLLBACK on purpose: they must leave no trace downstream. updated_at is the \
            statement's NOW(3).

            With one connection, a seed and a starting database give the same statements \
            every time. Each connection works on its own share of the accounts (one \
            connection commits about a thousand changes/s on a local MariaDB: ask for \
            more with more connections). SIGINT or \
            SIGTERM stop after the transaction in flight. The summary counts committed row \
            changes by table and kind; --json prints it as JSON.
            """
    )

    @Option(name: .long, help: "The database: mysql://USER@HOST:PORT/DATABASE.")
    var to: String

    @Option(name: .long, help: "Row changes to commit.")
    var changes: Int

    @Option(name: .long, help: "Committed changes per second (default: as fast as the database goes).")
    var rate: Double?

    @Option(name: .long, help: "Seed of the generator.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Connections writing at once.")
    var connections = 1

    @Option(name: .long, help: "Percent of transactions that end in ROLLBACK (0-50).")
    var rollbackPercent = 3.0

    @Option(name: .long, help: "Accounts to change (spread over the database's accounts).")
    var accounts = 2000

    @OptionGroup var mysql: MySQLPasswordOptions

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard changes > 0 else { throw ValidationError("--changes must be positive") }
        if let rate, rate <= 0 { throw ValidationError("--rate must be positive") }
        guard (1...64).contains(connections) else { throw ValidationError("--connections must be 1-64") }
        // Above half, committing the requested changes takes too long to be a workload.
        guard (0...50).contains(rollbackPercent) else { throw ValidationError("--rollback-percent must be 0-50") }
        guard accounts > 0 else { throw ValidationError("--accounts must be positive") }
    }

    func run() async throws {
        let connection = try mysql.configuration(url: to, flag: "--to")
        let runner = WorkloadRunner(configuration: WorkloadConfiguration(
            changes: changes, ratePerSecond: rate, connections: connections, seed: seed, workingSetAccounts: accounts,
            mix: WorkloadMix(rollbackPercent: rollbackPercent)))
        let stop = StopSignal()
        let status = StatusLine(quiet: output.quiet)
        let summary: WorkloadSummary
        do {
            defer { status.finish() }
            summary = try await withStopOnSignals(stop, announce: !output.quiet) {
                try await runner.run(
                    connect: { try await MySQLConnection.connect(connection) },
                    shouldStop: { stop.isStopped },
                    progress: { progress in
                        status.show("workload: \(progress.committedChanges)/\(progress.requestedChanges) changes committed, "
                            + "\(progress.committedTransactions) transactions (+\(progress.rolledBackTransactions) rolled back), "
                            + String(format: "%.0f changes/s", progress.changesPerSecond))
                    })
            }
        } catch let error as WorkloadError {
            throw CommandError(error.description)
        }
        if output.json {
            try output.printJSON(summary)
        } else {
            print(WorkloadSummaryText.render(summary))
        }
    }
}

enum WorkloadSummaryText {
    static func render(_ summary: WorkloadSummary) -> String {
        let kinds = WorkloadChangeKind.allCases
        var table = TextTable(["table"] + kinds.map(\.rawValue) + ["total"])
        var totals = [Int](repeating: 0, count: kinds.count)
        for name in MySQLSampleWriter.insertOrder.map(\.name) {
            let counts = kinds.map { summary.changes[name]?[$0.rawValue] ?? 0 }
            for (index, count) in counts.enumerated() { totals[index] += count }
            table.add([name] + counts.map(String.init) + [String(counts.reduce(0, +))])
        }
        table.add(["TOTAL"] + totals.map(String.init) + [String(totals.reduce(0, +))])
        let rate = summary.requestedRate.map { String(format: " (asked %.0f/s)", $0) } ?? ""
        var lines = [
            "billmig workload -> \(summary.target): \(summary.committedChanges) of \(summary.requestedChanges) changes committed"
                + (summary.stoppedEarly ? " (stopped early)" : "")
                + " in \(String(format: "%.1f", summary.elapsedSeconds)) s, \(String(format: "%.0f", summary.changesPerSecond)) changes/s\(rate)",
            "",
            table.render(),
            "",
            "transactions: \(summary.committedTransactions) committed, \(summary.rolledBackTransactions) rolled back "
                + "(\(summary.rolledBackChanges) changes undone), \(summary.retriedTransactions) retried after a deadlock",
            "seed \(summary.seed), \(summary.connections) connection(s), \(summary.workingSetAccounts) accounts in the working set",
        ]
        if summary.unexpectedRowCounts > 0 {
            lines.append("note: \(summary.unexpectedRowCounts) statements changed another number of rows than planned (another writer, or an UPDATE that changed nothing)")
        }
        return lines.joined(separator: "\n")
    }
}
