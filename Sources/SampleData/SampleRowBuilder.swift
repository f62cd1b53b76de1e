import BillingModel

/// Builds one account's rows of one table, in source column order, as text values.
/// Each table draws from its own stream of the account, so tables can be generated
/// separately, in any order, and always come out the same.
struct SampleRowBuilder {
    let configuration: SampleDataConfiguration
    let account: SampleAccount

    private typealias F = SampleFormatting

    private func stream(_ table: UInt64) -> SplitMix64 {
        SplitMix64(seed: configuration.seed, stream: UInt64(account.index), table)
    }

    func rows(_ table: SampleTable) -> [SourceRow] {
        switch table {
        case .billingAccount: return [billingAccount()]
        case .customer: return [customer()]
        case .subscriber: return subscribers()
        case .serviceAgreement: return serviceAgreements()
        case .bill: return bills()
        case .charge: return charges().map(\.row)
        }
    }

    private static func text(_ value: String) -> SourceValue { .text(value) }
    private static func text(_ value: String?) -> SourceValue { value.map { .text($0) } ?? .null }

    /// A created/updated pair on `day`: updated at or after created.
    private static func timestamps(day: Int, random: inout SplitMix64, laterDays: ClosedRange<Int> = 0...30) -> (
        SourceValue, SourceValue
    ) {
        let created = random.int(0...(86_400_000 - 1))
        let createdText = F.dateTime(day, millisecond: created)
        if random.chance(70) {
            return (.text(createdText), .text(createdText))
        }
        let updatedDay = day + random.int(laterDays)
        let updated = updatedDay == day ? random.int(created...(86_400_000 - 1)) : random.int(0...(86_400_000 - 1))
        return (.text(createdText), .text(F.dateTime(updatedDay, millisecond: updated)))
    }

    // MARK: BILLING_ACCOUNT

    func billingAccount() -> SourceRow {
        var random = stream(1)
        let status = random.pick(weighted: [("O", 85), ("S", 7), ("C", 5), ("N", 3)])
        let subType: String
        switch account.accountType {
        case "I": subType = random.pick(["RE", "ST", "SR", "PP"])
        case "B": subType = random.pick(["SM", "EN", "CO"])
        default: subType = random.pick(["FE", "PR", "MU"])
        }
        let statusDay = status == "O" ? account.serviceStartDay : account.closeDate(configuration, bill: random.int(1...configuration.billsPerAccount))
        let creditClass: String? = random.chance(20) ? nil : random.pick(["A", "B", "C", "D", "X"])
        let creditLimit: String? = random.chance(25) ? nil : F.decimal(Int64(random.int(10...500)) * 5000, scale: 2)
        let (created, updated) = Self.timestamps(day: account.serviceStartDay, random: &random, laterDays: 1...400)
        return [
            .text(String(account.ban)), .text(account.accountType), .text(subType), .text(status),
            .text(F.date(statusDay)), .text(account.cycleCode), Self.text(creditClass), Self.text(creditLimit),
            .text(account.currency), .text(F.date(account.serviceStartDay)), created, updated,
        ]
    }

    // MARK: CUSTOMER

    func customer() -> SourceRow {
        var random = stream(2)
        let person = account.accountType == "I"
        let first = random.pick(SampleText.firstNames)
        let last = random.pick(SampleText.lastNames)
        let firstName: String? = person || random.chance(60) ? first : nil
        let lastName: String? = person || random.chance(60) ? last : nil
        var company: String?
        if !person {
            let suffix = random.pick(SampleText.companySuffixes)
            let word = random.pick(SampleText.companyWords)
            company = suffix.hasPrefix(",") || suffix.hasPrefix(" ") ? word + suffix : word + " " + suffix
        }
        var email: String?
        if !random.chance(15) {
            let local = (firstName ?? company ?? "info").lowercased().filter { $0.isLetter && $0.isASCII }
            email = (local.isEmpty ? "client" : local) + String(account.index) + "@" + random.pick(SampleText.emailDomains)
        }
        let phone: String? = random.chance(10) ? nil : "+1 " + F.pad(random.int(200...989), 3) + "-555-" + F.pad(random.int(0...9999), 4)
        let place = account.place
        let line1 = String(random.int(1...9999)) + " " + random.pick(SampleText.streets)
        let line2: SourceValue
        switch random.int(0...99) {
        case 0..<70: line2 = .null
        case 70..<74: line2 = .text("")  // empty, not NULL: both must survive
        default: line2 = .text(random.pick(SampleText.unitLines))
        }
        let postal = place.postalPrefix + F.pad(random.int(0...99), 2)
        let birth: String? =
            person && !random.chance(10)
            ? F.date(F.days(year: random.int(1940...2004), month: random.int(1...12), day: random.int(1...28)))
            : nil
        let notes: String? = random.chance(55) ? nil : random.pick(SampleText.notes)
        let (created, updated) = Self.timestamps(day: account.serviceStartDay, random: &random, laterDays: 1...400)
        return [
            .text(String(5_000_000 + UInt64(account.index))), .text(String(account.ban)), .text(person ? "P" : "O"),
            Self.text(firstName), Self.text(lastName), Self.text(company), Self.text(email), Self.text(phone),
            .text(line1), line2, .text(place.city), Self.text(place.state), .text(postal), .text(place.country),
            Self.text(birth), Self.text(notes), created, updated,
        ]
    }

    // MARK: SUBSCRIBER

    func subscribers() -> [SourceRow] {
        var random = stream(3)
        return account.subscribers.map { subscriber in
            let statusDay =
                subscriber.status == "A" || subscriber.status == "R"
                ? subscriber.activationDay
                : account.closeDate(configuration, bill: random.int(1...configuration.billsPerAccount)) + random.int(1...20)
            let activation: String? = subscriber.status == "R" ? nil : F.date(subscriber.activationDay)
            let (created, updated) = Self.timestamps(day: subscriber.activationDay, random: &random, laterDays: 1...300)
            return [
                .text(subscriber.number), .text(String(account.ban)), .text(subscriber.status), .text(F.date(statusDay)),
                .text(subscriber.productType), .text(subscriber.plan.soc), Self.text(activation), created, updated,
            ]
        }
    }

    // MARK: SERVICE_AGREEMENT

    func serviceAgreements() -> [SourceRow] {
        var random = stream(4)
        var rows: [SourceRow] = []
        for subscriber in account.subscribers {
            let ended = subscriber.status == "C"
            let endDay = account.closeDate(configuration, bill: configuration.billsPerAccount) + 10
            let planRow: SourceRow = {
                let (created, updated) = Self.timestamps(day: subscriber.activationDay, random: &random)
                return [
                    .text(String(account.ban)), .text(subscriber.number), .text(subscriber.plan.soc), .text("P"),
                    .text(F.date(subscriber.activationDay)), ended ? .text(F.date(endDay)) : .null,
                    .text(F.decimal(subscriber.plan.rate, scale: 2)), created, updated,
                ]
            }()
            rows.append(planRow)
            for feature in subscriber.features {
                let effective = subscriber.activationDay + random.int(0...200)
                let expires: SourceValue =
                    ended || random.chance(15) ? .text(F.date(effective + random.int(30...365))) : .null
                let (created, updated) = Self.timestamps(day: effective, random: &random)
                rows.append([
                    .text(String(account.ban)), .text(subscriber.number), .text(feature.soc),
                    .text(random.chance(60) ? "O" : "R"), .text(F.date(effective)), expires,
                    .text(F.decimal(feature.rate, scale: 2)), created, updated,
                ])
            }
        }
        return rows
    }

    // MARK: CHARGE

    struct Charge {
        let billSeq: Int?
        /// Amount and tax in 1/10000 units (DECIMAL(12,4)).
        let amount: Int64
        let tax: Int64
        let row: SourceRow
    }

    func charges() -> [Charge] {
        var random = stream(6)
        var charges: [Charge] = []
        charges.reserveCapacity(account.chargeCount)
        var sequence = 0
        func period(_ bill: Int) -> ClosedRange<Int> {
            (account.closeDate(configuration, bill: bill - 1) + 1)...account.closeDate(configuration, bill: bill)
        }
        let lastClose = account.closeDate(configuration, bill: configuration.billsPerAccount)
        for bill in stride(from: 1, through: configuration.billsPerAccount, by: 1) {
            let days = period(bill)
            for _ in 0..<account.chargesPerBill[bill - 1] {
                sequence += 1
                charges.append(charge(sequence: sequence, day: random.int(days), bill: bill, random: &random))
            }
        }
        for _ in 0..<account.unbilledCharges {
            sequence += 1
            charges.append(charge(sequence: sequence, day: lastClose + random.int(1...25), bill: nil, random: &random))
        }
        return charges
    }

    /// Feature codes by weight: VOICE and DATA dominate, ROAM is rare.
    static let subscriberFeatures = [
        ("VOICE", 40), ("DATA", 34), ("SMS", 12), ("RECUR", 6), ("EQUIP", 3), ("CREDIT", 4), ("ROAM", 1),
    ]
    static let accountFeatures = [("ACCTFEE", 40), ("LATEFEE", 20), ("CREDIT", 25), ("EQUIP", 15)]

    private func charge(sequence: Int, day: Int, bill: Int?, random: inout SplitMix64) -> Charge {
        let accountLevel = random.chance(8)
        let subscriber: SampleAccount.Subscriber? = accountLevel ? nil : random.pick(account.subscribers)
        let feature = random.pick(weighted: accountLevel ? Self.accountFeatures : Self.subscriberFeatures)
        let amount: Int64
        switch feature {
        case "VOICE": amount = Int64(random.int(123...120_000))
        case "DATA": amount = Int64(random.int(50...3500)) * 100
        case "SMS": amount = Int64(random.int(1...150)) * 100
        case "ROAM": amount = Int64(random.int(500...15_000)) * 100
        case "RECUR": amount = (subscriber?.plan.rate ?? 1500) * 100
        case "EQUIP": amount = Int64(random.int(1000...6000)) * 100
        case "CREDIT": amount = -Int64(random.int(100...5000)) * 100
        case "ACCTFEE": amount = random.chance(50) ? 29_900 : 49_900
        case "LATEFEE": amount = 150_000
        default: amount = 10_000
        }
        let tax = F.roundedDivision(amount * 13, 100)
        let description: SourceValue
        switch random.int(0...99) {
        case 0..<8: description = .null
        case 8..<10: description = .text("")
        default: description = .text(random.pick(SampleText.chargeDescriptions[feature] ?? ["Miscellaneous"]))
        }
        let activity = "AC" + F.pad(Int(random.next() % 10_000_000_000), 10)
        let (created, updated) = Self.timestamps(day: day, random: &random, laterDays: 0...5)
        let row: SourceRow = [
            .text(String(account.ban)), .text(String(sequence)), .text(activity), Self.text(subscriber?.number),
            .text(feature), .text(F.date(day)), .text(F.decimal(amount, scale: 4)), .text(F.decimal(tax, scale: 4)),
            Self.text(bill.map { String($0) }), description, created, updated,
        ]
        return Charge(billSeq: bill, amount: amount, tax: tax, row: row)
    }

    // MARK: BILL

    func bills() -> [SourceRow] {
        let bills = configuration.billsPerAccount
        guard bills > 0 else { return [] }
        var chargeTotals = [Int64](repeating: 0, count: bills + 1)
        var taxTotals = [Int64](repeating: 0, count: bills + 1)
        for charge in charges() {
            guard let seq = charge.billSeq else { continue }
            chargeTotals[seq] += charge.amount
            taxTotals[seq] += charge.tax
        }
        var random = stream(5)
        // Payments made on each bill against the previous balance: full, partial or none.
        var previousBalance: Int64 = random.chance(70) ? 0 : Int64(random.int(1...20_000))
        var rows: [SourceRow] = []
        var paymentKinds: [Int] = []  // 0 full, 1 partial, 2 none, per bill (payment on that bill)
        for _ in 0...bills { paymentKinds.append(random.pick(weighted: [(0, 90), (1, 6), (2, 4)])) }
        for seq in 1...bills {
            let close = account.closeDate(configuration, bill: seq)
            let billDay = close + random.int(1...3)
            let dueDay = billDay + 21
            let payments: Int64
            switch paymentKinds[seq] {
            case 0: payments = previousBalance
            case 1: payments = previousBalance / 2
            default: payments = 0
            }
            let charges = F.roundedDivision(chargeTotals[seq], 100)
            let taxes = F.roundedDivision(taxTotals[seq], 100)
            let due = previousBalance - payments + charges + taxes
            let status: String
            if seq == bills {
                status = "O"
            } else {
                switch paymentKinds[seq + 1] {
                case 0: status = "P"
                case 1: status = "O"
                default: status = random.chance(30) ? "W" : "D"
                }
            }
            let (created, updated) = Self.timestamps(day: billDay, random: &random, laterDays: 1...25)
            rows.append([
                .text(String(account.ban)), .text(String(seq)), .text(account.cycleCode), .text(F.date(close)),
                .text(F.date(billDay)), .text(F.date(dueDay)), .text(F.decimal(previousBalance, scale: 2)),
                .text(F.decimal(payments, scale: 2)), .text(F.decimal(charges, scale: 2)),
                .text(F.decimal(taxes, scale: 2)), .text(F.decimal(due, scale: 2)), .text(status), created, updated,
            ])
            previousBalance = due
        }
        return rows
    }
}
