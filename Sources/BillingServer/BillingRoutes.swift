import BillingModel
import BillingService
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The JSON REST API (openapi/billing.yaml): the six access patterns and the
/// application's writes. Bad input is 400 with a message, an unknown key 404,
/// a conflicting write 409, a store that cannot answer correctly 503 with
/// `Retry-After`.
public enum BillingRoutes {
    /// A write's binlog position (when MySQL is primary): pass it back as
    /// `Billing-Min-Position` to read your write through any instance.
    public static let writePositionHeader = HTTPField.Name("Billing-Write-Position")!
    public static let minimumPositionHeader = HTTPField.Name("Billing-Min-Position")!
    public static let storeHeader = HTTPField.Name("Billing-Store")!

    public static func add(to router: Router<BasicRequestContext>, gateway: BillingGateway) {
        addHealth(to: router, gateway: gateway)
        // The service's own time (ServiceTime) on every billing route.
        let router = router.group().add(middleware: ServiceTimeMiddleware())
        addReads(to: router, gateway: gateway)
        addWrites(to: router, gateway: gateway)
    }

    static func addHealth(to router: Router<BasicRequestContext>, gateway: BillingGateway) {
        router.get("health/live") { _, _ -> Response in json(.ok, ["status": "live"]) }
        router.get("health/ready") { _, _ -> Response in
            let (ready, reason) = await gateway.ready()
            return json(ready ? .ok : .serviceUnavailable, ["status": ready ? "ready" : "not ready", "reason": reason])
        }
    }

    static func addReads(to router: RouterGroup<BasicRequestContext>, gateway: BillingGateway) {
        router.get("accounts/:ban") { request, context -> Response in
            try await page(gateway, request, .account(ban: try ban(context)))
        }
        router.get("accounts/:ban/account") { request, context -> Response in
            try await single(gateway, request, ban: try ban(context), sortKey: "ACCOUNT")
        }
        router.get("accounts/:ban/customer") { request, context -> Response in
            try await single(gateway, request, ban: try ban(context), sortKey: "CUSTOMER")
        }
        router.get("accounts/:ban/subscribers/:subscriber") { request, context -> Response in
            try await single(gateway, request, ban: try ban(context), sortKey: "SUB#\(try text(context, "subscriber"))")
        }
        router.get("accounts/:ban/bills/:seq") { request, context -> Response in
            let seq = try number(context, "seq", as: UInt32.self)
            let padded = String(repeating: "0", count: 10 - String(seq).count) + String(seq)
            return try await single(gateway, request, ban: try ban(context), sortKey: "BILL#\(padded)")
        }
        router.get("accounts/:ban/charges/:seq/:activity") { request, context -> Response in
            let seq = String(try number(context, "seq", as: UInt64.self))
            let padded = String(repeating: "0", count: 20 - seq.count) + seq
            return try await single(
                gateway, request, ban: try ban(context), sortKey: "CHARGE#\(padded)#\(try text(context, "activity"))")
        }
        router.get("accounts/:ban/service-agreements/:subscriber/:soc") { request, context -> Response in
            try await single(
                gateway, request, ban: try ban(context),
                sortKey: "SA#\(try text(context, "subscriber"))#\(try text(context, "soc"))")
        }
        router.get("subscribers/:subscriber") { request, context -> Response in
            try await page(gateway, request, .subscriber(subscriberNo: try text(context, "subscriber")))
        }
        router.get("subscribers/:subscriber/charges") { request, context -> Response in
            let (from, to) = try range(request)
            return try await page(gateway, request, .subscriberCharges(subscriberNo: try text(context, "subscriber"), from: from, to: to))
        }
        router.get("cycles/:cycle/bills") { request, context -> Response in
            let (from, to) = try range(request)
            return try await page(gateway, request, .cycleBills(cycleCode: try text(context, "cycle"), from: from, to: to))
        }
        router.get("features/:feature/charges") { request, context -> Response in
            let (from, to) = try range(request)
            return try await page(gateway, request, .featureCharges(featureCode: try text(context, "feature"), from: from, to: to))
        }
    }

    static func addWrites(to router: RouterGroup<BasicRequestContext>, gateway: BillingGateway) {
        router.post("accounts") { request, context -> Response in
            let body = try await decode(OpenAccountBody.self, request, context)
            return try await write(gateway, .openAccount(body.account, body.customer), status: .created)
        }
        router.post("accounts/:ban/subscribers") { request, context -> Response in
            var subscriber = try await decode(Subscriber.self, request, context)
            subscriber.ban = try ban(context)
            return try await write(gateway, .addSubscriber(subscriber), status: .created)
        }
        router.put("accounts/:ban/subscribers/:subscriber/status") { request, context -> Response in
            let body = try await decode(StatusBody.self, request, context)
            return try await write(
                gateway,
                .changeSubscriberStatus(
                    ban: try ban(context), subscriberNo: try text(context, "subscriber"), status: body.status,
                    statusDate: body.statusDate), status: .ok)
        }
        router.post("accounts/:ban/subscribers/:subscriber/move") { request, context -> Response in
            let body = try await decode(MoveBody.self, request, context)
            return try await write(
                gateway, .moveSubscriber(ban: try ban(context), subscriberNo: try text(context, "subscriber"), toBAN: body.toBAN),
                status: .ok)
        }
        router.post("accounts/:ban/service-agreements") { request, context -> Response in
            var agreement = try await decode(ServiceAgreement.self, request, context)
            agreement.ban = try ban(context)
            return try await write(gateway, .addServiceAgreement(agreement), status: .created)
        }
        router.delete("accounts/:ban/service-agreements/:subscriber/:soc") { _, context -> Response in
            try await write(
                gateway,
                .removeServiceAgreement(ban: try ban(context), subscriberNo: try text(context, "subscriber"), soc: try text(context, "soc")),
                status: .ok)
        }
        router.post("accounts/:ban/bills") { request, context -> Response in
            var bill = try await decode(Bill.self, request, context)
            bill.ban = try ban(context)
            return try await write(gateway, .postBill(bill), status: .created)
        }
        router.post("accounts/:ban/charges") { request, context -> Response in
            var charge = try await decode(Charge.self, request, context)
            charge.ban = try ban(context)
            return try await write(gateway, .postCharge(charge), status: .created)
        }
        router.patch("accounts/:ban/charges/:seq/:activity") { request, context -> Response in
            let body = try await decode(AdjustBody.self, request, context)
            return try await write(
                gateway,
                .adjustCharge(
                    ban: try ban(context), chargeSeq: try number(context, "seq", as: UInt64.self),
                    activityNum: try text(context, "activity"), amount: body.amount, taxAmount: body.taxAmount,
                    description: body.description), status: .ok)
        }
        router.delete("accounts/:ban/charges/:seq/:activity") { _, context -> Response in
            try await write(
                gateway,
                .deleteCharge(ban: try ban(context), chargeSeq: try number(context, "seq", as: UInt64.self), activityNum: try text(context, "activity")),
                status: .ok)
        }
    }

    // MARK: Bodies

    struct OpenAccountBody: Decodable {
        var account: BillingAccount
        var customer: Customer
    }

    struct StatusBody: Decodable {
        var status: String
        var statusDate: BillingDate
        enum CodingKeys: String, CodingKey {
            case status
            case statusDate = "status_date"
        }
    }

    struct MoveBody: Decodable {
        var toBAN: UInt64
        enum CodingKeys: String, CodingKey { case toBAN = "to_ban" }
    }

    struct AdjustBody: Decodable {
        var amount: BillingDecimal
        var taxAmount: BillingDecimal
        var description: String?
        enum CodingKeys: String, CodingKey {
            case amount
            case taxAmount = "tax_amount"
            case description
        }
    }

    struct WriteBody: Encodable {
        var records: [BillingRecord]
    }

    // MARK: Helpers

    /// A request the service refuses, already shaped as its answer.
    struct Refusal: Error, HTTPResponseError {
        var status: HTTPResponse.Status
        var message: String
        var retryAfter: Duration?

        func response(from request: Request, context: some RequestContext) throws -> Response {
            var response = json(status, ["error": message])
            if let retryAfter {
                response.headers[.retryAfter] = String(max(1, retryAfter.components.seconds + (retryAfter.components.attoseconds > 0 ? 1 : 0)))
            }
            return response
        }
    }

    static func refusal(_ failure: BillingGateway.Failure) -> Refusal {
        switch failure.kind {
        case .badRequest: Refusal(status: .badRequest, message: failure.message)
        case .notFound: Refusal(status: .notFound, message: failure.message)
        case .conflict: Refusal(status: .conflict, message: failure.message)
        case .unavailable: Refusal(status: .serviceUnavailable, message: failure.message, retryAfter: failure.retryAfter ?? .seconds(1))
        }
    }

    static func bad(_ message: String) -> Refusal { Refusal(status: .badRequest, message: message) }

    static func ban(_ context: BasicRequestContext) throws -> UInt64 { try number(context, "ban", as: UInt64.self) }

    static func number<T: FixedWidthInteger>(_ context: BasicRequestContext, _ name: String, as: T.Type) throws -> T {
        guard let text = context.parameters.get(name), let value = T(text) else {
            throw bad("`\(name)` must be an unsigned integer")
        }
        return value
    }

    static func text(_ context: BasicRequestContext, _ name: String) throws -> String {
        guard let text = context.parameters.get(name)?.removingPercentEncoding, !text.isEmpty, !text.contains("#") else {
            throw bad("`\(name)` must be a non-empty text without `#`")
        }
        return text
    }

    static func range(_ request: Request) throws -> (BillingDate, BillingDate) {
        let query = request.uri.queryParameters
        guard let fromText = query.get("from"), let from = BillingDate(fromText) else { throw bad("`from` must be a date YYYY-MM-DD") }
        guard let toText = query.get("to"), let to = BillingDate(toText) else { throw bad("`to` must be a date YYYY-MM-DD") }
        guard from <= to else { throw bad("`from` must not be after `to`") }
        return (from, to)
    }

    static func paging(_ request: Request) throws -> (limit: Int?, cursor: String?, minimum: ReplicationPosition?) {
        let query = request.uri.queryParameters
        var limit: Int?
        if let text = query.get("limit") {
            guard let value = Int(text) else { throw bad("`limit` must be an integer") }
            limit = value
        }
        let minimum = request.headers[minimumPositionHeader].map(ReplicationPosition.init(orderingKey:))
        let cursor: String? = query.get("cursor")
        return (limit, cursor, minimum)
    }

    static func page(_ gateway: BillingGateway, _ request: Request, _ query: BillingQuery) async throws -> Response {
        let (limit, cursor, minimum) = try paging(request)
        do {
            let answer = try await gateway.read(query, cursor: cursor, limit: limit, minimumPosition: minimum)
            return json(.ok, body: answer.body ?? ByteBuffer(), store: answer.store)
        } catch {
            throw refusal(error)
        }
    }

    static func single(_ gateway: BillingGateway, _ request: Request, ban: UInt64, sortKey: String) async throws -> Response {
        let minimum = request.headers[minimumPositionHeader].map(ReplicationPosition.init(orderingKey:))
        do {
            let answer = try await gateway.read(.accountEntity(ban: ban, sortKey: sortKey), cursor: nil, limit: 1, minimumPosition: minimum)
            guard let body = answer.body else {
                throw Refusal(status: .notFound, message: "account \(ban) has no \(sortKey)")
            }
            return json(.ok, body: body, store: answer.store)
        } catch let error as BillingGateway.Failure {
            throw refusal(error)
        }
    }

    static func write(_ gateway: BillingGateway, _ write: BillingWrite, status: HTTPResponse.Status) async throws -> Response {
        do {
            let receipt = try await gateway.write(write)
            var response = try encoded(status, WriteBody(records: receipt.records))
            if let position = receipt.position { response.headers[writePositionHeader] = position.orderingKey }
            return response
        } catch let error as BillingGateway.Failure {
            throw refusal(error)
        }
    }

    /// Decodes a JSON body; `created_at`/`updated_at` may be left out (the service stamps them).
    static func decode<T: Decodable>(_ type: T.Type, _ request: Request, _ context: BasicRequestContext) async throws -> T {
        let buffer = try await request.body.collect(upTo: 1 << 20)
        do {
            var object = try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))
            object = stamped(object)
            return try JSONDecoder().decode(T.self, from: try JSONSerialization.data(withJSONObject: object))
        } catch {
            throw bad("the body is not a valid \(T.self): \(describe(error))")
        }
    }

    static func stamped(_ value: Any) -> Any {
        guard var object = value as? [String: Any] else { return value }
        for (key, nested) in object where nested is [String: Any] { object[key] = stamped(nested) }
        if object["created_at"] == nil && object["updated_at"] == nil && object.count > 2 {
            object["created_at"] = "1970-01-01T00:00:00.000Z"
            object["updated_at"] = "1970-01-01T00:00:00.000Z"
        }
        return object
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "`\(key.stringValue)` is missing"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.dataCorrupted(let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default: "\(error)"
        }
    }

    static func encoded(_ status: HTTPResponse.Status, _ value: some Encodable) throws -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: try BillingGateway.json(value)))
    }

    /// A read's answer: its body as the gateway encoded (or cached) it.
    static func json(_ status: HTTPResponse.Status, body: ByteBuffer, store: StoreName) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json", storeHeader: store.rawValue], body: .init(byteBuffer: body))
    }

    static func json(_ status: HTTPResponse.Status, _ fields: [String: String]) -> Response {
        (try? encoded(status, fields)) ?? Response(status: status)
    }
}
