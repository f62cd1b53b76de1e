/// The shape of one generated account: everything other tables must agree on
/// (keys, counts, dates, plans). Drawn from the account's own "shape" stream, so it
/// is cheap to recompute and the same for every table's generator.
struct SampleAccount {
    struct PricePlan {
        let soc: String
        let productType: String
        /// Monthly rate in cents.
        let rate: Int64
    }

    struct Feature {
        let soc: String
        let rate: Int64
    }

    struct Subscriber {
        let number: String
        let productType: String
        let plan: PricePlan
        let status: String
        /// Optional/regular SOCs besides the price plan (distinct).
        let features: [Feature]
        let activationDay: Int
        var agreementCount: Int { 1 + features.count }
    }

    let index: Int
    let ban: UInt64
    let accountType: String
    let cycleCode: String
    /// Day of month the cycle closes; 0 = the month's last day.
    let closeDay: Int
    let serviceStartDay: Int
    let place: SampleText.Place
    let currency: String
    let subscribers: [Subscriber]
    let chargesPerBill: [Int]
    let unbilledCharges: Int

    var agreementCount: Int { subscribers.reduce(0) { $0 + $1.agreementCount } }
    var chargeCount: Int { chargesPerBill.reduce(0, +) + unbilledCharges }

    static let cycles: [(code: String, closeDay: Int)] = [
        ("C01", 1), ("C05", 5), ("C10", 10), ("C15", 15), ("C20", 20), ("C25", 25), ("MONTHLY", 0),
    ]

    static let pricePlans: [PricePlan] = [
        PricePlan(soc: "PLNBAS15", productType: "C", rate: 1500),
        PricePlan(soc: "PLN25GB", productType: "C", rate: 4500),
        PricePlan(soc: "PLNUL50", productType: "C", rate: 5000),
        PricePlan(soc: "PLNFAM80", productType: "C", rate: 8000),
        PricePlan(soc: "PLNINT60", productType: "I", rate: 6000),
        PricePlan(soc: "PLNFIB99", productType: "I", rate: 9999),
        PricePlan(soc: "PLNTV40", productType: "T", rate: 4000),
        PricePlan(soc: "PLNTVX75", productType: "T", rate: 7500),
    ]

    static let features: [String: [Feature]] = [
        "C": [
            Feature(soc: "VM", rate: 300), Feature(soc: "CALLID", rate: 0), Feature(soc: "INTLCALL", rate: 1000),
            Feature(soc: "ROAMPASS", rate: 1200), Feature(soc: "INSUR", rate: 1399), Feature(soc: "HOTSPOT", rate: 500),
        ],
        "I": [
            Feature(soc: "STATICIP", rate: 500), Feature(soc: "WIFIEXT", rate: 800), Feature(soc: "SECURITY", rate: 399),
        ],
        "T": [
            Feature(soc: "SPORTS", rate: 1499), Feature(soc: "MOVIES", rate: 999), Feature(soc: "DVR", rate: 600),
            Feature(soc: "KIDS", rate: 499),
        ],
    ]

    static let currencies: [String: String] = [
        "US": "USD", "CA": "CAD", "FR": "EUR", "DE": "EUR", "ES": "EUR", "CH": "CHF", "BR": "BRL", "PL": "PLN",
        "JP": "JPY",
    ]

    init(configuration: SampleDataConfiguration, index: Int) {
        var random = SplitMix64(seed: configuration.seed, stream: UInt64(index), 0)
        self.index = index
        ban = configuration.firstBan + UInt64(index)
        accountType = random.pick(weighted: [("I", 75), ("B", 20), ("G", 5)])
        let cycle = random.pick(Self.cycles)
        cycleCode = cycle.code
        closeDay = cycle.closeDay
        place = random.pick(SampleText.places)
        currency = Self.currencies[place.country] ?? "USD"

        let firstClose = Self.closeDate(configuration: configuration, closeDay: closeDay, bill: 1)
        serviceStartDay = firstClose - random.int(45...2500)

        let subscriberCount = random.pick(weighted: [(1, 30), (2, 28), (3, 20), (4, 13), (5, 9)])
        var subscribers: [Subscriber] = []
        for position in 0..<subscriberCount {
            let productType = random.pick(weighted: [("C", 80), ("I", 12), ("T", 8)])
            let plans = Self.pricePlans.filter { $0.productType == productType }
            let plan = random.pick(plans)
            var available = Self.features[productType]!
            var features: [Feature] = []
            for _ in 0..<(random.int(2...4) - 1) {
                features.append(available.remove(at: random.int(0...(available.count - 1))))
            }
            subscribers.append(
                Subscriber(
                    number: Self.subscriberNumber(accountIndex: index, position: position),
                    productType: productType,
                    plan: plan,
                    status: random.pick(weighted: [("A", 85), ("S", 6), ("C", 6), ("R", 3)]),
                    features: features,
                    activationDay: serviceStartDay + random.int(0...40)
                )
            )
        }
        self.subscribers = subscribers
        chargesPerBill = (0..<configuration.billsPerAccount).map { _ in
            random.int(configuration.chargesPerBill)
        }
        unbilledCharges = random.int(0...8)
    }

    /// A 10-digit number, unique over all accounts: area code from the high part.
    static func subscriberNumber(accountIndex: Int, position: Int) -> String {
        let serial = accountIndex * 5 + position
        return SampleFormatting.pad(200 + serial / 10_000_000, 3) + SampleFormatting.pad(serial % 10_000_000, 7)
    }

    /// The close date (day number) of bill `bill` (1-based; 0 is the month before the first).
    static func closeDate(configuration: SampleDataConfiguration, closeDay: Int, bill: Int) -> Int {
        let (year, month) = SampleFormatting.addMonths(
            year: configuration.firstBillYear,
            month: configuration.firstBillMonth,
            bill - 1
        )
        let last = SampleFormatting.daysInMonth(year: year, month: month)
        let day = closeDay == 0 ? last : min(closeDay, last)
        return SampleFormatting.days(year: year, month: month, day: day)
    }

    func closeDate(_ configuration: SampleDataConfiguration, bill: Int) -> Int {
        Self.closeDate(configuration: configuration, closeDay: closeDay, bill: bill)
    }

    /// Row counts per table for this account (bad rows not included).
    func rowCount(_ table: SampleTable, configuration: SampleDataConfiguration) -> Int {
        switch table {
        case .billingAccount, .customer: return 1
        case .subscriber: return subscribers.count
        case .serviceAgreement: return agreementCount
        case .bill: return configuration.billsPerAccount
        case .charge: return chargeCount
        }
    }
}
