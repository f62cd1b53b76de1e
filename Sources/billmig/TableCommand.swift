import ArgumentParser
import DynamoDB
import Foundation
import Infrastructure
import Migration
import Synchronization

struct TableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table",
        abstract: "Create, describe or delete the single table.",
        subcommands: [Create.self, Describe.self, Count.self, Delete.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the table (PK/SK, GSI1, GSI2, TTL on `TTL`) and wait until it is ACTIVE.",
            discussion: "Idempotent: an existing table is left as it is, its TTL turned on if it was off."
        )

        @Option(name: .long, help: "The DynamoDB table.")
        var table = "BillingSystem"

        @Option(name: .long, help: "Provisioned capacity as RCU,WCU (GSIs get the same); on-demand by default.")
        var provisioned: String?

        @Option(name: .long, help: "A mapping file whose target keys and indexes the table gets; the billing mapping by default.")
        var mapping: String?

        @Flag(name: .long, help: "Also enable the table's stream with NEW_AND_OLD_IMAGES (what `reverse-stream` reads for a rollback).")
        var stream = false

        @OptionGroup var output: OutputOptions

        func billingMode() throws -> BillingMode {
            guard let provisioned else { return .onDemand }
            let parts = provisioned.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2, let rcu = parts[0], let wcu = parts[1], rcu > 0, wcu > 0 else {
                throw ValidationError("--provisioned takes RCU,WCU as two positive whole numbers, e.g. 100,500")
            }
            return .provisioned(ProvisionedThroughput(readCapacityUnits: rcu, writeCapacityUnits: wcu))
        }

        func validate() throws { _ = try billingMode() }

        func run() async throws {
            // The same definition `infra render` writes into the table stack.
            let definition = TableDefinition(mapping: try loadMapping(path: mapping), name: table, billingMode: try billingMode())
            let (stream, tableName) = (self.stream, table)
            let outcome = try await Runtime.with { runtime in
                let dynamoDB = try runtime.dynamoDB()
                let outcome = try await TableSetup(client: dynamoDB).ensure(definition)
                // An enabled stream is left as it is (enabling it twice is an error).
                if stream, try await dynamoDB.describeTable(tableName).latestStreamArn == nil {
                    _ = try await dynamoDB.enableStream(tableName)
                }
                return outcome
            }
            if output.json {
                try output.printJSON(TableReport(outcome.description, created: outcome.created))
            } else {
                print(
                    "table \(table): \(outcome.created ? "created" : "already there"), \(outcome.description.status.rawValue), TTL on `TTL`"
                        + (stream ? ", stream NEW_AND_OLD_IMAGES" : ""))
            }
        }
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the table's status, capacity mode, indexes and item count.")

        @Option(name: .long, help: "The DynamoDB table.")
        var table = "BillingSystem"

        @OptionGroup var output: OutputOptions

        func run() async throws {
            let description = try await Runtime.with { runtime in try await runtime.dynamoDB().describeTable(table) }
            let report = TableReport(description, created: false)
            if output.json {
                try output.printJSON(report)
            } else {
                print("table \(report.name): \(report.status), \(report.billingMode), about \(report.itemCount ?? 0) items")
                for index in report.indexes { print("  \(index)") }
            }
        }
    }

    struct Count: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Count the items by reading the whole table with a parallel Scan.",
            discussion: """
                Exact where `describe` is an estimate DynamoDB refreshes every few hours, and the \
                reference rate a validation is measured against (the bare Scan of the same table).
                """)

        @Option(name: .long, help: "The DynamoDB table.")
        var table = "BillingSystem"

        @Option(name: .long, help: "Parallel Scan segments.")
        var segments = 8

        @OptionGroup var output: OutputOptions

        struct Report: Encodable {
            var table: String
            var items: Int
            var segments: Int
            var seconds: Double
            var itemsPerSecond: Double
        }

        func run() async throws {
            guard segments >= 1 else { throw ValidationError("--segments must be at least 1") }
            let clock = ContinuousClock()
            let start = clock.now
            let counted = ItemCounter()
            try await Runtime.with { runtime in
                try await runtime.dynamoDB().parallelScan(ScanInput(tableName: table), totalSegments: segments) { _, page in
                    counted.add(page.items.count)
                }
            }
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let report = Report(
                table: table, items: counted.total, segments: segments, seconds: seconds,
                itemsPerSecond: seconds > 0 ? Double(counted.total) / seconds : 0)
            if output.json {
                try output.printJSON(report)
            } else {
                print("table \(table): \(report.items) items (parallel Scan, \(segments) segments, \(String(format: "%.1f", seconds)) s, \(Int(report.itemsPerSecond)) items/s)")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete the table (asks for --yes).")

        @Option(name: .long, help: "The DynamoDB table.")
        var table = "BillingSystem"

        @Flag(name: .long, help: "Really delete it.")
        var yes = false

        func run() async throws {
            guard yes else { throw ValidationError("deleting \(table) loses its data: add --yes to confirm") }
            try await Runtime.with { runtime in try await runtime.dynamoDB().deleteTable(table) }
            print("table \(table): deleted")
        }
    }
}

/// What `table create --json` and `table describe --json` print.
struct TableReport: Encodable {
    var name: String
    var status: String
    var billingMode: String
    var itemCount: Int?
    var indexes: [String]
    var created: Bool

    init(_ description: TableDescription, created: Bool) {
        name = description.name
        status = description.status.rawValue
        switch description.billingMode {
        case .onDemand: billingMode = "PAY_PER_REQUEST"
        case .provisioned(let throughput):
            billingMode = "PROVISIONED \(throughput.readCapacityUnits) RCU, \(throughput.writeCapacityUnits) WCU"
        }
        itemCount = description.itemCount
        indexes = description.globalSecondaryIndexes.map { "\($0.name) \($0.status.rawValue)" }
        self.created = created
    }
}

/// A running total shared by concurrent Scan segments.
final class ItemCounter: Sendable {
    private let count = Mutex(0)
    func add(_ items: Int) { count.withLock { $0 += items } }
    var total: Int { count.withLock { $0 } }
}
