import BillingModel
import BillingService
import BillingStores
import SampleData
import Testing

/// Both stores answer every access pattern with the same records, in the same
/// order and the same pages, equal to plain SQL; and stay so through a random
/// sequence of the application's writes applied to each.
@Suite(.serialized) struct BillingStoreEquivalenceTests {
    @Test func bothStoresAnswerEveryPatternAlikeBeforeAndAfterRandomWrites() async throws {
        try await ServiceFixture.with("svceq") { fixture in
            try await expectEquivalent(fixture, pageSizes: [1, 3, 50])

            var random = SplitMix64(seed: 2024)
            var outcomes: [String: Int] = [:]
            for step in 0..<60 {
                let write = randomWrite(fixture, step: step, random: &random)
                let context = WriteContext(
                    now: BillingTimestamp(epochMilliseconds: 1_750_000_000_000 + Int64(step) * 1000),
                    version: ApplicationVersion(epoch: 1, clock: UInt64(step + 1)))
                let blue = await outcome { () async throws(StoreError) -> WriteReceipt in try await fixture.mysql.execute(write, context: context) }
                let green = await outcome { () async throws(StoreError) -> WriteReceipt in try await fixture.dynamodb.execute(write, context: context) }
                #expect(blue == green, "write \(step) \(write.name): MySQL \(blue), DynamoDB \(green)")
                outcomes["\(write.name):\(blue)", default: 0] += 1
            }
            // The sequence exercised successes and refusals of several kinds.
            #expect(outcomes.keys.filter { $0.hasSuffix(":ok") }.count >= 6, "\(outcomes)")
            #expect(outcomes.keys.contains { $0.hasSuffix(":conflict") || $0.hasSuffix(":notFound") }, "\(outcomes)")
            try await expectEquivalent(fixture, pageSizes: [2, 50])

            // Concurrent writes of one item in DynamoDB: each is conditional on the
            // version it read, so one wins and the others are conflicts, never lost updates.
            let charge = fixture.rows(.charge).last!
            let ban = UInt64(fixture.column(.charge, "ban", of: charge)!)!
            let seq = UInt64(fixture.column(.charge, "charge_seq", of: charge)!)!
            let activity = fixture.column(.charge, "activity_num", of: charge)!
            let results = await withTaskGroup(of: String.self) { group in
                for writer in 0..<6 {
                    group.addTask {
                        let write = BillingWrite.adjustCharge(
                            ban: ban, chargeSeq: seq, activityNum: activity, amount: BillingDecimal("\(writer).5")!,
                            taxAmount: BillingDecimal("0")!, description: "writer \(writer)")
                        let context = WriteContext(now: BillingTimestamp(epochMilliseconds: 1_760_000_000_000), version: ApplicationVersion(epoch: 1, clock: 1000))
                        return await outcome { () async throws(StoreError) -> WriteReceipt in try await fixture.dynamodb.execute(write, context: context) }
                    }
                }
                return await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(results.contains("ok"), "\(results)")
            #expect(results.allSatisfy { $0 == "ok" || $0 == "conflict" }, "\(results)")
        }
    }

    /// CUSTOMER's primary key is customer_id: opening an account with a customer_id
    /// that exists (loaded by the migration, or written by the service) is refused
    /// by both stores with the same 409 and message, and changes nothing in either.
    @Test func bothStoresRefuseAnExistingCustomerID() async throws {
        try await ServiceFixture.with("svccust") { fixture in
            let loaded = fixture.rows(.customer).first!
            let loadedID = UInt64(fixture.column(.customer, "customer_id", of: loaded)!)!
            func open(_ ban: UInt64, customerID: UInt64, clock: UInt64) async -> (blue: String, green: String) {
                let date = BillingDate("2024-05-01")!
                let now = BillingTimestamp(epochMilliseconds: 0)
                let write = BillingWrite.openAccount(
                    BillingAccount(
                        ban: ban, accountType: "I", accountSubType: "R", banStatus: "O", statusDate: date, billCycle: "C05", currency: "USD",
                        startServiceDate: date, createdAt: now, updatedAt: now),
                    Customer(
                        customerId: customerID, ban: ban, customerType: "P", firstName: "Ada", addressLine1: "1 Main St", city: "Springfield",
                        postalCode: "12345", countryCode: "US", createdAt: now, updatedAt: now))
                let context = WriteContext(
                    now: BillingTimestamp(epochMilliseconds: 1_750_000_000_000), version: ApplicationVersion(epoch: 1, clock: clock))
                return (
                    await failure { () async throws(StoreError) -> WriteReceipt in try await fixture.mysql.execute(write, context: context) },
                    await failure { () async throws(StoreError) -> WriteReceipt in try await fixture.dynamodb.execute(write, context: context) }
                )
            }
            let refusal = "conflict: customer \(loadedID) exists already (on another account); open the account with a new customer_id"
            let migrated = await open(900_000_003, customerID: loadedID, clock: 1)
            #expect(migrated.blue == refusal)
            #expect(migrated.green == refusal)

            // A new customer_id opens; then the service's own customer is refused on another account.
            let opened = await open(900_000_003, customerID: 8_900_000_003, clock: 2)
            #expect(opened.blue == "ok" && opened.green == "ok", "\(opened)")
            let again = await open(900_000_004, customerID: 8_900_000_003, clock: 3)
            #expect(again.blue == "conflict: customer 8900000003 exists already (on another account); open the account with a new customer_id")
            #expect(again.green == again.blue)

            for ban: UInt64 in [900_000_003, 900_000_004] {
                let sql = try await fixture.plainSQL(.account(ban: ban))
                #expect(sql.count == (ban == 900_000_003 ? 2 : 0), "\(ban): \(sql)")
                let blue = try await ServiceFixture.allPages(fixture.mysql, .account(ban: ban), pageSize: 10)
                let green = try await ServiceFixture.allPages(fixture.dynamodb, .account(ban: ban), pageSize: 10)
                #expect(blue == green, "account \(ban) differs")
            }
        }
    }

    /// "ok", or the refusal's kind and message.
    func failure(_ body: () async throws(StoreError) -> WriteReceipt) async -> String {
        do {
            _ = try await body()
            return "ok"
        } catch {
            return "\(error.kind.rawValue): \(error.message)"
        }
    }

    func outcome(_ body: () async throws(StoreError) -> WriteReceipt) async -> String {
        do {
            _ = try await body()
            return "ok"
        } catch {
            return error.kind.rawValue
        }
    }

    func expectEquivalent(_ fixture: ServiceFixture, pageSizes: [Int]) async throws {
        var nonEmpty = 0
        for query in fixture.queries() + extraQueries() {
            let sql = try await fixture.plainSQL(query)
            for size in pageSizes {
                let blue = try await ServiceFixture.allPages(fixture.mysql, query, pageSize: size)
                let green = try await ServiceFixture.allPages(fixture.dynamodb, query, pageSize: size)
                #expect(blue == green, "\(query) pages of \(size) differ")
                let records = blue.flatMap { $0.map(\.record) }
                #expect(Set(records) == sql, "\(query) differs from plain SQL")
                #expect(records.count == sql.count, "\(query) returned a record twice")
                let positions = blue.flatMap { $0.map(\.position) }
                #expect(positions == positions.sorted(), "\(query) is out of order")
                #expect(blue.dropLast().allSatisfy { $0.count == size })
            }
            if !sql.isEmpty { nonEmpty += 1 }
        }
        #expect(nonEmpty > 20)
    }

    /// The accounts and subscribers the random writes create.
    func extraQueries() -> [BillingQuery] {
        [.account(ban: 900_000_001), .account(ban: 900_000_002), .subscriber(subscriberNo: "7770001"), .subscriber(subscriberNo: "7770002")]
    }

    func randomWrite(_ fixture: ServiceFixture, step: Int, random: inout SplitMix64) -> BillingWrite {
        let now = BillingTimestamp(epochMilliseconds: 0)
        let subscribers = fixture.rows(.subscriber)
        let charges = fixture.rows(.charge)
        let agreements = fixture.rows(.serviceAgreement)
        let accounts = fixture.rows(.billingAccount).map { UInt64(fixture.column(.billingAccount, "ban", of: $0)!)! } + [900_000_001, 900_000_002]
        func pick<T>(_ values: [T]) -> T { values[random.int(0...(values.count - 1))] }
        let date = BillingDate("2024-0\(random.int(1...9))-1\(random.int(0...9))")!
        switch random.int(0...10) {
        case 0:
            let ban: UInt64 = random.chance(50) ? 900_000_001 : 900_000_002
            return .openAccount(
                BillingAccount(
                    ban: ban, accountType: "B", accountSubType: "SM", banStatus: "O", statusDate: date, billCycle: "C05",
                    creditLimit: BillingDecimal("1500.5"), currency: "USD", startServiceDate: date, createdAt: now, updatedAt: now),
                Customer(
                    customerId: 8_000_000_000 + ban, ban: ban, customerType: "O", companyName: "Ünïcode, \"quoted\" Ltd", addressLine1: "1 Main St",
                    city: "Springfield", postalCode: "12345", countryCode: "US", notes: "line1\nline2", createdAt: now, updatedAt: now))
        case 1:
            let number = random.chance(50) ? "7770001" : "7770002"
            return .addSubscriber(
                Subscriber(
                    subscriberNo: number, ban: pick(accounts), subStatus: "A", subStatusDate: date, productType: "C", pricePlan: "PLAN5",
                    createdAt: now, updatedAt: now))
        case 2:
            let row = pick(subscribers)
            return .changeSubscriberStatus(
                ban: UInt64(fixture.column(.subscriber, "ban", of: row)!)!, subscriberNo: fixture.column(.subscriber, "subscriber_no", of: row)!,
                status: pick(["A", "S", "C"]), statusDate: date)
        case 3:
            let row = pick(subscribers)
            return .moveSubscriber(
                ban: UInt64(fixture.column(.subscriber, "ban", of: row)!)!, subscriberNo: fixture.column(.subscriber, "subscriber_no", of: row)!,
                toBAN: pick(accounts))
        case 4:
            let row = pick(subscribers)
            return .addServiceAgreement(
                ServiceAgreement(
                    ban: UInt64(fixture.column(.subscriber, "ban", of: row)!)!, subscriberNo: fixture.column(.subscriber, "subscriber_no", of: row)!,
                    soc: pick(["NEWSOC1", "NEWSOC2"]), serviceType: "O", effectiveDate: date, monthlyRate: BillingDecimal("9.99")!,
                    createdAt: now, updatedAt: now))
        case 5:
            let row = pick(agreements)
            return .removeServiceAgreement(
                ban: UInt64(fixture.column(.serviceAgreement, "ban", of: row)!)!,
                subscriberNo: fixture.column(.serviceAgreement, "subscriber_no", of: row)!, soc: fixture.column(.serviceAgreement, "soc", of: row)!)
        case 6:
            return .postBill(
                Bill(
                    ban: pick(accounts), billSeqNumber: UInt32(random.int(90...92)), cycleCode: "C05", cycleCloseDate: date, billDate: date,
                    dueDate: date, previousBalance: BillingDecimal("10")!, payments: BillingDecimal("0")!, totalCharges: BillingDecimal("5.5")!,
                    totalTaxes: BillingDecimal("0.55")!, amountDue: BillingDecimal("16.05")!, billStatus: "O", createdAt: now, updatedAt: now))
        case 7:
            let row = pick(subscribers)
            return .postCharge(
                Charge(
                    ban: UInt64(fixture.column(.subscriber, "ban", of: row)!)!, chargeSeq: UInt64(random.int(1...3)) + 9_000_000,
                    activityNum: "ACT\(random.int(1...2))", subscriberNo: random.chance(70) ? fixture.column(.subscriber, "subscriber_no", of: row) : nil,
                    featureCode: pick(["VOICE", "DATA", "ROAM"]), chargeCreationDate: date, amount: BillingDecimal("-3.25")!,
                    taxAmount: BillingDecimal("0.1234")!, description: "credit, \"goodwill\"", createdAt: now, updatedAt: now))
        case 8, 9:
            let row = pick(charges)
            let ban = UInt64(fixture.column(.charge, "ban", of: row)!)!
            let seq = UInt64(fixture.column(.charge, "charge_seq", of: row)!)!
            let activity = fixture.column(.charge, "activity_num", of: row)!
            return random.chance(60)
                ? .adjustCharge(ban: ban, chargeSeq: seq, activityNum: activity, amount: BillingDecimal("42.4242")!, taxAmount: BillingDecimal("4.2")!, description: nil)
                : .deleteCharge(ban: ban, chargeSeq: seq, activityNum: activity)
        default:
            return .changeSubscriberStatus(ban: 1, subscriberNo: "NOPE", status: "A", statusDate: date)
        }
    }
}
