import BillingModel
import DMSStaging
import Foundation
import Migration
import MigrationCore
import MySQLSource
import PlanCore

/// The plan's one pass over the source: reads every row as the load would
/// (the same readers, the same mapper), measures each row's item, and feeds
/// the pure `PlanAccumulator`. Files are read several at a time, each measured
/// on its own and merged into the whole at its end.
public struct PlanPass: Sendable {
    public let mapping: Mapping
    public let configuration: PlanConfiguration
    public let readOptions: DMSReadOptions
    public let filesInParallel: Int
    /// Rows read per entity, for the progress display.
    public let progress = LoadProgress()

    public init(mapping: Mapping, configuration: PlanConfiguration, readOptions: DMSReadOptions = DMSReadOptions(), filesInParallel: Int = 4) {
        self.mapping = mapping
        self.configuration = configuration
        self.readOptions = readOptions
        self.filesInParallel = filesInParallel
    }

    /// What one row became.
    enum Outcome: Sendable {
        case outsideSample
        case unreadable(String)
        case rejected(MappingError)
        /// Its footprint is in the buffer given to `measure`.
        case item
    }

    /// Plans the full-load files DMS staged under `prefix` in `store`.
    public func staged(store: any ObjectStore, prefix: String, description: String, prices: PriceTable) async throws -> PlanReport {
        let started = ContinuousClock.now
        let mapper = try ItemMapper(mapping: mapping)
        let layout = DMSStagingLayout(bucketFolder: prefix, schema: mapping.sourceSchema)
        var files: [(DMSFile, TableMapping)] = []
        for table in mapping.tables {
            for file in try await layout.listTable(table.table, in: store).fullLoad { files.append((file, table)) }
        }
        var sampled = self.configuration
        if sampled.isSample && sampled.sampleUnit == .files {
            // Only the chosen files are read; the figures scale by the share of bytes they hold.
            let allBytes = files.reduce(Int64(0)) { $0 + $1.0.size }
            files = FileSample.choose(files, fraction: sampled.sampleFraction, table: { $0.1.table }, key: { $0.0.key }, bytes: { $0.0.size })
            let chosenBytes = files.reduce(Int64(0)) { $0 + $1.0.size }
            sampled.sampleFraction = allBytes == 0 ? 1 : min(1, Double(chosenBytes) / Double(allBytes))
        }
        let configuration = sampled
        progress.setTotals(files: files.count, bytes: 0)
        var whole = PlanAccumulator(mapping: mapping, configuration: configuration)
        let reader = DMSFileReader(options: readOptions)
        let schema = mapping.sourceSchema
        let window = 2 * max(1, filesInParallel)
        try await withThrowingTaskGroup(of: (Int, PlanAccumulator).self) { group in
            var next = files.enumerated().makeIterator()
            var startedFiles = 0
            var running = 0
            // Each file is measured on its own and merged at its end, so files in parallel
            // do not queue for one accumulator; merged in file order, not as they finish,
            // so that a plan of the same files is the same plan (the heavy-hitter sketches
            // and the listed examples depend on the order they are fed in). A file finished
            // early waits for those before it, at most `window` files ahead of them.
            var finished: [Int: PlanAccumulator] = [:]
            var mergedFiles = 0
            func startNext() -> Bool {
                guard startedFiles - mergedFiles < window, let (index, (file, table)) = next.next() else { return false }
                startedFiles += 1
                running += 1
                group.addTask {
                    let tableLayout = DMSTableLayout(schema: schema, table: table.table, columns: table.columns.map(\.name))
                    var plan = PlanAccumulator(mapping: mapping, configuration: configuration)
                    let rows = plan.rows(entity: table.entityType, indexes: table.indexKeys.map(\.indexName))
                    let mapped = try mapper.table(table.table)
                    var footprint = FootprintBytes()
                    _ = try await reader.read(file, table: tableLayout, from: store) { records in
                        measure(records, table: mapped, mapper: mapper, rows: rows, footprint: &footprint, into: &plan)
                        progress.add(EntityCounts(rowsRead: records.count), to: table.entityType)
                    }
                    progress.fileDone()
                    return (index, plan)
                }
                return true
            }
            while running < max(1, filesInParallel), startNext() {}
            while let (index, plan) = try await group.next() {
                running -= 1
                finished[index] = plan
                while let plan = finished.removeValue(forKey: mergedFiles) {
                    whole.merge(plan)
                    mergedFiles += 1
                }
                while running < max(1, filesInParallel), startNext() {}
            }
        }
        return whole.report(source: description, prices: prices, elapsedSeconds: (ContinuousClock.now - started).seconds)
    }

    /// Plans a MySQL/MariaDB source from one consistent snapshot, each mapped
    /// table in primary-key chunks (the next read while the current one is mapped).
    public func snapshot(
        connection configuration: MySQLConnectionConfiguration, chunkSize: Int = 5_000, description: String, prices: PriceTable
    ) async throws -> PlanReport {
        guard !(self.configuration.isSample && self.configuration.sampleUnit == .files) else {
            throw PlanPassError("--sample-by files samples staged files; a MySQL source is sampled by partitions (--sample-by partitions)")
        }
        let started = ContinuousClock.now
        let mapper = try ItemMapper(mapping: mapping)
        var plan = PlanAccumulator(mapping: mapping, configuration: self.configuration)
        let tableRows = mapping.tables.map { plan.rows(entity: $0.entityType, indexes: $0.indexKeys.map(\.indexName)) }
        var footprint = FootprintBytes()
        progress.setTotals(files: mapping.tables.count, bytes: 0)
        let connection = try await MySQLConnection.connect(configuration)
        do {
            _ = try await connection.beginConsistentSnapshot()
            for (table, rows) in zip(mapping.tables, tableRows) {
                let mapped = try mapper.table(table.table)
                let keyColumns = try await connection.primaryKeyColumns(database: configuration.database, table: table.table)
                guard !keyColumns.isEmpty else {
                    throw PlanPassError("\(table.table) has no primary key: the load reads tables in primary-key order (add one)")
                }
                let query = try PrimaryKeyChunkQuery(
                    database: configuration.database, table: table.table, columns: table.columns.map(\.name),
                    keyColumns: keyColumns, limit: max(1, chunkSize))
                var chunk = try await connection.readChunk(query, after: nil)
                while true {
                    let after = chunk.isLast ? nil : chunk.lastKey
                    async let following: PrimaryKeyChunk? = after == nil ? nil : connection.readChunk(query, after: after)
                    // A snapshot row is a full-load row: version "0", as the load writes it.
                    let version = SourcePosition.fullLoad(file: table.table, line: 0).orderingKey
                    for row in chunk.rows {
                        record(measure(row, table: mapped, version: version, mapper: mapper, into: &footprint), footprint, rows, into: &plan)
                    }
                    progress.add(EntityCounts(rowsRead: chunk.rows.count), to: table.entityType)
                    guard let next = try await following else { break }
                    chunk = next
                }
                progress.fileDone()
            }
            try? await connection.rollback()
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
        return plan.report(source: description, prices: prices, elapsedSeconds: (ContinuousClock.now - started).seconds)
    }

    /// Measures a batch of a file's records into `plan`. The buffer and the
    /// accumulator come in `inout`: used straight from the reader closure's
    /// captured variables, every row would retain and release their storage.
    func measure(
        _ records: [DMSRecord], table: ItemMapper.Table, mapper: ItemMapper, rows: PlanAccumulator.TableRows,
        footprint: inout FootprintBytes, into plan: inout PlanAccumulator
    ) {
        for record in records {
            switch record {
            case .change(let change):
                let outcome = measure(change.row, table: table, version: change.position.orderingKey, mapper: mapper, into: &footprint)
                self.record(outcome, footprint, rows, into: &plan)
            case .error(let problem): self.record(.unreadable(problem.reason), footprint, rows, into: &plan)
            }
        }
    }

    /// Maps one row as the load would, as far as the plan needs: only its key
    /// when its partition is outside the sample. An item's footprint is written into `footprint`.
    func measure(_ row: SourceRow, table: ItemMapper.Table, version: String, mapper: ItemMapper, into footprint: inout FootprintBytes) -> Outcome {
        do throws(MappingError) {
            if configuration.samplesPartitions {
                let key = try mapper.key(table, row: row)
                guard PartitionSample(fraction: configuration.sampleFraction).includes(partitionKey: key.pk) else {
                    return .outsideSample
                }
            }
            try mapper.footprint(table, row: row, version: version, into: &footprint)
            return .item
        } catch {
            return .rejected(error)
        }
    }

    /// Adds one row's outcome (the caller counts the rows read for the progress display, by batch).
    func record(_ outcome: Outcome, _ footprint: FootprintBytes, _ rows: PlanAccumulator.TableRows, into plan: inout PlanAccumulator) {
        switch outcome {
        case .outsideSample: plan.addOutsideSample(rows.entity)
        case .unreadable(let reason): plan.addUnreadable(rows.entity, reason: reason)
        case .rejected(let error): plan.addRejected(rows.entity, error: error)
        case .item: plan.add(footprint, to: rows)
        }
    }
}

/// A plan that cannot be made, with what to do.
public struct PlanPassError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

