import BillingModel
import MySQLSource

extension WorkloadModel {
    /// The model of up to `accounts` accounts of the database behind `connection`,
    /// spread evenly over its `ban`s, with every key below them; identifiers are
    /// allocated above the largest in the whole database.
    ///
    /// A subscriber with service agreements filed under another account is left
    /// out: deleting or renaming it would need rows the model does not hold.
    public static func load(from connection: MySQLConnection, accounts limit: Int) async throws -> WorkloadModel {
        func number(_ value: SourceValue?) -> UInt64 { value?.text.flatMap { UInt64($0) } ?? 0 }
        let allBans = try await connection.query("SELECT ban FROM BILLING_ACCOUNT ORDER BY ban").rows.map { number($0[0]) }
        let chosen: [UInt64]
        if allBans.count <= limit {
            chosen = allBans
        } else {
            // Evenly spread, so old and new accounts both see changes.
            chosen = (0..<max(0, limit)).map { allBans[$0 * allBans.count / limit] }
        }
        let maxCustomer = number(try await connection.query("SELECT MAX(customer_id) FROM CUSTOMER").rows.first?.first)
        let maxSubscriber = number(try await connection.query(
            "SELECT MAX(CAST(subscriber_no AS UNSIGNED)) FROM SUBSCRIBER WHERE subscriber_no REGEXP '^[0-9]{1,19}$'").rows.first?.first)

        var result: [Account] = []
        result.reserveCapacity(chosen.count)
        var start = 0
        while start < chosen.count {
            let chunk = Array(chosen[start..<min(chosen.count, start + 500)])
            start += chunk.count
            result += try await loadAccounts(chunk, connection: connection)
        }
        return WorkloadModel(
            accounts: result, maxBan: allBans.last ?? 0, maxCustomerID: maxCustomer, maxSubscriberNumber: maxSubscriber)
    }

    private static func loadAccounts(_ bans: [UInt64], connection: MySQLConnection) async throws -> [Account] {
        func number(_ value: SourceValue) -> UInt64 { value.text.flatMap { UInt64($0) } ?? 0 }
        let literal = MySQLLiteral()
        let banList = bans.map(String.init).joined(separator: ", ")
        var accounts = Dictionary(uniqueKeysWithValues: bans.map { ($0, Account(ban: $0)) })

        for row in try await connection.query("SELECT ban, customer_id FROM CUSTOMER WHERE ban IN (\(banList))").rows {
            accounts[number(row[0])]?.customerID = number(row[1])
        }
        let subscriberRows = try await connection.query(
            "SELECT ban, subscriber_no FROM SUBSCRIBER WHERE ban IN (\(banList)) ORDER BY subscriber_no").rows
        var subscriberBan: [String: UInt64] = [:]
        var subscribers: [(ban: UInt64, number: String)] = []
        for row in subscriberRows {
            guard let text = row[1].text else { continue }
            subscriberBan[text] = number(row[0])
            subscribers.append((number(row[0]), text))
        }
        var agreements: [String: [String]] = [:]
        var pinned: Set<String> = []
        if !subscribers.isEmpty {
            let list = subscribers.map { literal.quote($0.number) }.joined(separator: ", ")
            let rows = try await connection.query(
                "SELECT ban, subscriber_no, soc FROM SERVICE_AGREEMENT WHERE subscriber_no IN (\(list)) ORDER BY ban, subscriber_no, soc").rows
            for row in rows {
                guard let subscriber = row[1].text, let soc = row[2].text else { continue }
                if subscriberBan[subscriber] != number(row[0]) {
                    pinned.insert(subscriber)
                    for ban in [subscriberBan[subscriber], number(row[0])].compactMap({ $0 }) { accounts[ban]?.hasRowsElsewhere = true }
                } else {
                    agreements[subscriber, default: []].append(soc)
                }
            }
        }
        for subscriber in subscribers where !pinned.contains(subscriber.number) {
            accounts[subscriber.ban]?.subscribers.append(Subscriber(number: subscriber.number, agreements: agreements[subscriber.number] ?? []))
        }
        for row in try await connection.query(
            "SELECT ban, bill_seq_number FROM BILL WHERE ban IN (\(banList)) ORDER BY ban, bill_seq_number").rows {
            accounts[number(row[0])]?.bills.append(UInt32(truncatingIfNeeded: number(row[1])))
        }
        for row in try await connection.query(
            "SELECT ban, charge_seq, activity_num, subscriber_no FROM CHARGE WHERE ban IN (\(banList)) ORDER BY ban, charge_seq, activity_num"
        ).rows {
            guard let activity = row[2].text else { continue }
            let sequence = number(row[1])
            let ban = number(row[0])
            accounts[ban]?.charges.append(Charge(sequence: sequence, activity: activity, subscriber: row[3].text))
            if let next = accounts[ban]?.nextChargeSequence, sequence >= next {
                accounts[ban]?.nextChargeSequence = sequence + 1
            }
        }
        return bans.compactMap { accounts[$0] }
    }
}
