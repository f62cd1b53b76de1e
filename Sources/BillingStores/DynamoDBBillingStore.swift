import AWSCore
import BillingModel
import BillingService
import DynamoDB
import DynamoDBModel

/// The billing store over the DynamoDB single table (green): the mapping's key
/// queries, answered in `PagePosition` order, and writes as one
/// `TransactWriteItems` of exactly the items the migration writes for those rows.
public struct DynamoDBBillingStore: BillingStore {
    public let name = StoreName.dynamodb
    let client: DynamoDBClient
    let tableName: String
    let mapping: Mapping
    let mapper: ItemMapper
    let decoder: ItemDecoder
    let tombstones: TombstoneBuilder

    public init(client: DynamoDBClient, tableName: String, mapping: Mapping = .billing) throws {
        self.client = client
        self.tableName = tableName
        self.mapping = mapping
        self.mapper = try ItemMapper(mapping: mapping)
        self.decoder = ItemDecoder(mapping: mapping)
        self.tombstones = TombstoneBuilder(mapping: mapping)
    }

    // MARK: Reads

    public func page(_ query: BillingQuery, after: PagePosition?, limit: Int) async throws(StoreError) -> StorePage {
        var collected: [PositionedRecord] = []
        do {
            for keyQuery in query.accessPattern.queries {
                collected += try await read(keyQuery, after: after, limit: limit)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.unavailable, "DynamoDB: \(error)")
        }
        collected.sort { $0.position < $1.position }
        return StorePage.cut(collected, limit: limit)
    }

    /// Reads one key query from the cursor on until `limit + 1` records are
    /// known after it, including every record that shares the boundary's index
    /// sort key (DynamoDB leaves their order open; the page order sorts them).
    func read(_ query: KeyQuery, after: PagePosition?, limit: Int) async throws -> [PositionedRecord] {
        var condition = query.sortKey
        var startKey: Item?
        if let after {
            if query.table.indexName == nil {
                startKey = [ItemKey.partitionKeyName: .s(after.pk), ItemKey.sortKeyName: .s(after.sk)]
            } else if let from = after.indexSortKey {
                switch condition {
                case .equals(let value)?:
                    if value.utf8.lexicographicallyPrecedes(from.utf8) { return [] }
                case .beginsWith(let prefix)?:
                    let low = prefix.utf8.lexicographicallyPrecedes(from.utf8) ? from : prefix
                    condition = .between(low, prefix + "\u{10FFFF}")
                case .between(let low, let high)?:
                    condition = .between(low.utf8.lexicographicallyPrecedes(from.utf8) ? from : low, high)
                case nil:
                    break
                }
            }
        }
        var adjusted = query
        adjusted.sortKey = condition
        var values: [String: AttributeValue] = [:]
        for (name, value) in adjusted.expressionAttributeValues { values[name] = .s(value) }
        var input = QueryInput(
            tableName: tableName, indexName: query.table.indexName, keyCondition: adjusted.keyConditionExpression,
            filter: adjusted.filterExpression, names: adjusted.expressionAttributeNames, values: values,
            limit: max(limit + 1, 10), consistentRead: query.table.indexName == nil, exclusiveStartKey: startKey)
        var out: [PositionedRecord] = []
        while true {
            let page = try await client.query(input)
            var lastIndexSortKey: String?
            for item in page.items {
                guard let position = PagePosition(item: item, target: query.table) else { continue }
                lastIndexSortKey = position.indexSortKey
                if let after, !(after < position) { continue }
                let decoded: ItemDecoder.DecodedRow
                do {
                    decoded = try decoder.decode(item)
                } catch {
                    if error.kind == .notARow { continue }
                    throw StoreError(.unavailable, "the item \(position.pk)/\(position.sk) cannot be read: \(error)")
                }
                out.append(PositionedRecord(position: position, record: try BillingRecord(table: decoded.table, row: decoded.row)))
            }
            guard let next = page.lastEvaluatedKey else { break }
            if out.count > limit {
                if query.table.indexName == nil { break }
                out.sort { $0.position < $1.position }
                // Ties of the boundary's index sort key may still follow.
                if let seen = lastIndexSortKey, let boundary = out[limit].position.indexSortKey, seen != boundary { break }
            }
            input.exclusiveStartKey = next
        }
        return out
    }

    // MARK: Writes

    public func execute(_ write: BillingWrite, context: WriteContext) async throws(StoreError) -> WriteReceipt {
        do {
            return try await transact(write, context: context)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.unavailable, "DynamoDB: \(error)")
        }
    }

    func transact(_ write: BillingWrite, context: WriteContext) async throws -> WriteReceipt {
        var found: [[SourceRow]] = []
        var versions: [ItemKey: String] = [:]
        for read in write.reads {
            var rows: [SourceRow] = []
            for item in try await items(for: read) where !TombstoneBuilder.isTombstone(item) {
                let decoded = try decoder.decode(item)
                rows.append(decoded.row)
                if let key = try? mapper.key(table: decoded.table, row: decoded.row) {
                    versions[key] = item[MigrationAttribute.sourceVersion]?.stringValue
                }
            }
            found.append(rows)
        }
        let mutations = try write.mutations(found: found, context: context)
        let newest = versions.values.max()
        let version = context.version.after(existing: newest).orderingKey
        let now = context.now.epochMilliseconds / 1000
        var puts: [DynamoDBClient.TransactPut] = []
        var records: [BillingRecord] = []
        var partitionKeys: Set<String> = []
        func expecting(_ key: ItemKey) -> DynamoDB.Expression {
            guard let current = versions[key] else { return Self.absentOrTombstone(version) }
            return DynamoDB.Expression(
                "#version = :expected", names: ["#version": MigrationAttribute.sourceVersion], values: [":expected": .s(current)])
        }
        for mutation in mutations {
            switch mutation {
            case .insert(let table, let row):
                let (_, item) = try mapper.item(table: table, row: row, version: version)
                puts.append(.init(item: item, condition: Self.absentOrTombstone(version)))
            case .update(let table, let before, let after):
                let oldKey = try mapper.key(table: table, row: before)
                let (newKey, item) = try mapper.item(table: table, row: after, version: version)
                if oldKey == newKey {
                    puts.append(.init(item: item, condition: expecting(oldKey)))
                } else {
                    puts.append(.init(item: tombstones.item(key: oldKey, version: version, nowEpochSeconds: now), condition: expecting(oldKey)))
                    puts.append(.init(item: item, condition: Self.absentOrTombstone(version)))
                }
            case .delete(let table, let row):
                let key = try mapper.key(table: table, row: row)
                puts.append(.init(item: tombstones.item(key: key, version: version, nowEpochSeconds: now), condition: expecting(key)))
            }
            for (table, row) in mutation.images { partitionKeys.formUnion(partitionKeysOf(table: table, row: row, mapper: mapper)) }
            if let (table, row) = mutation.result, let record = try? BillingRecord(table: table, row: row) { records.append(record) }
        }
        guard !puts.isEmpty else { return WriteReceipt(records: records, partitionKeys: partitionKeys, position: nil) }
        let outcome = try await client.transactWriteItems(tableName, puts: puts)
        guard outcome.isApplied else {
            throw StoreError(.conflict, "the rows changed while the write was applied; read them again and retry")
        }
        return WriteReceipt(records: records, partitionKeys: partitionKeys, position: nil)
    }

    /// No item at the key, or a tombstone older than the write.
    static func absentOrTombstone(_ version: String) -> DynamoDB.Expression {
        DynamoDB.Expression(
            "attribute_not_exists(#pk) OR (#deleted = :true AND #version < :version)",
            names: ["#pk": ItemKey.partitionKeyName, "#deleted": MigrationAttribute.deleted, "#version": MigrationAttribute.sourceVersion],
            values: [":true": .bool(true), ":version": .s(version)])
    }

    func items(for read: RowRead) async throws -> [Item] {
        switch read {
        case .row:
            guard let (table, row) = read.keyRow(mapping: mapping) else { return [] }
            let key = try mapper.key(table: table, row: row)
            let item = try await client.getItem(
                tableName, key: [ItemKey.partitionKeyName: .s(key.pk), ItemKey.sortKeyName: .s(key.sk)], consistentRead: true)
            return item.map { [$0] } ?? []
        case .serviceAgreements(let ban, let number):
            return try await client.queryAll(
                QueryInput(
                    tableName: tableName, keyCondition: "#pk = :pk AND begins_with(#sk, :sk)",
                    names: ["#pk": ItemKey.partitionKeyName, "#sk": ItemKey.sortKeyName],
                    values: [":pk": .s("BAN#\(ban)"), ":sk": .s("SA#\(number)#")], consistentRead: true))
        case .subscriberOnAnyAccount(let number):
            // An index read is eventually consistent: a subscriber added on another
            // account a moment ago may be missed (MySQL's unique key has no such gap).
            return try await client.queryAll(
                QueryInput(
                    tableName: tableName, indexName: "GSI1", keyCondition: "#pk = :pk AND #sk = :sk",
                    names: ["#pk": "GSI1PK", "#sk": "GSI1SK"], values: [":pk": .s("SUB#\(number)"), ":sk": .s("ACCOUNT")]))
        case .customer(let id):
            // The contract gives customer_id neither a key nor an index, so the only
            // lookup is a consistent Scan filtered on it: it reads the whole table
            // (docs/architecture.md, "Uniqueness beyond the item key"). It stops at the first match.
            var input = ScanInput(
                tableName: tableName, filter: "#type = :type AND #id = :id",
                names: ["#type": MigrationAttribute.entityType, "#id": "customer_id"],
                values: [":type": .s(Customer.table), ":id": .n(String(id))], consistentRead: true)
            while true {
                let page = try await client.scan(input)
                guard page.items.isEmpty, let next = page.lastEvaluatedKey else { return page.items }
                input.exclusiveStartKey = next
            }
        }
    }

    public func ping() async throws(StoreError) {
        do {
            _ = try await client.getItem(
                tableName, key: [ItemKey.partitionKeyName: .s(ControlItems.partitionKey), ItemKey.sortKeyName: .s(ControlItems.flagsSortKey)])
        } catch {
            throw StoreError(.unavailable, "DynamoDB: \(error)")
        }
    }
}
