import ArgumentParser
import DynamoDB
import Foundation
import Migration

struct TableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table",
        abstract: "Create, describe or delete the single table.",
        subcommands: [Create.self, Describe.self, Delete.self]
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
            let definition = TableDefinition.billingSystem(name: table, billingMode: try billingMode())
            let outcome = try await Runtime.with { runtime in
                try await TableSetup(client: try runtime.dynamoDB()).ensure(definition)
            }
            if output.json {
                try output.printJSON(TableReport(outcome.description, created: outcome.created))
            } else {
                print("table \(table): \(outcome.created ? "created" : "already there"), \(outcome.description.status.rawValue), TTL on `TTL`")
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
