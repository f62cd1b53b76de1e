import Foundation
import PlanCore

/// The plan as a person reads it: tables like the other commands' summaries.
enum PlanText {
    static func render(_ report: PlanReport) -> String {
        let sample = report.sampleFraction < 1
            ? " (a \(PlanFormat.percent(report.sampleFraction)) sample of the "
                + (report.sampleUnit == .files ? "staged bytes, whole files" : "accounts") + ", figures scaled up)" : ""
        var lines = [
            "billmig plan \(report.source): \(report.totals.rowsRead) rows read in \(String(format: "%.1f", report.elapsedSeconds)) s\(sample)",
            "load duration \(PlanFormat.duration(report.durationSeconds)); one partition takes \(Int(report.limits.partitionWriteUnitsPerSecond)) WCU/s; items up to \(report.limits.itemBytes / 1024) KB",
            "",
        ]

        var entities = TextTable([
            "entity", "rows", "items", "dead letters", "p50 B", "p99 B", "max B", ">400KB", "near", "table WCU", "index WCU", "storage",
        ])
        for e in report.entities {
            entities.add([
                e.entity, String(e.rowsRead), String(e.items), String(e.deadLetters), String(e.sizes.p50), String(e.sizes.p99),
                String(e.sizes.max), String(e.oversized), String(e.nearLimit), String(e.tableWriteUnits),
                String(e.indexWriteUnits.values.reduce(0, +)), bytes(e.storageBytes),
            ])
        }
        lines.append(entities.render())
        lines.append("")

        var keys = TextTable(["key", "items", "WCU", "distinct PKs", "hottest PK", "share", "WCU/s at duration", "hot at index WCU/s"])
        for key in report.keys {
            let top = key.topByWriteUnits.first
            let distinct = key.distinctPartitionKeys
            keys.add([
                key.name, String(key.items), String(key.writeUnits),
                (distinct.exact ? "" : distinct.lowerBound ? ">=" : "~") + String(distinct.count),
                top?.key ?? "", top.map { PlanFormat.percent($0.shareOfWrites) } ?? "", top.map { PlanFormat.number($0.writeUnitsPerSecond) } ?? "",
                top?.indexRateAtPartitionLimit.map(PlanFormat.number) ?? "",
            ])
        }
        lines.append(keys.render())
        for key in report.keys {
            lines.append("\(key.name) top by items: " + key.topByItems.map { "\($0.key) \($0.value)\(bound($0))" }.joined(separator: ", "))
            lines.append("\(key.name) top by bytes: " + key.topByBytes.map { "\($0.key) \(bytes($0.value))\(bound($0))" }.joined(separator: ", "))
        }
        lines.append("")

        let t = report.totals
        let c = report.costs
        lines += [
            "write units: \(t.writeUnits) (table \(t.tableWriteUnits), indexes \(t.indexWriteUnits)); validation scan: \(t.validationReadUnits) read units; storage \(bytes(t.storageBytes)) (table \(bytes(t.tableStorageBytes)))",
            "cost (\(c.currency), prices of \(c.pricesDate), \(c.pricesRegion)): on demand load \(money(c.onDemandLoad)) + validation \(money(c.onDemandValidation)); provisioned \(c.provisionedWriteCapacity) WCU for \(PlanFormat.duration(report.durationSeconds)) \(money(c.provisionedLoad)) + \(c.provisionedReadCapacity) RCU \(money(c.provisionedValidation)); storage \(money(c.storagePerMonth))/month",
        ]
        for e in report.entities {
            for item in e.oversizedItems { lines.append("over 400 KB: \(e.entity) \(item.key) (\(item.bytes) bytes)") }
            for item in e.nearLimitItems { lines.append("within 10% of 400 KB: \(e.entity) \(item.key) (\(item.bytes) bytes)") }
        }
        if !report.collisionCheckComplete { lines.append("colliding keys were checked over the first items only (memory bound)") }
        if !report.warnings.isEmpty {
            lines.append("")
            lines.append("warnings:")
            for warning in report.warnings {
                lines.append("! \(warning.message)")
                lines.append("  -> \(warning.action)")
            }
        }
        let advice = report.advice.entityMaxWriteUnitsPerSecond.sorted { $0.key < $1.key }
        if !advice.isEmpty {
            lines.append("")
            lines.append("`load --plan FILE` (this report saved with --json) caps each entity so its hottest key stays under \(PlanFormat.percent(report.limits.headroom)) of a partition: "
                + advice.map { "\($0.key) \(PlanFormat.number($0.value)) WCU/s" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }

    static func bound(_ key: PlanReport.TopKey) -> String { key.maxError > 0 ? " (+<=\(key.maxError))" : "" }
    static func money(_ value: Double) -> String { String(format: value < 1 ? "%.4f" : "%.2f", value) }

    static func bytes(_ value: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var amount = Double(value)
        var unit = 0
        while amount >= 1024, unit < units.count - 1 {
            amount /= 1024
            unit += 1
        }
        return unit == 0 ? "\(value) B" : String(format: "%.1f", amount) + " " + units[unit]
    }
}
