import ArgumentParser
import BillingModel
import DynamoDBModel
import Foundation
import Migration

struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Answer the access patterns of the contract (§3) from the table.",
        discussion: "Items print one per line as JSON (numbers as exact decimal text); `all` runs every pattern for one account.",
        subcommands: [
            Account.self, Entity.self, Subscriber.self, SubscriberCharges.self, CycleBills.self, FeatureCharges.self,
            All.self, AnyAccount.self,
        ]
    )

    struct TableOption: ParsableArguments {
        @Option(name: .long, help: "The DynamoDB table.")
        var table = "BillingSystem"
    }

    struct Range: ParsableArguments {
        @Option(name: .long, help: "First date, YYYY-MM-DD (inclusive).")
        var from: String
        @Option(name: .long, help: "Last date, YYYY-MM-DD (inclusive).")
        var to: String

        func validate() throws {
            guard DateTimeText.isValidDate(from), DateTimeText.isValidDate(to) else {
                throw ValidationError("--from and --to take dates as YYYY-MM-DD")
            }
        }
    }

    static func run(_ pattern: AccessPattern, table: String) async throws {
        let items = try await Runtime.with { runtime in
            try await AccessPatternReader(client: try runtime.dynamoDB(), tableName: table).items(pattern)
        }
        for item in items { print(ItemText.json(item)) }
        note("\(items.count) item(s)")
    }

    struct Account: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "1. Everything for a billing account.")
        @Option(name: .long, help: "The billing account number.") var ban: UInt64
        @OptionGroup var table: TableOption
        func run() async throws { try await QueryCommand.run(.account(ban: ban), table: table.table) }
    }

    struct Entity: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "2. One entity of an account, by sort key (ACCOUNT, CUSTOMER, SUB#…, BILL#…).")
        @Option(name: .long, help: "The billing account number.") var ban: UInt64
        @Option(name: .long, help: "The item's sort key.") var sk = "ACCOUNT"
        @OptionGroup var table: TableOption
        func run() async throws { try await QueryCommand.run(.accountEntity(ban: ban, sortKey: sk), table: table.table) }
    }

    struct Subscriber: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "3. A subscriber with its service agreements (GSI1).")
        @Option(name: .long, help: "The subscriber number.") var subscriber: String
        @OptionGroup var table: TableOption
        func run() async throws { try await QueryCommand.run(.subscriber(subscriberNo: subscriber), table: table.table) }
    }

    struct SubscriberCharges: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "4. A subscriber's charges in a date range (GSI1).")
        @Option(name: .long, help: "The subscriber number.") var subscriber: String
        @OptionGroup var range: Range
        @OptionGroup var table: TableOption
        func run() async throws {
            try await QueryCommand.run(.subscriberCharges(subscriberNo: subscriber, from: range.from, to: range.to), table: table.table)
        }
    }

    struct CycleBills: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "5. Bills of a cycle whose cycle closed in a date range (GSI2).")
        @Option(name: .long, help: "The cycle code.") var cycle: String
        @OptionGroup var range: Range
        @OptionGroup var table: TableOption
        func run() async throws {
            try await QueryCommand.run(.cycleBills(cycleCode: cycle, from: range.from, to: range.to), table: table.table)
        }
    }

    struct FeatureCharges: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "6. Charges of a feature code in a date range (GSI2).")
        @Option(name: .long, help: "The feature code (VOICE, DATA, …).") var feature: String
        @OptionGroup var range: Range
        @OptionGroup var table: TableOption
        func run() async throws {
            try await QueryCommand.run(.featureCharges(featureCode: feature, from: range.from, to: range.to), table: table.table)
        }
    }

    struct AnyAccount: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "any-account", abstract: "Print the number of some account in the table.")
        @OptionGroup var table: TableOption
        func run() async throws {
            let ban = try await Runtime.with { runtime in
                try await AccessPatternReader(client: try runtime.dynamoDB(), tableName: table.table).anyAccount()
            }
            guard let ban else { throw CommandError("no account item in \(table.table)") }
            print(ban)
        }
    }

    struct All: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every access pattern for one account, its first subscriber, cycle and feature code.")
        @Option(name: .long, help: "The billing account number.") var ban: UInt64
        @Option(name: .long, help: "Items shown per pattern.") var show = 3
        @OptionGroup var table: TableOption

        func run() async throws {
            try await Runtime.with { runtime in
                let reader = AccessPatternReader(client: try runtime.dynamoDB(), tableName: table.table)
                let everything = try await reader.items(.account(ban: ban))
                guard !everything.isEmpty else { throw CommandError("account \(ban) has no items in \(table.table)") }
                func section(_ title: String, _ items: [Item]) {
                    print("\n\(title): \(items.count) item(s)")
                    for item in items.prefix(show) { print("  " + ItemText.json(item)) }
                    if items.count > show { print("  …") }
                }
                let byType = Dictionary(grouping: everything) { $0["EntityType"]?.stringValue ?? "?" }
                section("1. account \(ban), all items (" + byType.keys.sorted().map { "\($0) \(byType[$0]!.count)" }.joined(separator: ", ") + ")", everything)
                section("2. GetItem BAN#\(ban) / CUSTOMER", try await reader.items(.accountEntity(ban: ban, sortKey: "CUSTOMER")))
                let charges = byType["CHARGE", default: []]
                let dates = charges.compactMap { $0["charge_creation_date"]?.stringValue }.sorted()
                let (from, to) = (dates.first ?? "2024-01-01", dates.last ?? "2024-12-31")
                if let subscriber = byType["SUBSCRIBER"]?.first?["subscriber_no"]?.stringValue {
                    section("3. subscriber \(subscriber) with service agreements", try await reader.items(.subscriber(subscriberNo: subscriber)))
                    section("4. charges of \(subscriber) from \(from) to \(to)",
                            try await reader.items(.subscriberCharges(subscriberNo: subscriber, from: from, to: to)))
                }
                if let bill = byType["BILL"]?.first, let cycle = bill["cycle_code"]?.stringValue,
                   let closed = bill["cycle_close_date"]?.stringValue {
                    section("5. bills of cycle \(cycle) closed on \(closed)", try await reader.items(.cycleBills(cycleCode: cycle, from: closed, to: closed)))
                }
                if let feature = charges.first?["feature_code"]?.stringValue, let day = charges.first?["charge_creation_date"]?.stringValue {
                    section("6. charges of feature \(feature) on \(day)", try await reader.items(.featureCharges(featureCode: feature, from: day, to: day)))
                }
            }
        }
    }
}

/// Items as one-line JSON for people and scripts: S and N as strings, in key order.
enum ItemText {
    static func json(_ item: Item) -> String {
        "{" + item.keys.sorted().map { "\(quote($0)): \(value(item[$0]!))" }.joined(separator: ", ") + "}"
    }

    static func value(_ value: AttributeValue) -> String {
        switch value {
        case .s(let text), .n(let text): return quote(text)
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        case .b(let bytes): return quote(Data(bytes).base64EncodedString())
        case .l(let values): return "[" + values.map(Self.value).joined(separator: ", ") + "]"
        case .m(let map): return json(map)
        case .ss(let texts), .ns(let texts): return "[" + texts.map(quote).joined(separator: ", ") + "]"
        case .bs(let values): return "[" + values.map { quote(Data($0).base64EncodedString()) }.joined(separator: ", ") + "]"
        }
    }

    static func quote(_ text: String) -> String {
        let data = try? JSONEncoder().encode(text)
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }
}
