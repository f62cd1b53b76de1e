import BillingModel

/// One difference between what MySQL served and what DynamoDB answers for
/// the same read: a record missing from one side, or differing attributes.
public struct ShadowMismatch: Sendable, Hashable, CustomStringConvertible {
    public var pattern: String
    public var pk: String
    public var sk: String
    /// Column names that differ; empty when the record is on one side only.
    public var differingAttributes: [String]
    public var missingFrom: StoreName?

    public var description: String {
        if let missingFrom { return "\(pattern) \(pk)/\(sk): missing from \(missingFrom.rawValue)" }
        return "\(pattern) \(pk)/\(sk): differing \(differingAttributes.joined(separator: ","))"
    }
}

/// Compares two answers of one read, record by record, values as values
/// (decimals by value, times as instants), using the one mapping's rule.
public struct ShadowComparator: Sendable {
    let decoder: ItemDecoder

    public init(mapping: Mapping = .billing) { self.decoder = ItemDecoder(mapping: mapping) }

    public func mismatches(pattern: String, mysql: StorePage, dynamodb: StorePage) -> [ShadowMismatch] {
        let left = Dictionary(mysql.records.map { ($0.position, $0.record) }, uniquingKeysWith: { a, _ in a })
        let right = Dictionary(dynamodb.records.map { ($0.position, $0.record) }, uniquingKeysWith: { a, _ in a })
        var out: [ShadowMismatch] = []
        for position in Set(left.keys).union(right.keys).sorted() {
            switch (left[position], right[position]) {
            case (let l?, let r?):
                let differing =
                    l.table == r.table
                    ? decoder.differingColumns(table: l.table, expected: l.row, actual: r.row) : ["entity"]
                if !differing.isEmpty {
                    out.append(.init(pattern: pattern, pk: position.pk, sk: position.sk, differingAttributes: differing))
                }
            case (_?, nil):
                out.append(.init(pattern: pattern, pk: position.pk, sk: position.sk, differingAttributes: [], missingFrom: .dynamodb))
            case (nil, _?):
                out.append(.init(pattern: pattern, pk: position.pk, sk: position.sk, differingAttributes: [], missingFrom: .mysql))
            case (nil, nil):
                break
            }
        }
        // Different page boundaries (a record past one side's end) count as one mismatch.
        if out.isEmpty && mysql.next != dynamodb.next {
            out.append(.init(pattern: pattern, pk: "(page end)", sk: mysql.next?.sk ?? "-", differingAttributes: ["next"]))
        }
        return out
    }
}
