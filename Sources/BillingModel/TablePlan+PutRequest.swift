import DynamoDBModel

// A checked row written straight into the JSON of its BatchWriteItem put
// request: the same attributes and values `materialize` puts in an `Item`, in
// plan order, without the dictionary (hashing every name, then freeing it all).

extension TablePlan {
    /// The bytes of a put request that depend only on the table: each
    /// attribute's name and type tag, as `,"name":{"S":`. All in one array, so
    /// writing a request retains one array, not one per attribute.
    struct PutPrefixes: Sendable {
        struct IndexPair: Sendable {
            let partitionKey: Range<Int>
            let sortKey: Range<Int>
        }

        let bytes: [UInt8]
        /// `{"PutRequest":{"Item":{"PK":{"S":`
        let start: Range<Int>
        let sortKey: Range<Int>
        /// The whole attribute: its value is the table's entity type.
        let entityType: Range<Int>
        let indexKeys: [IndexPair]
        let createdAt: Range<Int>
        let updatedAt: Range<Int>
        let sourceVersion: Range<Int>
        /// Per column, empty when the column is excluded.
        let columns: [Range<Int>]
        /// `}}}`: the item, the PutRequest and the request.
        let end: Range<Int>

        init(_ mapping: TableMapping, mapping whole: Mapping, columns plans: [ColumnPlan]) {
            var bytes: [UInt8] = []
            func prefix(_ name: String, _ tag: String, first: Bool = false) -> Range<Int> {
                let start = bytes.count
                if !first { bytes.append(UInt8(ascii: ",")) }
                DynamoDBJSON.appendString(name, to: &bytes)
                bytes += Array(":{\"\(tag)\":".utf8)
                return start..<bytes.count
            }
            let requestStart = bytes.count
            bytes += DynamoDBJSON.putRequestStart + [UInt8(ascii: "{")]
            start = requestStart..<prefix(whole.partitionKeyAttribute, "S", first: true).upperBound
            sortKey = prefix(whole.sortKeyAttribute, "S")
            let entityTypeStart = prefix(MigrationAttribute.entityType, "S").lowerBound
            DynamoDBJSON.appendString(mapping.entityType, to: &bytes)
            bytes.append(UInt8(ascii: "}"))
            entityType = entityTypeStart..<bytes.count
            indexKeys = mapping.indexKeys.map {
                IndexPair(partitionKey: prefix($0.partitionKeyAttribute, "S"), sortKey: prefix($0.sortKeyAttribute, "S"))
            }
            createdAt = prefix(MigrationAttribute.createdAt, "S")
            updatedAt = prefix(MigrationAttribute.updatedAt, "S")
            sourceVersion = prefix(MigrationAttribute.sourceVersion, "S")
            columns = zip(mapping.columns, plans).map { column, plan -> Range<Int> in
                column.isExcluded ? 0..<0 : prefix(column.attributeName, plan.isBinary ? "B" : plan.isNumber ? "N" : "S")
            }
            let endStart = bytes.count
            bytes.append(UInt8(ascii: "}"))
            bytes += DynamoDBJSON.putRequestEnd
            end = endStart..<bytes.count
            self.bytes = bytes
        }
    }

    /// The key and put request of a checked row. The request holds what
    /// `materialize` would put in the item, so decoding it gives that item.
    func encodePut(_ checked: consuming CheckedRow, version: String) -> (ItemKey, EncodedPutRequest) {
        let texts = checked.values.texts
        let pk = build(partitionKey, texts, length: checked.keyLengths.partition)
        let sk = build(sortKey, texts, length: checked.keyLengths.sort)
        // The attributes' names and values (the item's size counts both) plus quotes and
        // braces; escapes, base64 and numbers' text may need more, which the writing finds.
        let estimate = putPrefixes.bytes.count + checked.size + 3 * (columns.count + 2 * indexes.count + 6)
        let bytes = [UInt8](reserving: estimate) { bytes in
            write(checked, pk: pk, sk: sk, version: version, to: &bytes)
        }
        return (ItemKey(pk: pk, sk: sk), EncodedPutRequest(bytes: bytes, itemSize: checked.size))
    }

    private func write(_ checked: borrowing CheckedRow, pk: String, sk: String, version: String, to bytes: inout ReservedBytes) {
        let prefixes = putPrefixes
        let layout = checked.layout
        let close = UInt8(ascii: "}")
        prefixes.bytes.withUnsafeBufferPointer { prefix in
            checked.values.texts.withUnsafeBufferPointer { texts in
                bytes.append(bytes: UnsafeBufferPointer(rebasing: prefix[prefixes.start]))
                DynamoDBJSON.appendString(pk, to: &bytes)
                bytes.append(close)
                bytes.append(bytes: UnsafeBufferPointer(rebasing: prefix[prefixes.sortKey]))
                DynamoDBJSON.appendString(sk, to: &bytes)
                bytes.append(close)
                bytes.append(bytes: UnsafeBufferPointer(rebasing: prefix[prefixes.entityType]))
                for position in indexes.indices where checked.presentIndexes & (1 << UInt64(position)) != 0 {
                    bytes.append(bytes: UnsafeBufferPointer(rebasing: prefix[prefixes.indexKeys[position].partitionKey]))
                    appendKey(indexes[position].partitionKey, texts, to: &bytes)
                    bytes.append(close)
                    bytes.append(bytes: UnsafeBufferPointer(rebasing: prefix[prefixes.indexKeys[position].sortKey]))
                    appendKey(indexes[position].sortKey, texts, to: &bytes)
                    bytes.append(close)
                }
                if layout.createdAt != nil, let createdAtIndex, texts[createdAtIndex] != nil {
                    bytes.append(bytes: UnsafeBufferPointer(rebasing: prefix[prefixes.createdAt]))
                    DynamoDBJSON.appendString(texts[createdAtIndex]!, to: &bytes)
                    bytes.append(close)
                }
                if layout.updatedAt != nil, let updatedAtIndex, texts[updatedAtIndex] != nil {
                    bytes.append(bytes: UnsafeBufferPointer(rebasing: prefix[prefixes.updatedAt]))
                    DynamoDBJSON.appendString(texts[updatedAtIndex]!, to: &bytes)
                    bytes.append(close)
                }
                bytes.append(bytes: UnsafeBufferPointer(rebasing: prefix[prefixes.sourceVersion]))
                DynamoDBJSON.appendString(version, to: &bytes)
                bytes.append(close)
                for index in columns.indices where layout.columns[index] != nil {
                    if texts[index] != nil {
                        bytes.append(bytes: UnsafeBufferPointer(rebasing: prefix[prefixes.columns[index]]))
                        DynamoDBJSON.appendString(texts[index]!, to: &bytes)
                        bytes.append(close)
                    } else if hasBinaryColumns, let data = checked.values.bytes[index] {
                        bytes.append(bytes: UnsafeBufferPointer(rebasing: prefix[prefixes.columns[index]]))
                        DynamoDBJSON.appendBase64(data, to: &bytes)
                        bytes.append(close)
                    }
                }
                bytes.append(bytes: UnsafeBufferPointer(rebasing: prefix[prefixes.end]))
            }
        }
    }

    /// Writes a key whose values `measure` checked as a JSON string, piece by
    /// piece: no key string is built, and zero padding is written in place.
    private func appendKey(_ template: TemplatePlan, _ texts: UnsafeBufferPointer<String?>, to bytes: inout ReservedBytes) {
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
                guard let index = part.column, texts[index] != nil else { continue }  // checked
                let count = texts[index]!.utf8.count
                for _ in count..<max(count, part.padding) { bytes.append(UInt8(ascii: "0")) }
                DynamoDBJSON.appendEscaped(texts[index]!, to: &bytes)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
