import NIOCore

/// `TransactWriteItems` in the store mode: `Put`, `Delete` and `ConditionCheck` actions, all
/// conditions checked before anything is written, all written or none.
extension ItemStore {
    /// DynamoDB takes at most 100 actions in one transaction.
    static let maximumTransactionActions = 100

    private struct TransactionAction {
        enum Kind { case put, delete, conditionCheck }
        var kind: Kind
        var table: String
        var item: StoreTable.PreparedItem
        var condition: StoreCondition?
        var returnsOldOnFailure: Bool
    }

    mutating func transactWriteItems(_ bytes: UnsafeRawBufferPointer) throws -> StoreAnswer {
        var actions: [TransactionAction] = []
        var cursor = JSONCursor(bytes)
        var members = try cursor.beginObject()
        while let key = try cursor.nextKey(&members) {
            guard cursor.token(key, equals: "TransactItems") else {
                try cursor.skipValue()
                continue
            }
            var elements = try cursor.beginArray()
            while try cursor.nextElement(&elements) {
                var element = try cursor.beginObject()
                while let kindToken = try cursor.nextKey(&element) {
                    let range = try cursor.skipValue()
                    let kind: TransactionAction.Kind
                    if cursor.token(kindToken, equals: "Put") {
                        kind = .put
                    } else if cursor.token(kindToken, equals: "Delete") {
                        kind = .delete
                    } else if cursor.token(kindToken, equals: "ConditionCheck") {
                        kind = .conditionCheck
                    } else {
                        throw DynamoDBShapeError(message: "billmig-fault-proxy's store supports Put, Delete and ConditionCheck in TransactWriteItems, not \(try cursor.string(kindToken))")
                    }
                    let inner = UnsafeRawBufferPointer(rebasing: bytes[range])
                    let request = try SingleItemRequest(inner, itemMember: kind == .put ? "Item" : "Key")
                    guard let table = tables[request.tableName] else {
                        return .error(type: "ResourceNotFoundException", message: "Requested resource not found")
                    }
                    guard let itemRange = request.item else {
                        throw DynamoDBShapeError(message: "1 validation error detected: Value null at 'transactItems.\(actions.count + 1).member.\(kind == .put ? "item" : "key")' failed to satisfy constraint: Member must not be null")
                    }
                    let condition = try request.condition()
                    if kind == .conditionCheck, condition == nil {
                        throw DynamoDBShapeError(message: "1 validation error detected: Value null at 'transactItems.\(actions.count + 1).member.conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null")
                    }
                    let item = try table.prepare(UnsafeRawBufferPointer(rebasing: inner[itemRange]), isKey: kind != .put)
                    actions.append(
                        TransactionAction(
                            kind: kind, table: request.tableName, item: item, condition: condition,
                            returnsOldOnFailure: request.returnOldOnConditionFailure))
                }
            }
        }
        try cursor.expectEnd()
        guard (1...Self.maximumTransactionActions).contains(actions.count) else {
            throw DynamoDBShapeError(message: "1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100 and greater than or equal to 1")
        }
        var seen = Set<[UInt8]>()
        for action in actions where !seen.insert(Array(action.table.utf8) + [0] + action.item.primaryKey).inserted {
            throw DynamoDBShapeError(message: "Transaction request cannot include multiple operations on one item")
        }

        // Every condition first: one that fails cancels the whole transaction.
        var reasons: [(failed: Bool, item: StoreTable.StoredItem?)] = []
        for action in actions {
            let table = tables[action.table]!
            let existing = table.slot(forKey: action.item.primaryKey).map { table.items[Int($0)] }
            let met = action.condition.map { condition in Self.lookup(in: existing) { condition.isMet($0) } } ?? true
            reasons.append((!met, met || !action.returnsOldOnFailure ? nil : existing))
        }
        if reasons.contains(where: \.failed) {
            return Self.cancelled(reasons)
        }
        for action in actions {
            switch action.kind {
            case .put: put(action.item, into: action.table)
            case .delete: delete(action.item.primaryKey, from: action.table)
            case .conditionCheck: break
            }
        }
        return .ok(ByteBuffer(string: "{}"))
    }

    /// `TransactionCanceledException` with one reason per action, as DynamoDB answers it.
    private static func cancelled(_ reasons: [(failed: Bool, item: StoreTable.StoredItem?)]) -> StoreAnswer {
        let codes = reasons.map { $0.failed ? "ConditionalCheckFailed" : "None" }
        var members = ByteBuffer()
        members.writeStaticString("\"CancellationReasons\":[")
        for (position, reason) in reasons.enumerated() {
            if position > 0 { members.writeStaticString(",") }
            if reason.failed {
                members.writeStaticString("{\"Code\":\"ConditionalCheckFailed\",\"Message\":\"The conditional request failed\"")
                if let item = reason.item {
                    members.writeStaticString(",\"Item\":")
                    _ = item.bytes.withUnsafeBytes { members.writeBytes(UnsafeRawBufferPointer(rebasing: $0[..<Int(item.jsonCount)])) }
                }
                members.writeStaticString("}")
            } else {
                members.writeStaticString("{\"Code\":\"None\"}")
            }
        }
        members.writeStaticString("]")
        return .error(
            type: "TransactionCanceledException",
            message: "Transaction cancelled, please refer cancellation reasons for specific reasons [\(codes.joined(separator: ", "))]",
            members: Array(members.readableBytesView))
    }
}
