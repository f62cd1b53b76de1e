import DynamoDBModel

// A checked row written straight into the JSON of its BatchWriteItem put
// request: the same attributes and values `materialize` puts in an `Item`, in
// plan order, without the dictionary (hashing every name, then freeing it all).

extension TablePlan {
    /// The bytes of a put request that depend only on the table: each
    /// attribute's name and type tag, as `,"name":{"S":`.
    struct PutPrefixes: Sendable {
        struct IndexPair: Sendable {
            let partitionKey: [UInt8]
            let sortKey: [UInt8]
        }

        /// `{"PutRequest":{"Item":{"PK":{"S":`
        let start: [UInt8]
        let sortKey: [UInt8]
        /// The whole attribute: its value is the table's entity type.
        let entityType: [UInt8]
        let indexKeys: [IndexPair]
        let createdAt: [UInt8]
        let updatedAt: [UInt8]
        let sourceVersion: [UInt8]
        /// Per column, nil when the column is excluded.
        let columns: [[UInt8]?]
        /// The bytes of all of them, for reserving a request's buffer.
        let length: Int

        init(_ mapping: TableMapping, mapping whole: Mapping, columns plans: [ColumnPlan]) {
            func prefix(_ name: String, _ tag: String, first: Bool = false) -> [UInt8] {
                var bytes: [UInt8] = first ? [] : [UInt8(ascii: ",")]
                DynamoDBJSON.appendString(name, to: &bytes)
                bytes += Array(":{\"\(tag)\":".utf8)
                return bytes
            }
            start = DynamoDBJSON.putRequestStart + [UInt8(ascii: "{")] + prefix(whole.partitionKeyAttribute, "S", first: true)
            sortKey = prefix(whole.sortKeyAttribute, "S")
            var entityType = prefix(MigrationAttribute.entityType, "S")
            DynamoDBJSON.appendString(mapping.entityType, to: &entityType)
            entityType.append(UInt8(ascii: "}"))
            self.entityType = entityType
            indexKeys = mapping.indexKeys.map {
                IndexPair(partitionKey: prefix($0.partitionKeyAttribute, "S"), sortKey: prefix($0.sortKeyAttribute, "S"))
            }
            createdAt = prefix(MigrationAttribute.createdAt, "S")
            updatedAt = prefix(MigrationAttribute.updatedAt, "S")
            sourceVersion = prefix(MigrationAttribute.sourceVersion, "S")
            columns = zip(mapping.columns, plans).map { column, plan -> [UInt8]? in
                column.isExcluded ? nil : prefix(column.attributeName, plan.isBinary ? "B" : plan.isNumber ? "N" : "S")
            }
            var length = start.count + sortKey.count + entityType.count
            length += createdAt.count + updatedAt.count + sourceVersion.count + DynamoDBJSON.putRequestEnd.count + 1
            for pair in indexKeys { length += pair.partitionKey.count + pair.sortKey.count }
            for column in columns { length += column?.count ?? 0 }
            self.length = length
        }
    }

    /// The key and put request of a checked row. The request holds what
    /// `materialize` would put in the item, so decoding it gives that item.
    func encodePut(_ checked: consuming CheckedRow, version: String) -> (ItemKey, EncodedPutRequest) {
        let prefixes = putPrefixes
        let layout = checked.layout
        let texts = checked.values.texts
        let pk = build(partitionKey, texts, length: checked.keyLengths.partition)
        let sk = build(sortKey, texts, length: checked.keyLengths.sort)
        var bytes: [UInt8] = []
        // Values take their size plus quotes and braces; escapes and base64 may grow it further.
        bytes.reserveCapacity(prefixes.length + checked.size + 3 * (columns.count + 2 * indexes.count + 6))

        let close = UInt8(ascii: "}")
        bytes += prefixes.start
        DynamoDBJSON.appendString(pk, to: &bytes)
        bytes.append(close)
        bytes += prefixes.sortKey
        DynamoDBJSON.appendString(sk, to: &bytes)
        bytes.append(close)
        bytes += prefixes.entityType
        for position in indexes.indices where checked.presentIndexes & (1 << UInt64(position)) != 0 {
            bytes += prefixes.indexKeys[position].partitionKey
            appendKey(indexes[position].partitionKey, texts, to: &bytes)
            bytes.append(close)
            bytes += prefixes.indexKeys[position].sortKey
            appendKey(indexes[position].sortKey, texts, to: &bytes)
            bytes.append(close)
        }
        if layout.createdAt != nil, let createdAtIndex, let text = texts[createdAtIndex] {
            bytes += prefixes.createdAt
            DynamoDBJSON.appendString(text, to: &bytes)
            bytes.append(close)
        }
        if layout.updatedAt != nil, let updatedAtIndex, let text = texts[updatedAtIndex] {
            bytes += prefixes.updatedAt
            DynamoDBJSON.appendString(text, to: &bytes)
            bytes.append(close)
        }
        bytes += prefixes.sourceVersion
        DynamoDBJSON.appendString(version, to: &bytes)
        bytes.append(close)
        for index in columns.indices where layout.columns[index] != nil {
            if let text = texts[index] {
                bytes += prefixes.columns[index]!
                DynamoDBJSON.appendString(text, to: &bytes)
                bytes.append(close)
            } else if hasBinaryColumns, let data = checked.values.bytes[index] {
                bytes += prefixes.columns[index]!
                DynamoDBJSON.appendBase64(data, to: &bytes)
                bytes.append(close)
            }
        }
        bytes.append(close)
        bytes += DynamoDBJSON.putRequestEnd
        return (ItemKey(pk: pk, sk: sk), EncodedPutRequest(bytes: bytes, itemSize: checked.size))
    }

    /// Writes a key whose values `measure` checked as a JSON string, piece by
    /// piece: no key string is built, and zero padding is written in place.
    private func appendKey(_ template: TemplatePlan, _ texts: [String?], to bytes: inout [UInt8]) {
        if let index = template.soleColumn {
            DynamoDBJSON.appendString(texts[index]!, to: &bytes)
            return
        }
        bytes.append(UInt8(ascii: "\""))
        template.literals.withUnsafeBufferPointer { literals in
            for part in template.parts {
                if !part.literal.isEmpty {
                    DynamoDBJSON.appendEscaped(utf8: UnsafeBufferPointer(rebasing: literals[part.literal]), to: &bytes)
                }
                guard let index = part.column, var text = texts[index] else { continue }  // checked
                let count = text.utf8.count
                if part.padding > count {
                    bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: part.padding - count))
                }
                text.withUTF8 { DynamoDBJSON.appendEscaped(utf8: $0, to: &bytes) }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
