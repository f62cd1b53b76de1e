extension Mapping {
    /// The contract's mapping (CONTRACT.md §1-§2): the six tables of the
    /// `billing` database into the `BillingSystem` single table.
    /// `mappings/billing.json` says the same thing as a file.
    public static let billing = Mapping(
        sourceSchema: "billing",
        tables: [
            .billingAccount, .customer, .subscriber, .serviceAgreement, .bill, .charge,
        ],
        indexes: [gsi1, gsi2]
    )

    static let gsi1 = IndexDefinition(name: "GSI1", partitionKeyAttribute: "GSI1PK", sortKeyAttribute: "GSI1SK")
    static let gsi2 = IndexDefinition(name: "GSI2", partitionKeyAttribute: "GSI2PK", sortKeyAttribute: "GSI2SK")
}

/// Builds a template from a literal known to be valid; only for the built-in mapping.
private func template(_ text: String) -> KeyTemplate {
    do {
        return try KeyTemplate(text)
    } catch {
        preconditionFailure("built-in key template is invalid: \(error)")
    }
}

private let bigintUnsigned = ColumnType.integer(bits: 64, signed: false)
private let intUnsigned = ColumnType.integer(bits: 32, signed: false)
private let datetime3 = ColumnType.datetime(fsp: 3)

extension TableMapping {
    static let billingAccount = TableMapping(
        table: "BILLING_ACCOUNT",
        columns: [
            ColumnSpec("ban", bigintUnsigned),
            ColumnSpec("account_type", .char(length: 1)),
            ColumnSpec("account_sub_type", .char(length: 2)),
            ColumnSpec("ban_status", .char(length: 1)),
            ColumnSpec("status_date", .date),
            ColumnSpec("bill_cycle", .varchar(length: 10)),
            ColumnSpec("credit_class", .char(length: 1), nullable: true),
            ColumnSpec("credit_limit", .decimal(precision: 12, scale: 2), nullable: true),
            ColumnSpec("currency", .char(length: 3)),
            ColumnSpec("start_service_date", .date),
            ColumnSpec("created_at", datetime3),
            ColumnSpec("updated_at", datetime3),
        ],
        primaryKey: ["ban"],
        partitionKey: template("BAN#{ban}"),
        sortKey: template("ACCOUNT"),
        createdAtColumn: "created_at",
        updatedAtColumn: "updated_at"
    )

    static let customer = TableMapping(
        table: "CUSTOMER",
        columns: [
            ColumnSpec("customer_id", bigintUnsigned),
            ColumnSpec("ban", bigintUnsigned),
            ColumnSpec("customer_type", .char(length: 1)),
            ColumnSpec("first_name", .varchar(length: 60), nullable: true),
            ColumnSpec("last_name", .varchar(length: 60), nullable: true),
            ColumnSpec("company_name", .varchar(length: 120), nullable: true),
            ColumnSpec("email", .varchar(length: 254), nullable: true),
            ColumnSpec("phone", .varchar(length: 20), nullable: true),
            ColumnSpec("address_line1", .varchar(length: 120)),
            ColumnSpec("address_line2", .varchar(length: 120), nullable: true),
            ColumnSpec("city", .varchar(length: 60)),
            ColumnSpec("state_code", .varchar(length: 3), nullable: true),
            ColumnSpec("postal_code", .varchar(length: 12)),
            ColumnSpec("country_code", .char(length: 2)),
            ColumnSpec("birth_date", .date, nullable: true),
            ColumnSpec("notes", .text(.medium), nullable: true),
            ColumnSpec("created_at", datetime3),
            ColumnSpec("updated_at", datetime3),
        ],
        primaryKey: ["customer_id"],
        // One customer per account (uq_customer_ban), so `BAN#{ban}` + `CUSTOMER` is unique.
        uniqueKeys: [["ban"]],
        partitionKey: template("BAN#{ban}"),
        sortKey: template("CUSTOMER"),
        createdAtColumn: "created_at",
        updatedAtColumn: "updated_at"
    )

    static let subscriber = TableMapping(
        table: "SUBSCRIBER",
        columns: [
            ColumnSpec("subscriber_no", .varchar(length: 20)),
            ColumnSpec("ban", bigintUnsigned),
            ColumnSpec("sub_status", .char(length: 1)),
            ColumnSpec("sub_status_date", .date),
            ColumnSpec("product_type", .char(length: 1)),
            ColumnSpec("price_plan", .varchar(length: 9)),
            ColumnSpec("init_activation_date", .date, nullable: true),
            ColumnSpec("created_at", datetime3),
            ColumnSpec("updated_at", datetime3),
        ],
        primaryKey: ["subscriber_no"],
        partitionKey: template("BAN#{ban}"),
        sortKey: template("SUB#{subscriber_no}"),
        indexKeys: [
            IndexKeyTemplates(Mapping.gsi1, partitionKey: template("SUB#{subscriber_no}"), sortKey: template("ACCOUNT"))
        ],
        createdAtColumn: "created_at",
        updatedAtColumn: "updated_at"
    )

    static let serviceAgreement = TableMapping(
        table: "SERVICE_AGREEMENT",
        columns: [
            ColumnSpec("ban", bigintUnsigned),
            ColumnSpec("subscriber_no", .varchar(length: 20)),
            ColumnSpec("soc", .varchar(length: 9)),
            ColumnSpec("service_type", .char(length: 1)),
            ColumnSpec("effective_date", .date),
            ColumnSpec("expiration_date", .date, nullable: true),
            ColumnSpec("monthly_rate", .decimal(precision: 9, scale: 2)),
            ColumnSpec("created_at", datetime3),
            ColumnSpec("updated_at", datetime3),
        ],
        primaryKey: ["ban", "subscriber_no", "soc"],
        partitionKey: template("BAN#{ban}"),
        sortKey: template("SA#{subscriber_no}#{soc}"),
        indexKeys: [
            IndexKeyTemplates(Mapping.gsi1, partitionKey: template("SUB#{subscriber_no}"), sortKey: template("SA#{soc}"))
        ],
        createdAtColumn: "created_at",
        updatedAtColumn: "updated_at",
        references: [TableReference(column: "subscriber_no", table: "SUBSCRIBER")],
        dateColumn: "effective_date"
    )

    static let bill = TableMapping(
        table: "BILL",
        columns: [
            ColumnSpec("ban", bigintUnsigned),
            ColumnSpec("bill_seq_number", intUnsigned),
            ColumnSpec("cycle_code", .varchar(length: 10)),
            ColumnSpec("cycle_close_date", .date),
            ColumnSpec("bill_date", .date),
            ColumnSpec("due_date", .date),
            ColumnSpec("previous_balance", .decimal(precision: 12, scale: 2)),
            ColumnSpec("payments", .decimal(precision: 12, scale: 2)),
            ColumnSpec("total_charges", .decimal(precision: 12, scale: 2)),
            ColumnSpec("total_taxes", .decimal(precision: 12, scale: 2)),
            ColumnSpec("amount_due", .decimal(precision: 12, scale: 2)),
            ColumnSpec("bill_status", .char(length: 1)),
            ColumnSpec("created_at", datetime3),
            ColumnSpec("updated_at", datetime3),
        ],
        primaryKey: ["ban", "bill_seq_number"],
        partitionKey: template("BAN#{ban}"),
        sortKey: template("BILL#{bill_seq_number:10}"),
        indexKeys: [
            IndexKeyTemplates(Mapping.gsi2, partitionKey: template("BILL#{cycle_code}"), sortKey: template("{cycle_close_date}"))
        ],
        createdAtColumn: "created_at",
        updatedAtColumn: "updated_at",
        // The date the contract's bills-of-a-cycle range (pattern 5) runs over.
        dateColumn: "cycle_close_date"
    )

    static let charge = TableMapping(
        table: "CHARGE",
        columns: [
            ColumnSpec("ban", bigintUnsigned),
            ColumnSpec("charge_seq", bigintUnsigned),
            ColumnSpec("activity_num", .varchar(length: 12)),
            ColumnSpec("subscriber_no", .varchar(length: 20), nullable: true),
            ColumnSpec("feature_code", .varchar(length: 10)),
            ColumnSpec("charge_creation_date", .date),
            ColumnSpec("amount", .decimal(precision: 12, scale: 4)),
            ColumnSpec("tax_amount", .decimal(precision: 12, scale: 4)),
            ColumnSpec("bill_seq_number", intUnsigned, nullable: true),
            ColumnSpec("description", .varchar(length: 255), nullable: true),
            ColumnSpec("created_at", datetime3),
            ColumnSpec("updated_at", datetime3),
        ],
        primaryKey: ["ban", "charge_seq", "activity_num"],
        partitionKey: template("BAN#{ban}"),
        sortKey: template("CHARGE#{charge_seq:20}#{activity_num}"),
        indexKeys: [
            IndexKeyTemplates(
                Mapping.gsi1, partitionKey: template("SUB#{subscriber_no}"),
                sortKey: template("CHARGE#{charge_creation_date}")),
            IndexKeyTemplates(
                Mapping.gsi2, partitionKey: template("CHARGE#{feature_code}"),
                sortKey: template("{charge_creation_date}")),
        ],
        createdAtColumn: "created_at",
        updatedAtColumn: "updated_at",
        references: [TableReference(column: "subscriber_no", table: "SUBSCRIBER")],
        dateColumn: "charge_creation_date"
    )
}
