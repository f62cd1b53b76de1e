/// The six tables of the billing database (CONTRACT §1), with their columns in
/// source order: the order DMS writes them and `SampleDataSet` generates them.
public enum SampleTable: String, CaseIterable, Sendable, Hashable, Codable {
    case billingAccount = "BILLING_ACCOUNT"
    case customer = "CUSTOMER"
    case subscriber = "SUBSCRIBER"
    case serviceAgreement = "SERVICE_AGREEMENT"
    case bill = "BILL"
    case charge = "CHARGE"

    /// The source table name (`CHARGE`).
    public var name: String { rawValue }

    /// Column names in source order.
    public var columns: [String] {
        switch self {
        case .billingAccount:
            return [
                "ban", "account_type", "account_sub_type", "ban_status", "status_date", "bill_cycle",
                "credit_class", "credit_limit", "currency", "start_service_date", "created_at", "updated_at",
            ]
        case .customer:
            return [
                "customer_id", "ban", "customer_type", "first_name", "last_name", "company_name", "email",
                "phone", "address_line1", "address_line2", "city", "state_code", "postal_code", "country_code",
                "birth_date", "notes", "created_at", "updated_at",
            ]
        case .subscriber:
            return [
                "subscriber_no", "ban", "sub_status", "sub_status_date", "product_type", "price_plan",
                "init_activation_date", "created_at", "updated_at",
            ]
        case .serviceAgreement:
            return [
                "ban", "subscriber_no", "soc", "service_type", "effective_date", "expiration_date",
                "monthly_rate", "created_at", "updated_at",
            ]
        case .bill:
            return [
                "ban", "bill_seq_number", "cycle_code", "cycle_close_date", "bill_date", "due_date",
                "previous_balance", "payments", "total_charges", "total_taxes", "amount_due", "bill_status",
                "created_at", "updated_at",
            ]
        case .charge:
            return [
                "ban", "charge_seq", "activity_num", "subscriber_no", "feature_code", "charge_creation_date",
                "amount", "tax_amount", "bill_seq_number", "description", "created_at", "updated_at",
            ]
        }
    }

    /// The primary-key columns (CONTRACT §1).
    public var primaryKey: [String] {
        switch self {
        case .billingAccount: return ["ban"]
        case .customer: return ["customer_id"]
        case .subscriber: return ["subscriber_no"]
        case .serviceAgreement: return ["ban", "subscriber_no", "soc"]
        case .bill: return ["ban", "bill_seq_number"]
        case .charge: return ["ban", "charge_seq", "activity_num"]
        }
    }

    /// The position of `column` in `columns`.
    public func index(of column: String) -> Int? {
        columns.firstIndex(of: column)
    }
}
