import MigrationCore

extension MetricDatum {
    /// A count per entity and its total per table, for every dimension set of `name`.
    static func counts(
        _ name: MetricName, table: String, entities: [(entity: String, value: Int)], total: Int
    ) -> [MetricDatum] {
        var data = [MetricDatum(name, [.table: table], value: Double(total))]
        if name.dimensionSets.contains([.table, .entity]) {
            data += entities.map { MetricDatum(name, [.table: table, .entity: $0.entity], value: Double($0.value)) }
        }
        return data
    }

    /// What a load publishes when it ends: rows read, items written and rows
    /// dead-lettered, per table and per entity.
    public static func load(_ summary: LoadSummary) -> [MetricDatum] {
        counts(.rowsRead, table: summary.table, entities: summary.entities.map { ($0.entity, $0.rowsRead) }, total: summary.total.rowsRead)
            + counts(.itemsWritten, table: summary.table, entities: summary.entities.map { ($0.entity, $0.itemsWritten) }, total: summary.total.itemsWritten)
            + counts(.rowsDeadLettered, table: summary.table, entities: summary.entities.map { ($0.entity, $0.deadLettered) }, total: summary.total.deadLettered)
    }
}

extension MetricDatum {
    /// What `apply` publishes when it ends: changes read, applied, skipped as
    /// stale and dead-lettered, per table and per entity.
    public static func apply(_ summary: ApplySummary) -> [MetricDatum] {
        let entities = summary.entities
        return counts(.rowsRead, table: summary.table, entities: entities.map { ($0.entity, $0.changesRead) }, total: summary.total.changesRead)
            + counts(.itemsWritten, table: summary.table, entities: entities.map { ($0.entity, $0.applied) }, total: summary.total.applied)
            + counts(.changesSkippedStale, table: summary.table, entities: entities.map { ($0.entity, $0.skippedStale) }, total: summary.total.skippedStale)
            + counts(.rowsDeadLettered, table: summary.table, entities: entities.map { ($0.entity, $0.deadLettered) }, total: summary.total.deadLettered)
    }
}
