import BillingModel
import SampleData

/// The kinds of transaction the workload runs, as an OLTP billing system would.
public enum WorkloadTemplate: String, CaseIterable, Sendable, Hashable, Codable {
    /// An account with its customer, one or two subscribers with agreements, sometimes charges.
    case newAccount = "new-account"
    /// A subscriber and its agreements.
    case newSubscriber = "new-subscriber"
    /// One to four charges in one multi-row INSERT.
    case newCharges = "new-charges"
    /// A bill, and some charges put on it.
    case newBill = "new-bill"
    case updateAccount = "update-account"
    case updateCustomer = "update-customer"
    case updateSubscriber = "update-subscriber"
    case updateAgreement = "update-agreement"
    case updateBill = "update-bill"
    /// One to three charges: amounts (credits are negative), descriptions, billing.
    case updateCharges = "update-charges"
    case deleteCharges = "delete-charges"
    case deleteAgreement = "delete-agreement"
    /// A subscriber with its agreements.
    case deleteSubscriber = "delete-subscriber"
    case deleteBill = "delete-bill"
    /// A small account with every row it has: charges, bills, agreements,
    /// subscribers, customer, account, in one transaction.
    case closeAccount = "close-account"
    /// A CHARGE's `charge_seq` (and sometimes `activity_num`): a new primary key.
    case changeChargeKey = "change-charge-key"
    /// A SERVICE_AGREEMENT's `soc`: a new primary key.
    case changeAgreementKey = "change-agreement-key"
    /// A CUSTOMER's `customer_id`: a new primary key (the item key stays `BAN#…/CUSTOMER`).
    case changeCustomerKey = "change-customer-key"
    /// A BILL's `bill_seq_number`: a new primary key.
    case changeBillKey = "change-bill-key"
    /// A new `subscriber_no`: its agreements are deleted first and inserted again
    /// under the new number, as the foreign key from SERVICE_AGREEMENT requires.
    case renameSubscriber = "rename-subscriber"
    /// A subscriber moves to another account (`ban`, its item's partition key) with its
    /// agreements (whose `ban` is part of their primary key).
    case moveSubscriber = "move-subscriber"
}

/// How often each transaction runs, and how many end in ROLLBACK.
public struct WorkloadMix: Sendable, Hashable {
    public var weights: [(template: WorkloadTemplate, weight: Int)]
    /// Percent of transactions that end in ROLLBACK.
    public var rollbackPercent: Double

    public init(weights: [(template: WorkloadTemplate, weight: Int)] = WorkloadMix.defaultWeights, rollbackPercent: Double = 3) {
        precondition(weights.contains { $0.weight > 0 }, "a workload mix needs a positive weight")
        self.weights = weights
        self.rollbackPercent = rollbackPercent
    }

    public static let defaultWeights: [(template: WorkloadTemplate, weight: Int)] = [
        (.newAccount, 3), (.newSubscriber, 5), (.newCharges, 14), (.newBill, 3),
        (.updateAccount, 6), (.updateCustomer, 6), (.updateSubscriber, 7), (.updateAgreement, 6), (.updateBill, 6),
        (.updateCharges, 14), (.deleteCharges, 7), (.deleteAgreement, 4), (.deleteSubscriber, 2),
        (.deleteBill, 1), (.closeAccount, 1),
        (.changeChargeKey, 5), (.changeAgreementKey, 3), (.changeCustomerKey, 2), (.changeBillKey, 1),
        (.renameSubscriber, 2), (.moveSubscriber, 3),
    ]

    public static func == (lhs: WorkloadMix, rhs: WorkloadMix) -> Bool {
        lhs.rollbackPercent == rhs.rollbackPercent
            && lhs.weights.map(\.template) == rhs.weights.map(\.template)
            && lhs.weights.map(\.weight) == rhs.weights.map(\.weight)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(rollbackPercent)
        for (template, weight) in weights {
            hasher.combine(template)
            hasher.combine(weight)
        }
    }
}

/// Chooses the workload's transactions: pure, so a seed and a model give the same
/// statements every time, and the foreign keys of CONTRACT §1 hold after each one.
///
/// Every transaction stays inside the accounts of its model (a model split per
/// connection keeps connections off each other's rows). The model follows the
/// committed transactions; a transaction that rolls back leaves it as it was.
public struct WorkloadPlanner: Sendable {
    public private(set) var model: WorkloadModel
    public let mix: WorkloadMix
    private var random: SplitMix64

    public init(model: WorkloadModel, seed: UInt64, mix: WorkloadMix = WorkloadMix()) {
        self.model = model
        self.mix = mix
        self.random = SplitMix64(seed: seed)
    }

    /// The next transaction, changing at most `budget` rows (at least one).
    public mutating func next(budget: Int = .max) -> WorkloadTransaction {
        let budget = max(1, budget)
        let rollsBack = random.chance(mix.rollbackPercent)
        let weights = mix.weights.filter { $0.weight > 0 }.map { ($0.template, $0.weight) }
        for _ in 0..<12 {
            let template = random.pick(weighted: weights)
            if let plan = build(template, budget: budget), !plan.statements.isEmpty, plan.changes <= budget {
                return finish(plan, template: template, rollsBack: rollsBack)
            }
        }
        // Always possible: an account of its own, as large as the budget allows.
        return finish(newAccount(budget: budget), template: .newAccount, rollsBack: rollsBack)
    }

    /// Statements and the model after them.
    private struct Plan {
        var statements: [WorkloadStatement] = []
        var changedAccounts: [(index: Int, account: WorkloadModel.Account)] = []
        var newAccounts: [WorkloadModel.Account] = []
        var removedAccount: Int?
        var changes: Int { statements.reduce(0) { $0 + $1.expectedRows } }
    }

    private mutating func finish(_ plan: Plan, template: WorkloadTemplate, rollsBack: Bool) -> WorkloadTransaction {
        if !rollsBack {
            for (index, account) in plan.changedAccounts { model[index] = account }
            if let index = plan.removedAccount { model.remove(at: index) }
            for account in plan.newAccounts { model.append(account) }
        }
        return WorkloadTransaction(label: template.rawValue, statements: plan.statements, rollsBack: rollsBack)
    }

    private mutating func build(_ template: WorkloadTemplate, budget: Int) -> Plan? {
        switch template {
        case .newAccount: return budget >= 2 ? newAccount(budget: budget) : nil
        case .newSubscriber: return newSubscriber(budget: budget)
        case .newCharges: return newCharges(budget: budget)
        case .newBill: return newBill(budget: budget)
        case .updateAccount: return updateAccount()
        case .updateCustomer: return updateCustomer()
        case .updateSubscriber: return updateSubscriber()
        case .updateAgreement: return updateAgreement()
        case .updateBill: return updateBill()
        case .updateCharges: return updateCharges(budget: budget)
        case .deleteCharges: return deleteCharges(budget: budget)
        case .deleteAgreement: return deleteAgreement()
        case .deleteSubscriber: return deleteSubscriber()
        case .deleteBill: return deleteBill()
        case .closeAccount: return closeAccount(budget: budget)
        case .changeChargeKey: return changeChargeKey()
        case .changeAgreementKey: return changeAgreementKey()
        case .changeCustomerKey: return changeCustomerKey()
        case .changeBillKey: return changeBillKey()
        case .renameSubscriber: return renameSubscriber()
        case .moveSubscriber: return moveSubscriber()
        }
    }

    // MARK: Choosing

    /// A random account satisfying `condition`, by index; nil when none does (after a few tries).
    private mutating func pickAccount(where condition: (WorkloadModel.Account) -> Bool = { _ in true }) -> Int? {
        guard !model.isEmpty else { return nil }
        for _ in 0..<8 {
            let index = random.int(0...(model.accounts.count - 1))
            if condition(model[index]) { return index }
        }
        return nil
    }

    /// `count` distinct indexes below `total`, in the order drawn.
    private mutating func distinct(_ count: Int, below total: Int) -> [Int] {
        var indexes = Array(0..<total)
        let count = min(count, total)
        for position in 0..<count {
            indexes.swapAt(position, random.int(position...(total - 1)))
        }
        return Array(indexes.prefix(count))
    }

    // MARK: Inserts

    private mutating func newAccount(budget: Int) -> Plan {
        let ban = model.bans.take()
        var account = WorkloadModel.Account(ban: ban)
        var plan = Plan()
        plan.statements.append(insert(.billingAccount, [values.account(ban: ban, random: &random)]))
        var left = budget - 1
        if left >= 1 {
            let customer = model.customerIDs.take()
            account.customerID = customer
            plan.statements.append(insert(.customer, [values.customer(id: customer, ban: ban, random: &random)]))
            left -= 1
        }
        var subscriberRows: [[WorkloadValue]] = []
        var agreementRows: [[WorkloadValue]] = []
        for _ in 0..<random.int(1...2) where left >= 2 {
            let number = String(model.subscriberNumbers.take())
            let socs = WorkloadValues.pickSocs(min(left - 1, random.int(1...3)), random: &random)
            subscriberRows.append(values.subscriber(number: number, ban: ban, random: &random))
            agreementRows += socs.map { values.agreement(ban: ban, subscriber: number, soc: $0, random: &random) }
            account.subscribers.append(.init(number: number, agreements: socs))
            left -= 1 + socs.count
        }
        if !subscriberRows.isEmpty {
            plan.statements.append(insert(.subscriber, subscriberRows))
            plan.statements.append(insert(.serviceAgreement, agreementRows))
        }
        let charges = min(left, random.int(0...2))
        if charges > 0 {
            var rows: [[WorkloadValue]] = []
            for _ in 0..<charges { rows.append(chargeRow(&account)) }
            plan.statements.append(insert(.charge, rows))
        }
        plan.newAccounts.append(account)
        return plan
    }

    private mutating func newSubscriber(budget: Int) -> Plan? {
        guard budget >= 2, let index = pickAccount() else { return nil }
        var account = model[index]
        let number = String(model.subscriberNumbers.take())
        let socs = WorkloadValues.pickSocs(min(budget - 1, random.int(1...3)), random: &random)
        var plan = Plan()
        plan.statements.append(insert(.subscriber, [values.subscriber(number: number, ban: account.ban, random: &random)]))
        plan.statements.append(insert(.serviceAgreement, socs.map { values.agreement(ban: account.ban, subscriber: number, soc: $0, random: &random) }))
        account.subscribers.append(.init(number: number, agreements: socs))
        plan.changedAccounts.append((index, account))
        return plan
    }

    private mutating func chargeRow(_ account: inout WorkloadModel.Account) -> [WorkloadValue] {
        let sequence = account.nextChargeSequence
        account.nextChargeSequence += 1
        let activity = WorkloadValues.activity(random: &random)
        let subscriber: String? = account.subscribers.isEmpty || random.chance(10) ? nil : random.pick(account.subscribers).number
        let bill: UInt32? = account.bills.isEmpty || random.chance(60) ? nil : random.pick(account.bills)
        account.charges.append(.init(sequence: sequence, activity: activity, subscriber: subscriber))
        return values.charge(ban: account.ban, sequence: sequence, activity: activity, subscriber: subscriber, bill: bill, random: &random)
    }

    private mutating func newCharges(budget: Int) -> Plan? {
        guard let index = pickAccount() else { return nil }
        var account = model[index]
        var rows: [[WorkloadValue]] = []
        for _ in 0..<min(budget, random.int(1...4)) { rows.append(chargeRow(&account)) }
        var plan = Plan()
        plan.statements.append(insert(.charge, rows))
        plan.changedAccounts.append((index, account))
        return plan
    }

    private mutating func newBill(budget: Int) -> Plan? {
        guard let index = pickAccount() else { return nil }
        var account = model[index]
        let sequence = account.nextBillSequence
        var plan = Plan()
        plan.statements.append(insert(.bill, [values.bill(ban: account.ban, sequence: sequence, random: &random)]))
        account.bills.append(sequence)
        for chargeIndex in distinct(min(budget - 1, random.int(0...3)), below: account.charges.count) {
            let charge = account.charges[chargeIndex]
            plan.statements.append(update(
                .charge, key: chargeKey(account.ban, charge),
                set: [.init("bill_seq_number", .text(String(sequence)))]))
        }
        plan.changedAccounts.append((index, account))
        return plan
    }

    // MARK: Updates

    private mutating func updateAccount() -> Plan? {
        guard let index = pickAccount() else { return nil }
        let ban = model[index].ban
        var set: [WorkloadStatement.Assignment] = []
        if random.chance(50) {
            set.append(.init("ban_status", .text(random.pick(["O", "S", "C", "N"]))))
            set.append(.init("status_date", .text(WorkloadValues.date(random: &random))))
        }
        if random.chance(50) {
            // NULL <-> value, and decimals with cents.
            set.append(.init("credit_limit", random.chance(30) ? .null : .text(WorkloadValues.decimal(Int64(random.int(0...5_000_000)), scale: 2))))
        }
        if random.chance(30) { set.append(.init("credit_class", random.chance(30) ? .null : .text(random.pick(["A", "B", "C", "D", "X"])))) }
        if random.chance(20) || set.isEmpty { set.append(.init("bill_cycle", .text(random.pick(WorkloadValues.cycles)))) }
        return Plan(statements: [update(.billingAccount, key: [.init("ban", .text(String(ban)))], set: set)])
    }

    private mutating func updateCustomer() -> Plan? {
        guard let index = pickAccount(where: { $0.customerID != nil }), let id = model[index].customerID else { return nil }
        var set: [WorkloadStatement.Assignment] = []
        if random.chance(60) { set.append(.init("notes", values.freeText(random: &random))) }
        if random.chance(30) { set.append(.init("email", random.chance(30) ? .null : .text("client\(random.int(1...99_999))@example.org"))) }
        if random.chance(25) { set.append(.init("address_line2", random.pick([.null, .text(""), .text("Apt. 4B, rear \"door\""), .text("Bâtiment C, 3ᵉ étage")]))) }
        if random.chance(20) { set.append(.init("first_name", .text(random.pick(["Zoë", "José", "Øystein", "Siobhán", "美咲", "O'Neil"])))) }
        if random.chance(20) { set.append(.init("phone", random.chance(30) ? .null : .text("+1 \(random.int(200...989))-555-\(random.int(1000...9999))"))) }
        if set.isEmpty { set.append(.init("notes", values.freeText(random: &random))) }
        return Plan(statements: [update(.customer, key: [.init("customer_id", .text(String(id)))], set: set)])
    }

    private mutating func updateSubscriber() -> Plan? {
        guard let index = pickAccount(where: { !$0.subscribers.isEmpty }) else { return nil }
        let number = random.pick(model[index].subscribers).number
        var set: [WorkloadStatement.Assignment] = []
        if random.chance(60) {
            set.append(.init("sub_status", .text(random.pick(["A", "S", "C", "R"]))))
            set.append(.init("sub_status_date", .text(WorkloadValues.date(random: &random))))
        }
        if random.chance(30) { set.append(.init("price_plan", .text(random.pick(WorkloadValues.plans)))) }
        if random.chance(30) || set.isEmpty {
            set.append(.init("init_activation_date", random.chance(40) ? .null : .text(WorkloadValues.date(random: &random))))
        }
        return Plan(statements: [update(.subscriber, key: [.init("subscriber_no", .text(number))], set: set)])
    }

    private mutating func updateAgreement() -> Plan? {
        guard let index = pickAccount(where: { $0.agreementCount > 0 }) else { return nil }
        let account = model[index]
        let subscriber = random.pick(account.subscribers.filter { !$0.agreements.isEmpty })
        let soc = random.pick(subscriber.agreements)
        var set: [WorkloadStatement.Assignment] = []
        if random.chance(60) { set.append(.init("monthly_rate", .text(WorkloadValues.decimal(Int64(random.int(0...19_999)), scale: 2)))) }
        if random.chance(50) || set.isEmpty {
            set.append(.init("expiration_date", random.chance(40) ? .null : .text(WorkloadValues.date(random: &random))))
        }
        return Plan(statements: [update(.serviceAgreement, key: agreementKey(account.ban, subscriber.number, soc), set: set)])
    }

    private mutating func updateBill() -> Plan? {
        guard let index = pickAccount(where: { !$0.bills.isEmpty }) else { return nil }
        let account = model[index]
        let sequence = random.pick(account.bills)
        var set: [WorkloadStatement.Assignment] = []
        if random.chance(70) {
            set.append(.init("payments", .text(WorkloadValues.decimal(Int64(random.int(0...50_000)), scale: 2))))
            // Overpaid bills have a negative amount due.
            set.append(.init("amount_due", .text(WorkloadValues.decimal(Int64(random.int(-20_000...80_000)), scale: 2))))
        }
        if random.chance(50) || set.isEmpty { set.append(.init("bill_status", .text(random.pick(["O", "P", "D", "W"])))) }
        let key: [WorkloadStatement.Assignment] = [.init("ban", .text(String(account.ban))), .init("bill_seq_number", .text(String(sequence)))]
        return Plan(statements: [update(.bill, key: key, set: set)])
    }

    private mutating func updateCharges(budget: Int) -> Plan? {
        guard let index = pickAccount(where: { !$0.charges.isEmpty }) else { return nil }
        let account = model[index]
        var plan = Plan()
        for chargeIndex in distinct(min(budget, random.int(1...3)), below: account.charges.count) {
            var set: [WorkloadStatement.Assignment] = []
            if random.chance(50) {
                let amount = Int64(random.int(-500_000...1_500_000))
                set.append(.init("amount", .text(WorkloadValues.decimal(amount, scale: 4))))
                set.append(.init("tax_amount", .text(WorkloadValues.decimal(amount * 13 / 100, scale: 4))))
            }
            if random.chance(40) { set.append(.init("description", values.freeText(random: &random))) }
            if random.chance(30) || set.isEmpty {
                let bill: WorkloadValue = account.bills.isEmpty || random.chance(40) ? .null : .text(String(random.pick(account.bills)))
                set.append(.init("bill_seq_number", bill))
            }
            plan.statements.append(update(.charge, key: chargeKey(account.ban, account.charges[chargeIndex]), set: set))
        }
        return plan
    }

    // MARK: Deletes

    private mutating func deleteCharges(budget: Int) -> Plan? {
        guard let index = pickAccount(where: { !$0.charges.isEmpty }) else { return nil }
        var account = model[index]
        var plan = Plan()
        let chosen = distinct(min(budget, random.int(1...2)), below: account.charges.count)
        for chargeIndex in chosen {
            plan.statements.append(delete(.charge, key: chargeKey(account.ban, account.charges[chargeIndex])))
        }
        let removed = Set(chosen)
        account.charges = account.charges.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        plan.changedAccounts.append((index, account))
        return plan
    }

    private mutating func deleteAgreement() -> Plan? {
        guard let index = pickAccount(where: { $0.agreementCount > 0 }) else { return nil }
        var account = model[index]
        let candidates = account.subscribers.indices.filter { !account.subscribers[$0].agreements.isEmpty }
        let subscriberIndex = random.pick(candidates)
        let agreementIndex = random.int(0...(account.subscribers[subscriberIndex].agreements.count - 1))
        let soc = account.subscribers[subscriberIndex].agreements.remove(at: agreementIndex)
        var plan = Plan(statements: [delete(.serviceAgreement, key: agreementKey(account.ban, account.subscribers[subscriberIndex].number, soc))])
        plan.changedAccounts.append((index, account))
        return plan
    }

    /// A subscriber billed for more charges than this is not deleted or renumbered (a
    /// billing system cancels such a subscriber instead, and keeps its history): one
    /// transaction would delete or rewrite hundreds of a sample account's charges.
    static let mostChargesOfAChangedSubscriber = 10

    /// Charges billed to `subscriber` on any account of the model.
    private func chargesBilled(to subscriber: String) -> Int {
        model.accounts.reduce(0) { total, account in total + account.charges.count { $0.subscriber == subscriber } }
    }

    private mutating func deleteSubscriber() -> Plan? {
        guard let index = pickAccount(where: { !$0.subscribers.isEmpty }) else { return nil }
        var account = model[index]
        let position = random.int(0...(account.subscribers.count - 1))
        guard chargesBilled(to: account.subscribers[position].number) <= Self.mostChargesOfAChangedSubscriber else { return nil }
        let subscriber = account.subscribers.remove(at: position)
        var plan = Plan()
        // Its charges go with it (a billing system keeps no charge of a subscriber it
        // removed), also those left on an account it moved away from.
        var others: [(Int, WorkloadModel.Account)] = []
        plan.statements += deleteBilledCharges(of: subscriber.number, in: index, &account, others: &others)
        plan.changedAccounts += others
        if !subscriber.agreements.isEmpty {
            plan.statements.append(WorkloadStatement(
                table: .serviceAgreement, kind: .delete,
                operation: .delete(key: [.init("ban", .text(String(account.ban))), .init("subscriber_no", .text(subscriber.number))]),
                expectedRows: subscriber.agreements.count))
        }
        plan.statements.append(delete(.subscriber, key: [.init("subscriber_no", .text(subscriber.number))]))
        plan.changedAccounts.append((index, account))
        return plan
    }

    private mutating func deleteBill() -> Plan? {
        guard let index = pickAccount(where: { !$0.bills.isEmpty }) else { return nil }
        var account = model[index]
        let sequence = account.bills.remove(at: random.int(0...(account.bills.count - 1)))
        var plan = Plan(statements: [
            delete(.bill, key: [.init("ban", .text(String(account.ban))), .init("bill_seq_number", .text(String(sequence)))])
        ])
        plan.changedAccounts.append((index, account))
        return plan
    }

    /// Accounts of at most this many rows may be closed: the workload's own, mostly
    /// (a sample account has hundreds of charges, one such transaction would be most of a run).
    static let largestClosedAccount = 60

    private mutating func closeAccount(budget: Int) -> Plan? {
        guard let index = pickAccount(where: { !$0.hasRowsElsewhere && $0.rowCount <= min(budget, Self.largestClosedAccount) }) else {
            return nil
        }
        var account = model[index]
        let ban: [WorkloadStatement.Assignment] = [.init("ban", .text(String(account.ban)))]
        func deleteAll(_ table: SampleTable, _ rows: Int) -> WorkloadStatement? {
            rows == 0 ? nil : WorkloadStatement(table: table, kind: .delete, operation: .delete(key: ban), expectedRows: rows)
        }
        var plan = Plan()
        // Charges billed to its subscribers on accounts they moved away from go too.
        var others: [(Int, WorkloadModel.Account)] = []
        for subscriber in account.subscribers {
            plan.statements += deleteBilledCharges(of: subscriber.number, in: index, &account, others: &others)
        }
        let elsewhere = others.reduce(0) { $0 + model[$1.0].charges.count - $1.1.charges.count }
        guard elsewhere <= Self.mostChargesOfAChangedSubscriber else { return nil }
        plan.changedAccounts = others
        plan.statements += [deleteAll(.charge, account.charges.count), deleteAll(.bill, account.bills.count)].compactMap { $0 }
        plan.statements += [deleteAll(.serviceAgreement, account.agreementCount), deleteAll(.subscriber, account.subscribers.count)].compactMap { $0 }
        if let customer = account.customerID {
            plan.statements.append(delete(.customer, key: [.init("customer_id", .text(String(customer)))]))
        }
        plan.statements.append(delete(.billingAccount, key: ban))
        plan.removedAccount = index
        return plan.changes <= budget ? plan : nil
    }

    // MARK: Primary-key changes

    private mutating func changeChargeKey() -> Plan? {
        guard let index = pickAccount(where: { !$0.charges.isEmpty }) else { return nil }
        var account = model[index]
        let chargeIndex = random.int(0...(account.charges.count - 1))
        let old = account.charges[chargeIndex]
        var new = WorkloadModel.Charge(sequence: account.nextChargeSequence, activity: old.activity, subscriber: old.subscriber)
        account.nextChargeSequence += 1
        var set: [WorkloadStatement.Assignment] = [.init("charge_seq", .text(String(new.sequence)))]
        if random.chance(40) {
            new.activity = WorkloadValues.activity(random: &random)
            set.append(.init("activity_num", .text(new.activity)))
        }
        account.charges[chargeIndex] = new
        var plan = Plan(statements: [update(.charge, key: chargeKey(account.ban, old), set: set, kind: .keyChange)])
        plan.changedAccounts.append((index, account))
        return plan
    }

    private mutating func changeAgreementKey() -> Plan? {
        guard let index = pickAccount(where: { $0.agreementCount > 0 }) else { return nil }
        var account = model[index]
        let candidates = account.subscribers.indices.filter { !account.subscribers[$0].agreements.isEmpty }
        let subscriberIndex = random.pick(candidates)
        let subscriber = account.subscribers[subscriberIndex]
        let free = WorkloadValues.socs.filter { !subscriber.agreements.contains($0) }
        guard !free.isEmpty else { return nil }
        let agreementIndex = random.int(0...(subscriber.agreements.count - 1))
        let old = subscriber.agreements[agreementIndex]
        let new = random.pick(free)
        account.subscribers[subscriberIndex].agreements[agreementIndex] = new
        var plan = Plan(statements: [
            update(.serviceAgreement, key: agreementKey(account.ban, subscriber.number, old), set: [.init("soc", .text(new))], kind: .keyChange)
        ])
        plan.changedAccounts.append((index, account))
        return plan
    }

    private mutating func changeCustomerKey() -> Plan? {
        guard let index = pickAccount(where: { $0.customerID != nil }), let old = model[index].customerID else { return nil }
        var account = model[index]
        let new = model.customerIDs.take()
        account.customerID = new
        var plan = Plan(statements: [
            update(.customer, key: [.init("customer_id", .text(String(old)))], set: [.init("customer_id", .text(String(new)))], kind: .keyChange)
        ])
        plan.changedAccounts.append((index, account))
        return plan
    }

    private mutating func changeBillKey() -> Plan? {
        guard let index = pickAccount(where: { !$0.bills.isEmpty }) else { return nil }
        var account = model[index]
        let billIndex = random.int(0...(account.bills.count - 1))
        let old = account.bills[billIndex]
        let new = account.nextBillSequence
        account.bills.remove(at: billIndex)
        account.bills.append(new)
        let key: [WorkloadStatement.Assignment] = [.init("ban", .text(String(account.ban))), .init("bill_seq_number", .text(String(old)))]
        var plan = Plan(statements: [update(.bill, key: key, set: [.init("bill_seq_number", .text(String(new)))], kind: .keyChange)])
        plan.changedAccounts.append((index, account))
        return plan
    }

    private mutating func renameSubscriber() -> Plan? {
        guard let index = pickAccount(where: { !$0.subscribers.isEmpty }) else { return nil }
        var account = model[index]
        let subscriberIndex = random.int(0...(account.subscribers.count - 1))
        let old = account.subscribers[subscriberIndex]
        guard chargesBilled(to: old.number) <= Self.mostChargesOfAChangedSubscriber else { return nil }
        let new = String(model.subscriberNumbers.take())
        var plan = Plan()
        if !old.agreements.isEmpty {
            plan.statements.append(WorkloadStatement(
                table: .serviceAgreement, kind: .delete,
                operation: .delete(key: [.init("ban", .text(String(account.ban))), .init("subscriber_no", .text(old.number))]),
                expectedRows: old.agreements.count))
        }
        plan.statements.append(update(
            .subscriber, key: [.init("subscriber_no", .text(old.number))], set: [.init("subscriber_no", .text(new))], kind: .keyChange))
        if !old.agreements.isEmpty {
            plan.statements.append(insert(
                .serviceAgreement, old.agreements.map { values.agreement(ban: account.ban, subscriber: new, soc: $0, random: &random) }))
        }
        // Its charges are billed to the new number, also those left on an account it moved away from.
        var others: [(Int, WorkloadModel.Account)] = []
        plan.statements += billedCharges(of: old.number, in: index, &account, others: &others) { ban, count in
            WorkloadStatement(
                table: .charge, kind: .update,
                operation: .update(
                    set: [.init("subscriber_no", .text(new))],
                    key: [.init("ban", .text(String(ban))), .init("subscriber_no", .text(old.number))]),
                expectedRows: count)
        } change: { charges in
            for position in charges.indices where charges[position].subscriber == old.number { charges[position].subscriber = new }
        }
        plan.changedAccounts += others
        account.subscribers[subscriberIndex].number = new
        plan.changedAccounts.append((index, account))
        return plan
    }

    /// One statement per account holding charges billed to `subscriber` (its own,
    /// `account` at `index`, first; then the accounts it moved away from), each
    /// with its row count, and those accounts' charges changed by `change`.
    private func billedCharges(
        of subscriber: String, in index: Int, _ account: inout WorkloadModel.Account,
        others: inout [(Int, WorkloadModel.Account)],
        statement: (UInt64, Int) -> WorkloadStatement, change: (inout [WorkloadModel.Charge]) -> Void
    ) -> [WorkloadStatement] {
        var statements: [WorkloadStatement] = []
        for position in model.accounts.indices {
            var holder = position == index ? account : model[position]
            let count = holder.charges.count { $0.subscriber == subscriber }
            guard count > 0 else { continue }
            statements.append(statement(holder.ban, count))
            change(&holder.charges)
            if position == index { account = holder } else { others.append((position, holder)) }
        }
        return statements
    }

    /// Deletes the charges billed to `subscriber`, on every account of the model that has some.
    private func deleteBilledCharges(
        of subscriber: String, in index: Int, _ account: inout WorkloadModel.Account, others: inout [(Int, WorkloadModel.Account)]
    ) -> [WorkloadStatement] {
        billedCharges(of: subscriber, in: index, &account, others: &others) { ban, count in
            WorkloadStatement(
                table: .charge, kind: .delete,
                operation: .delete(key: [.init("ban", .text(String(ban))), .init("subscriber_no", .text(subscriber))]),
                expectedRows: count)
        } change: { $0.removeAll { $0.subscriber == subscriber } }
    }

    private mutating func moveSubscriber() -> Plan? {
        guard model.accounts.count >= 2, let from = pickAccount(where: { !$0.subscribers.isEmpty }) else { return nil }
        var to = random.int(0...(model.accounts.count - 2))
        if to >= from { to += 1 }
        var source = model[from]
        var target = model[to]
        let subscriber = source.subscribers.remove(at: random.int(0...(source.subscribers.count - 1)))
        target.subscribers.append(subscriber)
        var plan = Plan()
        plan.statements.append(update(
            .subscriber, key: [.init("subscriber_no", .text(subscriber.number))], set: [.init("ban", .text(String(target.ban)))],
            kind: .keyChange))
        if !subscriber.agreements.isEmpty {
            plan.statements.append(WorkloadStatement(
                table: .serviceAgreement, kind: .keyChange,
                operation: .update(
                    set: [.init("ban", .text(String(target.ban))), .init("updated_at", .now)],
                    key: [.init("ban", .text(String(source.ban))), .init("subscriber_no", .text(subscriber.number))]),
                expectedRows: subscriber.agreements.count))
        }
        plan.changedAccounts = [(from, source), (to, target)]
        return plan
    }

    // MARK: Statements

    private var values: WorkloadValues { WorkloadValues() }

    private func insert(_ table: SampleTable, _ rows: [[WorkloadValue]]) -> WorkloadStatement {
        WorkloadStatement(table: table, kind: .insert, operation: .insert(rows: rows), expectedRows: rows.count)
    }

    /// A one-row UPDATE that also sets `updated_at` to the statement's time.
    private func update(
        _ table: SampleTable, key: [WorkloadStatement.Assignment], set: [WorkloadStatement.Assignment], kind: WorkloadChangeKind = .update
    ) -> WorkloadStatement {
        WorkloadStatement(table: table, kind: kind, operation: .update(set: set + [.init("updated_at", .now)], key: key), expectedRows: 1)
    }

    private func delete(_ table: SampleTable, key: [WorkloadStatement.Assignment]) -> WorkloadStatement {
        WorkloadStatement(table: table, kind: .delete, operation: .delete(key: key), expectedRows: 1)
    }

    private func chargeKey(_ ban: UInt64, _ charge: WorkloadModel.Charge) -> [WorkloadStatement.Assignment] {
        [.init("ban", .text(String(ban))), .init("charge_seq", .text(String(charge.sequence))), .init("activity_num", .text(charge.activity))]
    }

    private func agreementKey(_ ban: UInt64, _ subscriber: String, _ soc: String) -> [WorkloadStatement.Assignment] {
        [.init("ban", .text(String(ban))), .init("subscriber_no", .text(subscriber)), .init("soc", .text(soc))]
    }
}
