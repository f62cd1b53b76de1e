import BillingModel

/// The writes a billing application makes. Each is planned from the rows it
/// reads (pure), so both stores apply exactly the same row changes.
public enum BillingWrite: Sendable, Hashable {
    case openAccount(BillingAccount, Customer)
    case addSubscriber(Subscriber)
    case changeSubscriberStatus(ban: UInt64, subscriberNo: String, status: String, statusDate: BillingDate)
    case moveSubscriber(ban: UInt64, subscriberNo: String, toBAN: UInt64)
    case addServiceAgreement(ServiceAgreement)
    case removeServiceAgreement(ban: UInt64, subscriberNo: String, soc: String)
    case postBill(Bill)
    case postCharge(Charge)
    case adjustCharge(ban: UInt64, chargeSeq: UInt64, activityNum: String, amount: BillingDecimal, taxAmount: BillingDecimal, description: String?)
    case deleteCharge(ban: UInt64, chargeSeq: UInt64, activityNum: String)

    public var name: String {
        switch self {
        case .openAccount: "open_account"
        case .addSubscriber: "add_subscriber"
        case .changeSubscriberStatus: "change_subscriber_status"
        case .moveSubscriber: "move_subscriber"
        case .addServiceAgreement: "add_service_agreement"
        case .removeServiceAgreement: "remove_service_agreement"
        case .postBill: "post_bill"
        case .postCharge: "post_charge"
        case .adjustCharge: "adjust_charge"
        case .deleteCharge: "delete_charge"
        }
    }

    /// The rows the write reads (and, in MySQL, locks) before it is planned.
    public var reads: [RowRead] {
        switch self {
        case .openAccount(let account, let customer):
            // CUSTOMER's primary key is customer_id and `ban` is unique (CONTRACT §1).
            [.account(account.ban), .row(Customer.table, ["ban": String(account.ban)]), .customer(id: customer.customerId)]
        case .addSubscriber(let subscriber):
            // A subscriber number is unique across accounts (MySQL's primary key).
            [.account(subscriber.ban), .subscriberOnAnyAccount(subscriber.subscriberNo)]
        case .changeSubscriberStatus(let ban, let number, _, _):
            [.subscriber(ban: ban, number)]
        case .moveSubscriber(let ban, let number, let toBAN):
            [.subscriber(ban: ban, number), .account(toBAN), .serviceAgreements(ban: ban, subscriberNo: number)]
        case .addServiceAgreement(let agreement):
            [.subscriber(ban: agreement.ban, agreement.subscriberNo), .serviceAgreement(agreement.ban, agreement.subscriberNo, agreement.soc)]
        case .removeServiceAgreement(let ban, let number, let soc):
            [.serviceAgreement(ban, number, soc)]
        case .postBill(let bill):
            [.account(bill.ban), .row(Bill.table, ["ban": String(bill.ban), "bill_seq_number": String(bill.billSeqNumber)])]
        case .postCharge(let charge):
            [.account(charge.ban), .charge(charge.ban, charge.chargeSeq, charge.activityNum)]
                + (charge.subscriberNo.map { [.subscriber(ban: charge.ban, $0)] } ?? [])
        case .adjustCharge(let ban, let seq, let activity, _, _, _), .deleteCharge(let ban, let seq, let activity):
            [.charge(ban, seq, activity)]
        }
    }

    /// The row changes, given what `reads` found (in the same order).
    public func mutations(found: [[SourceRow]], context: WriteContext) throws(StoreError) -> [RowMutation] {
        let now = context.now
        func one(_ index: Int) -> SourceRow? { found[index].first }
        func fitted(_ table: String, _ row: SourceRow) throws(StoreError) -> SourceRow {
            do {
                return try RowFitting.billing.fitted(table: table, row: row)
            } catch {
                throw StoreError(.invalid, error.message)
            }
        }
        func decode<E: BillingEntity>(_ type: E.Type, _ row: SourceRow) throws(StoreError) -> E {
            do {
                return try E(row: row)
            } catch {
                throw StoreError(.unavailable, "a stored \(E.table) row cannot be read: \(error.message)")
            }
        }
        switch self {
        case .openAccount(var account, var customer):
            guard one(0) == nil else { throw StoreError(.conflict, "account \(account.ban) exists already") }
            guard one(1) == nil else { throw StoreError(.conflict, "account \(account.ban) has a customer already") }
            guard one(2) == nil else {
                throw StoreError(.conflict, "customer \(customer.customerId) exists already (on another account); open the account with a new customer_id")
            }
            account.createdAt = now
            account.updatedAt = now
            customer.ban = account.ban
            customer.createdAt = now
            customer.updatedAt = now
            return [
                .insert(BillingAccount.table, try fitted(BillingAccount.table, account.row)),
                .insert(Customer.table, try fitted(Customer.table, customer.row)),
            ]
        case .addSubscriber(var subscriber):
            guard one(0) != nil else { throw StoreError(.notFound, "account \(subscriber.ban) does not exist") }
            guard one(1) == nil else { throw StoreError(.conflict, "subscriber \(subscriber.subscriberNo) exists already") }
            subscriber.createdAt = now
            subscriber.updatedAt = now
            return [.insert(Subscriber.table, try fitted(Subscriber.table, subscriber.row))]
        case .changeSubscriberStatus(let ban, let number, let status, let date):
            guard let before = one(0) else { throw StoreError(.notFound, "account \(ban) has no subscriber \(number)") }
            var subscriber = try decode(Subscriber.self, before)
            subscriber.subStatus = status
            subscriber.subStatusDate = date
            subscriber.updatedAt = now
            return [.update(Subscriber.table, before: before, after: try fitted(Subscriber.table, subscriber.row))]
        case .moveSubscriber(let ban, let number, let toBAN):
            guard let before = one(0) else { throw StoreError(.notFound, "account \(ban) has no subscriber \(number)") }
            guard one(1) != nil else { throw StoreError(.notFound, "account \(toBAN) does not exist") }
            guard ban != toBAN else { throw StoreError(.invalid, "the subscriber is on account \(ban) already") }
            var subscriber = try decode(Subscriber.self, before)
            subscriber.ban = toBAN
            subscriber.updatedAt = now
            var changes: [RowMutation] = [.update(Subscriber.table, before: before, after: subscriber.row)]
            for row in found[2] {
                var agreement = try decode(ServiceAgreement.self, row)
                agreement.ban = toBAN
                agreement.updatedAt = now
                changes.append(.update(ServiceAgreement.table, before: row, after: agreement.row))
            }
            return changes
        case .addServiceAgreement(var agreement):
            guard one(0) != nil else {
                throw StoreError(.notFound, "account \(agreement.ban) has no subscriber \(agreement.subscriberNo)")
            }
            guard one(1) == nil else { throw StoreError(.conflict, "the service agreement \(agreement.soc) exists already") }
            agreement.createdAt = now
            agreement.updatedAt = now
            return [.insert(ServiceAgreement.table, try fitted(ServiceAgreement.table, agreement.row))]
        case .removeServiceAgreement(let ban, let number, let soc):
            guard let row = one(0) else { throw StoreError(.notFound, "account \(ban) subscriber \(number) has no service \(soc)") }
            return [.delete(ServiceAgreement.table, row)]
        case .postBill(var bill):
            guard one(0) != nil else { throw StoreError(.notFound, "account \(bill.ban) does not exist") }
            guard one(1) == nil else { throw StoreError(.conflict, "bill \(bill.billSeqNumber) of account \(bill.ban) exists already") }
            bill.createdAt = now
            bill.updatedAt = now
            return [.insert(Bill.table, try fitted(Bill.table, bill.row))]
        case .postCharge(var charge):
            guard one(0) != nil else { throw StoreError(.notFound, "account \(charge.ban) does not exist") }
            guard one(1) == nil else { throw StoreError(.conflict, "charge \(charge.chargeSeq)/\(charge.activityNum) exists already") }
            if let number = charge.subscriberNo, one(2) == nil {
                throw StoreError(.notFound, "account \(charge.ban) has no subscriber \(number)")
            }
            charge.createdAt = now
            charge.updatedAt = now
            return [.insert(Charge.table, try fitted(Charge.table, charge.row))]
        case .adjustCharge(let ban, let seq, let activity, let amount, let tax, let description):
            guard let before = one(0) else { throw StoreError(.notFound, "account \(ban) has no charge \(seq)/\(activity)") }
            var charge = try decode(Charge.self, before)
            charge.amount = amount
            charge.taxAmount = tax
            charge.description = description
            charge.updatedAt = now
            return [.update(Charge.table, before: before, after: try fitted(Charge.table, charge.row))]
        case .deleteCharge(let ban, let seq, let activity):
            guard let row = one(0) else { throw StoreError(.notFound, "account \(ban) has no charge \(seq)/\(activity)") }
            return [.delete(Charge.table, row)]
        }
    }
}

/// A row a write reads: one row by known column values (enough for MySQL's
/// primary key and the item key), or a subscriber's service agreements.
public enum RowRead: Sendable, Hashable {
    case row(String, [String: String])
    case serviceAgreements(ban: UInt64, subscriberNo: String)
    /// The subscriber with this number, whatever its account (DynamoDB: GSI1).
    case subscriberOnAnyAccount(String)
    /// The customer with this customer_id, whatever its account (MySQL: the
    /// primary key; DynamoDB: no key or index holds it, so a filtered Scan).
    case customer(id: UInt64)

    static func account(_ ban: UInt64) -> RowRead { .row(BillingAccount.table, ["ban": String(ban)]) }
    static func subscriber(ban: UInt64, _ number: String) -> RowRead {
        .row(Subscriber.table, ["ban": String(ban), "subscriber_no": number])
    }
    static func serviceAgreement(_ ban: UInt64, _ number: String, _ soc: String) -> RowRead {
        .row(ServiceAgreement.table, ["ban": String(ban), "subscriber_no": number, "soc": soc])
    }
    static func charge(_ ban: UInt64, _ seq: UInt64, _ activity: String) -> RowRead {
        .row(Charge.table, ["ban": String(ban), "charge_seq": String(seq), "activity_num": activity])
    }

    /// A full-length row of `table` with the known columns set and NULL elsewhere
    /// (what `ItemMapper.key` reads the item key from).
    public func keyRow(mapping: Mapping) -> (table: String, row: SourceRow)? {
        guard case .row(let table, let known) = self, let spec = mapping.table(table) else { return nil }
        return (table, spec.columns.map { column in known[column.name].map { .text($0) } ?? .null })
    }
}

/// One row change of a write.
public enum RowMutation: Sendable, Hashable {
    case insert(String, SourceRow)
    /// The key may change (a subscriber moved to another account).
    case update(String, before: SourceRow, after: SourceRow)
    case delete(String, SourceRow)

    public var table: String {
        switch self {
        case .insert(let table, _), .update(let table, _, _), .delete(let table, _): table
        }
    }
}
