import BillingModel
import DynamoDBModel
import ValidationCore

/// A source row of `table` from column values by name; columns not given are NULL.
func sourceRow(_ table: String, _ values: [String: String]) -> SourceTableRow {
    let columns = Mapping.billing.table(table)!.columns
    return SourceTableRow(table: table, row: columns.map { values[$0.name].map(SourceValue.text) ?? .null })
}

let stamps = ["created_at": "2024-01-15 10:22:31.120", "updated_at": "2024-02-01 08:00:00.000"]

/// One account with a customer, a subscriber, a service agreement, a bill and two charges
/// (one of the subscriber, one account-level).
func account(_ ban: String) -> [SourceTableRow] {
    let subscriber = "5550" + ban
    return [
        sourceRow("BILLING_ACCOUNT", stamps.merging([
            "ban": ban, "account_type": "I", "account_sub_type": "R", "ban_status": "O", "status_date": "2024-01-01",
            "bill_cycle": "C05", "credit_class": "A", "credit_limit": "2500.00", "currency": "USD",
            "start_service_date": "2023-12-01",
        ]) { $1 }),
        sourceRow("CUSTOMER", stamps.merging([
            "customer_id": "9" + ban, "ban": ban, "customer_type": "P", "first_name": "Ada", "last_name": "Byron",
            "address_line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country_code": "US",
        ]) { $1 }),
        sourceRow("SUBSCRIBER", stamps.merging([
            "subscriber_no": subscriber, "ban": ban, "sub_status": "A", "sub_status_date": "2024-01-02",
            "product_type": "C", "price_plan": "PLAN1",
        ]) { $1 }),
        sourceRow("SERVICE_AGREEMENT", stamps.merging([
            "ban": ban, "subscriber_no": subscriber, "soc": "SOC1", "service_type": "P", "effective_date": "2024-01-02",
            "monthly_rate": "19.99",
        ]) { $1 }),
        sourceRow("BILL", stamps.merging([
            "ban": ban, "bill_seq_number": "1", "cycle_code": "C05", "cycle_close_date": "2024-01-31",
            "bill_date": "2024-02-01", "due_date": "2024-02-20", "previous_balance": "0.00", "payments": "0.00",
            "total_charges": "19.99", "total_taxes": "1.60", "amount_due": "21.59", "bill_status": "O",
        ]) { $1 }),
        sourceRow("CHARGE", stamps.merging([
            "ban": ban, "charge_seq": "1", "activity_num": "A1", "subscriber_no": subscriber, "feature_code": "VOICE",
            "charge_creation_date": "2024-01-10", "amount": "12.3400", "tax_amount": "0.9872", "description": "calls",
        ]) { $1 }),
        sourceRow("CHARGE", stamps.merging([
            "ban": ban, "charge_seq": "2", "activity_num": "A2", "feature_code": "EQUIP",
            "charge_creation_date": "2024-01-11", "amount": "-5.0000", "tax_amount": "0.0000",
        ]) { $1 }),
    ]
}

let mapper = try! ItemMapper(mapping: .billing)

/// The items a correct migration holds for these rows (full-load version `0`).
func items(for rows: [SourceTableRow]) -> [Item] {
    rows.map { try! mapper.item(table: $0.table, row: $0.row, version: "0").item }
}

func key(_ pk: String, _ sk: String) -> ItemKey { ItemKey(pk: pk, sk: sk) }

/// Replaces the item at `key` with `change(item)`.
func editing(_ items: [Item], at key: ItemKey, _ change: (inout Item) -> Void) -> [Item] {
    items.map { item in
        guard item["PK"]?.stringValue == key.pk, item["SK"]?.stringValue == key.sk else { return item }
        var copy = item
        change(&copy)
        return copy
    }
}

func removing(_ items: [Item], at key: ItemKey) -> [Item] {
    items.filter { !($0["PK"]?.stringValue == key.pk && $0["SK"]?.stringValue == key.sk) }
}

let comparator = try! PartitionComparator(mapping: .billing)
