import BillingModel
@testable import BillingServer
import BillingService
import Foundation
import Logging
import SampleData
import NIOCore
import Synchronization
import Testing

/// A store double answering every read with one record that names the store,
/// and counting calls; `failing` makes every call unavailable.
final class NamedStore: BillingStore, Sendable {
    let name: StoreName
    let failing = Atomic<Bool>(false)
    let reads = Atomic<Int>(0)
    let writes = Atomic<Int>(0)

    init(_ name: StoreName) { self.name = name }

    func page(_ query: BillingQuery, after: PagePosition?, limit: Int) async throws(StoreError) -> StorePage {
        reads.add(1, ordering: .relaxed)
        if failing.load(ordering: .relaxed) { throw StoreError(.unavailable, "down") }
        let account = BillingAccount(
            ban: 1, accountType: "I", accountSubType: "R", banStatus: "O", statusDate: BillingDate("2024-01-01")!,
            billCycle: name.rawValue, currency: "USD", startServiceDate: BillingDate("2024-01-01")!,
            createdAt: .init(epochMilliseconds: 0), updatedAt: .init(epochMilliseconds: 0))
        return StorePage(records: [PositionedRecord(position: .init(indexSortKey: nil, pk: "BAN#1", sk: "ACCOUNT"), record: .account(account))], next: nil)
    }

    func execute(_ write: BillingWrite, context: WriteContext) async throws(StoreError) -> WriteReceipt {
        writes.add(1, ordering: .relaxed)
        if failing.load(ordering: .relaxed) { throw StoreError(.unavailable, "down") }
        return WriteReceipt(records: [], partitionKeys: ["BAN#1"], position: ReplicationPosition(orderingKey: "B0000000001000000000000000000900000000"))
    }

    func ping() async throws(StoreError) {
        if failing.load(ordering: .relaxed) { throw StoreError(.unavailable, "down") }
    }
}

/// A control store double: the flags and position in memory, versioned like the real one.
final class MemoryControlStore: ControlStore, Sendable {
    let state = Mutex(ControlState(flags: ServiceFlags(), replicated: nil))

    func load() async throws -> ControlState { state.withLock { $0 } }

    func update(_ flags: ServiceFlags, expectedVersion: UInt64) async throws -> ServiceFlags {
        try state.withLock { state in
            guard state.flags.version == expectedVersion else { throw StoreError(.conflict, "changed") }
            var next = flags
            next.version = expectedVersion + 1
            state.flags = next
            return next
        }
    }

    func publish(_ position: String) { state.withLock { $0.replicated = ReplicationPosition(orderingKey: position) } }
}

/// A store double answering every read with `limit` accounts after the
/// position it was given and a next position; it keeps the positions it was given.
final class PagingStore: BillingStore, Sendable {
    let name = StoreName.mysql
    let afters = Mutex<[PagePosition?]>([])

    static func position(_ index: Int) -> PagePosition { PagePosition(indexSortKey: nil, pk: "BAN#1", sk: "SK\(index)") }

    func page(_ query: BillingQuery, after: PagePosition?, limit: Int) async throws(StoreError) -> StorePage {
        afters.withLock { $0.append(after) }
        let start = after.map { Int($0.sk.dropFirst(2))! + 1 } ?? 0
        let records = (start..<start + limit).map { index in
            PositionedRecord(
                position: Self.position(index),
                record: .account(
                    BillingAccount(
                        ban: 1, accountType: "I", accountSubType: "R", banStatus: "O", statusDate: BillingDate("2024-01-01")!,
                        billCycle: "C\(index)", currency: "USD", startServiceDate: BillingDate("2024-01-01")!,
                        createdAt: .init(epochMilliseconds: 0), updatedAt: .init(epochMilliseconds: 0))))
        }
        return StorePage(records: records, next: records.last?.position)
    }

    func execute(_ write: BillingWrite, context: WriteContext) async throws(StoreError) -> WriteReceipt {
        throw StoreError(.invalid, "reads only")
    }

    func ping() async throws(StoreError) {}
}

@Suite struct GatewayTests {
    func gateway(_ mysql: any BillingStore, _ dynamodb: any BillingStore, _ control: MemoryControlStore, cacheEntries: Int = 0) -> BillingGateway {
        var configuration = BillingGateway.Configuration()
        configuration.flagsPollInterval = .milliseconds(20)
        configuration.cache.maxEntries = cacheEntries
        configuration.cursorSecret = [1, 2, 3]
        configuration.breaker = .init(failureThreshold: 2, openDuration: .seconds(30))
        return BillingGateway(mysql: mysql, dynamodb: dynamodb, control: control, configuration: configuration, logger: Logger(label: "test"))
    }

    func servedBy(_ gateway: BillingGateway) async throws(BillingGateway.Failure) -> StoreName {
        try await gateway.read(.account(ban: 1), cursor: nil, limit: 10, minimumPosition: nil).store
    }

    /// A flag change in the shared store reaches a running instance within the poll bound.
    @Test func flagPollingSeesAChangeWithinTheBound() async throws {
        let control = MemoryControlStore()
        let gateway = gateway(NamedStore(.mysql), NamedStore(.dynamodb), control)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await gateway.runBackground() }
            defer { group.cancelAll() }
            await gateway.refreshFlags()
            #expect(try await servedBy(gateway) == .mysql)
            _ = try await control.update(ServiceFlags(readMode: .dynamodb), expectedVersion: 0)
            let deadline = ContinuousClock.now + .seconds(1)
            while gateway.flags.readMode != .dynamodb && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(gateway.flags.version == 1)
            #expect(try await servedBy(gateway) == .dynamodb)
        }
    }

    @Test func readYourWritesUntilTheStreamPublishesThePosition() async throws {
        let control = MemoryControlStore()
        _ = try await control.update(ServiceFlags(readMode: .dynamodb), expectedVersion: 0)
        let gateway = gateway(NamedStore(.mysql), NamedStore(.dynamodb), control)
        await gateway.refreshFlags()
        #expect(try await servedBy(gateway) == .dynamodb)
        _ = try await gateway.write(.deleteCharge(ban: 1, chargeSeq: 1, activityNum: "A"))
        #expect(try await servedBy(gateway) == .mysql)
        // Another account is not held back.
        #expect(try await gateway.read(.account(ban: 2), cursor: nil, limit: 10, minimumPosition: nil).store == .dynamodb)
        control.publish("B0000000001000000000000000000900000000")
        await gateway.refreshFlags()
        #expect(try await servedBy(gateway) == .dynamodb)
        // A client's position token holds reads on the primary too.
        let token = ReplicationPosition(orderingKey: "B0000000002000000000000000000000000000")
        #expect(try await gateway.read(.account(ban: 2), cursor: nil, limit: 10, minimumPosition: token).store == .mysql)
    }

    @Test func anOpenBreakerDegradesToMySQLOrAnswers503() async throws {
        let control = MemoryControlStore()
        _ = try await control.update(ServiceFlags(readMode: .dynamodb), expectedVersion: 0)
        let dynamodb = NamedStore(.dynamodb)
        let gateway = gateway(NamedStore(.mysql), dynamodb, control)
        await gateway.refreshFlags()
        dynamodb.failing.store(true, ordering: .relaxed)
        for _ in 0..<2 {
            await #expect(throws: BillingGateway.Failure.self) { try await servedBy(gateway) }
        }
        // Open now: served from MySQL without calling DynamoDB.
        let calls = dynamodb.reads.load(ordering: .relaxed)
        #expect(try await servedBy(gateway) == .mysql)
        #expect(dynamodb.reads.load(ordering: .relaxed) == calls)

        _ = try await control.update(ServiceFlags(readMode: .dynamodb, writePrimary: .dynamodb), expectedVersion: 1)
        await gateway.refreshFlags()
        do {
            _ = try await servedBy(gateway)
            Issue.record("expected 503")
        } catch {
            #expect(error.kind == .unavailable)
            #expect((error.retryAfter ?? .zero) > .seconds(1))
        }
    }

    @Test func theCacheServesRepeatsAndOwnWritesInvalidateIt() async throws {
        let mysql = NamedStore(.mysql)
        let gateway = gateway(mysql, NamedStore(.dynamodb), MemoryControlStore(), cacheEntries: 100)
        await gateway.refreshFlags()
        let first = try await gateway.read(.account(ban: 1), cursor: nil, limit: 10, minimumPosition: nil)
        let second = try await gateway.read(.account(ban: 1), cursor: nil, limit: 10, minimumPosition: nil)
        #expect(second.cached)
        #expect(mysql.reads.load(ordering: .relaxed) == 1)
        // A hit answers the body encoded on the miss, byte for byte.
        let body = String(buffer: try #require(first.body))
        #expect(body.hasPrefix(#"{"items":[{"#) && body.hasSuffix(#""next_cursor":null}"#), "\(body)")
        #expect(second.body == first.body)
        // One entity is the record itself; a missing one has no body (the route's 404).
        let entity = try await gateway.read(.accountEntity(ban: 1, sortKey: "ACCOUNT"), cursor: nil, limit: 1, minimumPosition: nil)
        #expect(String(buffer: try #require(entity.body)).hasPrefix(#"{"account_sub_type":"R","account_type":"I","#))
        _ = try await gateway.write(.deleteCharge(ban: 1, chargeSeq: 1, activityNum: "A"))
        #expect(try await gateway.read(.account(ban: 1), cursor: nil, limit: 10, minimumPosition: nil).cached == false)
        #expect(mysql.reads.load(ordering: .relaxed) == 3)  // the page twice, the entity once
    }

    @Test func pausedWritesWaitThenAnswer503() async throws {
        let control = MemoryControlStore()
        _ = try await control.update(ServiceFlags(writePrimary: .paused), expectedVersion: 0)
        var configuration = BillingGateway.Configuration()
        configuration.writePauseTimeout = .milliseconds(100)
        let mysql = NamedStore(.mysql)
        let gateway = BillingGateway(mysql: mysql, dynamodb: NamedStore(.dynamodb), control: control, configuration: configuration, logger: Logger(label: "t"))
        await gateway.refreshFlags()
        let started = ContinuousClock.now
        await #expect(throws: BillingGateway.Failure.self) { try await gateway.write(.deleteCharge(ban: 1, chargeSeq: 1, activityNum: "A")) }
        #expect(ContinuousClock.now - started >= .milliseconds(100))
        #expect(mysql.writes.load(ordering: .relaxed) == 0)
    }

    @Test func badLimitsAndCursorsAreBadRequests() async throws {
        let gateway = gateway(NamedStore(.mysql), NamedStore(.dynamodb), MemoryControlStore())
        await gateway.refreshFlags()
        do {
            _ = try await gateway.read(.account(ban: 1), cursor: "forged.cursor", limit: 10, minimumPosition: nil)
            Issue.record("expected a bad request")
        } catch {
            #expect(error.kind == .badRequest)
        }
        do {
            _ = try await gateway.read(.account(ban: 1), cursor: nil, limit: 0, minimumPosition: nil)
            Issue.record("expected a bad request")
        } catch {
            #expect(error.kind == .badRequest)
        }
    }

    @Test func aPagesNextCursorReadsOnFromItsLastPositionAndOnlyForItsQuery() async throws {
        let store = PagingStore()
        let gateway = gateway(store, store, MemoryControlStore())
        await gateway.refreshFlags()
        func nextCursor(_ answer: BillingGateway.ReadAnswer) throws -> String? {
            let body = try JSONSerialization.jsonObject(with: Data(String(buffer: try #require(answer.body)).utf8)) as? [String: Any]
            return try #require(body)["next_cursor"] as? String
        }
        let first = try await gateway.read(.account(ban: 1), cursor: nil, limit: 2, minimumPosition: nil)
        let cursor = try #require(try nextCursor(first))
        let second = try await gateway.read(.account(ban: 1), cursor: cursor, limit: 2, minimumPosition: nil)
        #expect(store.afters.withLock { $0 } == [nil, PagingStore.position(1)])
        #expect(try nextCursor(second) != nil)
        await #expect(throws: BillingGateway.Failure.self) {
            try await gateway.read(.account(ban: 2), cursor: cursor, limit: 2, minimumPosition: nil)
        }
        #expect(store.afters.withLock { $0.count } == 2)
    }
}

/// `FlatJSON` writes exactly what JSONEncoder writes (the API's bodies must not
/// change with the faster path), on generated data, with every optional field
/// present and absent, and on every awkward character.
@Suite struct FlatJSONTests {
    func flat(_ record: BillingRecord) -> String {
        var json = FlatJSON()
        json.write(record)
        return String(buffer: json.buffer)
    }

    func encoder(_ value: some Encodable) throws -> String { String(buffer: try BillingGateway.json(value)) }

    func parsed(_ text: String) throws -> NSObject {
        try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) as! NSObject
    }

    func generatedRecords() throws -> [BillingRecord] {
        let data = SampleDataSet(SampleDataConfiguration(seed: 7, accounts: 8, billsPerAccount: 3, chargesPerBill: 1...4))
        var records: [BillingRecord] = []
        for table in SampleTable.allCases {
            for row in data.rows(of: table) { records.append(try BillingRecord(table: table.name, row: row)) }
        }
        return records
    }

    @Test func everyGeneratedRecordAndPageIsByteForByteJSONEncoders() throws {
        let records = try generatedRecords()
        #expect(Set(records.map(\.table)).count == 6)
        for record in records + records.map(\.withEveryOptional) + records.map(\.withoutOptionals) {
            let expected = try encoder(record)
            #expect(flat(record) == expected, "\(record.table)")
        }
        // Pages as the old path (JSONEncoder over the Codable models) and the new one write them.
        let mixed = records.enumerated().map { $0.offset % 3 == 0 ? $0.element.withEveryOptional : $0.offset % 3 == 1 ? $0.element.withoutOptionals : $0.element }
        for cursor in [nil, "eyJx/IjoiYSJ9.c2ln-_"] as [String?] {
            for start in stride(from: 0, to: mixed.count, by: 100) {
                let page = BillingGateway.PageBody(items: Array(mixed[start..<min(start + 100, mixed.count)]), nextCursor: cursor)
                let new = String(buffer: page.json())
                let old = try encoder(page)
                #expect(new == old)
                #expect(try parsed(new) == parsed(old))
            }
        }
        let empty = BillingGateway.PageBody(items: [], nextCursor: nil)
        #expect(String(buffer: empty.json()) == (try encoder(empty)))
    }

    @Test func awkwardTextIsEscapedAsJSONEncoderDoes() throws {
        let every = String(decoding: (0..<0x80).map { UInt8($0) }, as: UTF8.self)
        let now = BillingTimestamp(epochMilliseconds: 1_700_000_000_123)
        let customer = Customer(
            customerId: 18_446_744_073_709_551_615, ban: 0, customerType: "O", firstName: "", companyName: "Ünïcode \"quoted\" / \\ Ltd",
            addressLine1: every, city: "Zürich \u{2028}\u{2029} 😀 é", postalCode: "1/2", countryCode: "CH", notes: "a\nb\r\tc\u{0}\u{1F}\u{7F}",
            createdAt: now, updatedAt: BillingTimestamp(epochMilliseconds: -62_135_596_800_000))
        #expect(flat(.customer(customer)) == (try encoder(BillingRecord.customer(customer))))
    }
}

extension BillingRecord {
    /// The record with every NULL-able field given a value (text with unicode, exact decimals, dates).
    var withEveryOptional: BillingRecord {
        let date = BillingDate("2024-02-29")!
        switch self {
        case .account(var value):
            value.creditClass = value.creditClass ?? "Ä"
            value.creditLimit = value.creditLimit ?? BillingDecimal("-0.0100")!
            return .account(value)
        case .customer(var value):
            value.firstName = value.firstName ?? "Zoë"
            value.lastName = value.lastName ?? "O'Brien \"Jr\""
            value.companyName = value.companyName ?? "ACME/Β"
            value.email = value.email ?? "z@example.com"
            value.phone = value.phone ?? "+1 555 0100"
            value.addressLine2 = value.addressLine2 ?? "Apt\t2"
            value.stateCode = value.stateCode ?? "NY"
            value.birthDate = value.birthDate ?? date
            value.notes = value.notes ?? "line\nbreak 😀"
            return .customer(value)
        case .subscriber(var value):
            value.initActivationDate = value.initActivationDate ?? date
            return .subscriber(value)
        case .serviceAgreement(var value):
            value.expirationDate = value.expirationDate ?? date
            return .serviceAgreement(value)
        case .bill:
            return self
        case .charge(var value):
            value.subscriberNo = value.subscriberNo ?? "5550001"
            value.billSeqNumber = value.billSeqNumber ?? 4_294_967_295
            value.description = value.description ?? "Roaming — 東京"
            return .charge(value)
        }
    }

    /// The record with every NULL-able field NULL.
    var withoutOptionals: BillingRecord {
        switch self {
        case .account(var value):
            (value.creditClass, value.creditLimit) = (nil, nil)
            return .account(value)
        case .customer(var value):
            (value.firstName, value.lastName, value.companyName, value.email, value.phone) = (nil, nil, nil, nil, nil)
            (value.addressLine2, value.stateCode, value.birthDate, value.notes) = (nil, nil, nil, nil)
            return .customer(value)
        case .subscriber(var value):
            value.initActivationDate = nil
            return .subscriber(value)
        case .serviceAgreement(var value):
            value.expirationDate = nil
            return .serviceAgreement(value)
        case .bill:
            return self
        case .charge(var value):
            (value.subscriberNo, value.billSeqNumber, value.description) = (nil, nil, nil)
            return .charge(value)
        }
    }
}
