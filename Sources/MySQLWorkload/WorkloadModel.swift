/// What the workload planner knows about the database: the keys of the rows it
/// may touch, account by account, and the next free identifiers. Only keys: the
/// other columns are overwritten, never read.
///
/// Arrays, not sets, wherever the planner picks at random: a set's order changes
/// from run to run, and a seed must give the same statements every time.
public struct WorkloadModel: Sendable, Hashable {
    public struct Subscriber: Sendable, Hashable {
        public var number: String
        /// The `soc`s of its service agreements (all under the account's `ban`).
        public var agreements: [String]

        public init(number: String, agreements: [String] = []) {
            self.number = number
            self.agreements = agreements
        }
    }

    public struct Charge: Sendable, Hashable {
        public var sequence: UInt64
        public var activity: String
        /// The subscriber it is billed to (`subscriber_no`), nil for an account-level
        /// charge: deleting or renumbering the subscriber takes its charges along, as
        /// the billing application does.
        public var subscriber: String?

        public init(sequence: UInt64, activity: String, subscriber: String? = nil) {
            self.sequence = sequence
            self.activity = activity
            self.subscriber = subscriber
        }
    }

    /// One account and the rows that hang off it.
    public struct Account: Sendable, Hashable {
        public var ban: UInt64
        public var customerID: UInt64?
        public var subscribers: [Subscriber]
        /// `bill_seq_number`s, ascending.
        public var bills: [UInt32]
        public var charges: [Charge]
        /// The next free `charge_seq` of this account.
        public var nextChargeSequence: UInt64
        /// The database holds rows of this account the model does not (a subscriber
        /// with agreements under another account): it is never deleted whole.
        public var hasRowsElsewhere = false

        public init(
            ban: UInt64, customerID: UInt64? = nil, subscribers: [Subscriber] = [], bills: [UInt32] = [],
            charges: [Charge] = [], nextChargeSequence: UInt64? = nil
        ) {
            self.ban = ban
            self.customerID = customerID
            self.subscribers = subscribers
            self.bills = bills.sorted()
            self.charges = charges
            self.nextChargeSequence = nextChargeSequence ?? ((charges.map(\.sequence).max() ?? 0) + 1)
        }

        public var nextBillSequence: UInt32 { (bills.last ?? 0) + 1 }
        /// Rows of the account in all six tables.
        public var rowCount: Int { 1 + (customerID == nil ? 0 : 1) + subscribers.count + agreementCount + bills.count + charges.count }
        public var agreementCount: Int { subscribers.reduce(0) { $0 + $1.agreements.count } }
    }

    /// Hands out identifiers `next, next + stride, …`, so that models split for
    /// several connections never hand out the same one.
    public struct Allocator: Sendable, Hashable {
        public private(set) var next: UInt64
        public private(set) var stride: UInt64

        public init(next: UInt64, stride: UInt64 = 1) {
            self.next = next
            self.stride = max(1, stride)
        }

        public mutating func take() -> UInt64 {
            defer { next += stride }
            return next
        }

        /// The allocator of part `index` of `parts`.
        func part(_ index: Int, of parts: Int) -> Allocator {
            Allocator(next: next + UInt64(index) * stride, stride: stride * UInt64(parts))
        }
    }

    public private(set) var accounts: [Account]
    private var indexByBan: [UInt64: Int]
    public var bans: Allocator
    public var customerIDs: Allocator
    /// Numeric subscriber numbers (`subscriber_no` is text; new ones are digits).
    public var subscriberNumbers: Allocator

    public init(accounts: [Account], bans: Allocator, customerIDs: Allocator, subscriberNumbers: Allocator) {
        self.accounts = accounts
        self.indexByBan = Dictionary(accounts.enumerated().map { ($0.element.ban, $0.offset) }, uniquingKeysWith: { first, _ in first })
        self.bans = bans
        self.customerIDs = customerIDs
        self.subscriberNumbers = subscriberNumbers
    }

    /// A model whose allocators start after the largest identifiers in `accounts`
    /// and after `atLeast…` (the largest in the whole database, when the model holds part of it).
    public init(accounts: [Account], maxBan: UInt64 = 0, maxCustomerID: UInt64 = 0, maxSubscriberNumber: UInt64 = 0) {
        let ban = max(maxBan, accounts.map(\.ban).max() ?? 0)
        let customer = max(maxCustomerID, accounts.compactMap(\.customerID).max() ?? 0)
        let numbers = accounts.flatMap { $0.subscribers.compactMap { UInt64($0.number) } }
        let subscriber = max(maxSubscriberNumber, numbers.max() ?? 0)
        self.init(
            accounts: accounts,
            bans: Allocator(next: max(ban + 1, 900_000_001)),
            customerIDs: Allocator(next: max(customer + 1, 9_000_001)),
            subscriberNumbers: Allocator(next: max(subscriber + 1, 70_000_000_001)))
    }

    public var isEmpty: Bool { accounts.isEmpty }

    public func index(ofBan ban: UInt64) -> Int? { indexByBan[ban] }

    public subscript(index: Int) -> Account {
        get { accounts[index] }
        set {
            precondition(newValue.ban == accounts[index].ban, "an account's ban does not change in the model")
            accounts[index] = newValue
        }
    }

    /// Removes the account at `index` (later accounts move up one).
    public mutating func remove(at index: Int) {
        accounts.remove(at: index)
        indexByBan = Dictionary(uniqueKeysWithValues: accounts.enumerated().map { ($0.element.ban, $0.offset) })
    }

    public mutating func append(_ account: Account) {
        precondition(indexByBan[account.ban] == nil, "account \(account.ban) is already in the model")
        indexByBan[account.ban] = accounts.count
        accounts.append(account)
    }

    /// Splits the model for `parts` connections: account `i` goes to part `i % parts`,
    /// and each part allocates its own identifiers, so that the parts never touch
    /// the same rows and their transactions never conflict on keys.
    public func split(into parts: Int) -> [WorkloadModel] {
        let parts = max(1, parts)
        return (0..<parts).map { part in
            WorkloadModel(
                accounts: accounts.enumerated().filter { $0.offset % parts == part }.map(\.element),
                bans: bans.part(part, of: parts),
                customerIDs: customerIDs.part(part, of: parts),
                subscriberNumbers: subscriberNumbers.part(part, of: parts))
        }
    }

    /// Rows the model knows of per table (what a count of those accounts' rows gives).
    public var rowCounts: [String: Int] {
        var counts = ["BILLING_ACCOUNT": accounts.count, "CUSTOMER": 0, "SUBSCRIBER": 0, "SERVICE_AGREEMENT": 0, "BILL": 0, "CHARGE": 0]
        for account in accounts {
            counts["CUSTOMER"]! += account.customerID == nil ? 0 : 1
            counts["SUBSCRIBER"]! += account.subscribers.count
            counts["SERVICE_AGREEMENT"]! += account.agreementCount
            counts["BILL"]! += account.bills.count
            counts["CHARGE"]! += account.charges.count
        }
        return counts
    }
}
