import BillingModel
import DynamoDBModel
import Migration
import SampleData

/// The deterministic generator of the property-style tests: SampleData's SplitMix64.
public typealias SeededGenerator = SplitMix64

/// A random history of SUBSCRIBER rows: inserts (including re-inserts of deleted
/// keys), updates, deletes and primary-key changes (a new `subscriber_no` or
/// `ban`, so a new PK/SK), each at the next change-sequence position, with the
/// source table it leaves behind.
public struct ChangeWorkload {
    public var changes: [SourceChange] = []
    /// The source rows at the end, by `subscriber_no`.
    public var liveRows: [String: SourceRow] = [:]

    public static let table = "SUBSCRIBER"

    public static func row(_ number: String, ban: Int, status: String, plan: String, sequence: Int) -> SourceRow {
        let time = "2024-03-01 10:00:\(String(format: "%02d", sequence % 60)).\(String(format: "%03d", sequence % 1000))"
        return [
            .text(number), .text(String(ban)), .text(status), .text("2024-03-01"), .text("C"), .text(plan),
            sequence % 3 == 0 ? .null : .text("2024-01-15"), .text("2024-01-01 00:00:00.000"), .text(time),
        ]
    }

    public init(seed: UInt64, count: Int, keys: Int) {
        var random = SeededGenerator(seed: seed)
        let pool = (0..<keys).map { "555\(String(format: "%04d", $0))" }
        for sequence in 1...count {
            let position = SourcePosition.changeSequence(String(sequence))
            let origin = RowOrigin(source: "workload", line: sequence)
            let free = pool.filter { liveRows[$0] == nil }
            let roll = Int.random(in: 0..<100, using: &random)
            if liveRows.isEmpty || (roll < 30 && !free.isEmpty) {
                let number = free.randomElement(using: &random)!
                let row = Self.row(number, ban: Int.random(in: 1...5, using: &random), status: "A", plan: "PLAN1", sequence: sequence)
                liveRows[number] = row
                changes.append(SourceChange(table: Self.table, operation: .insert, row: row, position: position, origin: origin))
                continue
            }
            let number = liveRows.keys.sorted().randomElement(using: &random)!
            let old = liveRows[number]!
            let ban = Int(old[1].text!)!
            if roll < 70 {
                let row = Self.row(
                    number, ban: ban, status: ["A", "S", "C"].randomElement(using: &random)!,
                    plan: "PLAN\(Int.random(in: 1...9, using: &random))", sequence: sequence)
                liveRows[number] = row
                changes.append(SourceChange(
                    table: Self.table, operation: .update, row: row, before: old, position: position, origin: origin))
            } else if roll < 88 || free.isEmpty {
                liveRows[number] = nil
                changes.append(SourceChange(table: Self.table, operation: .delete, row: old, position: position, origin: origin))
            } else {
                // A primary-key change: a new subscriber number, sometimes a new account too.
                let newNumber = free.randomElement(using: &random)!
                let newBan = Bool.random(using: &random) ? ban : Int.random(in: 1...5, using: &random)
                let row = Self.row(newNumber, ban: newBan, status: "A", plan: "PLAN2", sequence: sequence)
                liveRows[number] = nil
                liveRows[newNumber] = row
                changes.append(SourceChange(
                    table: Self.table, operation: .update, row: row, before: old, position: position, origin: origin))
            }
        }
    }

    /// The table after applying every write of `changes` in order, one by one,
    /// with the version rule: the reference the applier must reach.
    public static func reference(_ changes: [SourceChange], mapper: ItemMapper, ttl: Int64) throws -> [ItemKey: Item] {
        var table: [ItemKey: Item] = [:]
        for change in changes {
            for write in try mapper.map(change) {
                guard VersionedItems.mayReplace(table[write.key], with: write.version) else { continue }
                switch write.action {
                case .put(let item): table[write.key] = item
                case .tombstone: table[write.key] = VersionedItems.tombstone(key: write.key, version: write.version, ttl: ttl)
                }
            }
        }
        return table
    }
}
