import BillingModel

/// Receives a record's fields in its JSON document's order: keys sorted as
/// JSONEncoder's `.sortedKeys` sorts them, `entity` (the table) among them, a
/// NULL left out, as the Codable form writes the record. The service writes
/// its responses through it straight into bytes (`FlatJSON`), with no Codable
/// walk; a test holds the two forms byte for byte equal.
public protocol RecordFieldWriter {
    mutating func string(_ key: StaticString, _ value: String)
    mutating func number(_ key: StaticString, _ value: UInt64)
    mutating func timestamp(_ key: StaticString, _ value: BillingTimestamp)
}

extension BillingRecord {
    public func writeFields(to writer: inout some RecordFieldWriter) {
        switch self {
        case .account(let value): value.writeFields(to: &writer)
        case .customer(let value): value.writeFields(to: &writer)
        case .subscriber(let value): value.writeFields(to: &writer)
        case .serviceAgreement(let value): value.writeFields(to: &writer)
        case .bill(let value): value.writeFields(to: &writer)
        case .charge(let value): value.writeFields(to: &writer)
        }
    }
}

// Each entity's fields in key order, named as its CodingKeys name them (static
// text, copied without a String; the byte-for-byte test holds the names equal).
extension BillingAccount {
    public func writeFields(to writer: inout some RecordFieldWriter) {
        writer.string("account_sub_type", accountSubType)
        writer.string("account_type", accountType)
        writer.number("ban", ban)
        writer.string("ban_status", banStatus)
        writer.string("bill_cycle", billCycle)
        writer.timestamp("created_at", createdAt)
        if let value = creditClass { writer.string("credit_class", value) }
        if let value = creditLimit { writer.string("credit_limit", value.text) }
        writer.string("currency", currency)
        writer.string("entity", Self.table)
        writer.string("start_service_date", startServiceDate.text)
        writer.string("status_date", statusDate.text)
        writer.timestamp("updated_at", updatedAt)
    }
}

extension Customer {
    public func writeFields(to writer: inout some RecordFieldWriter) {
        writer.string("address_line1", addressLine1)
        if let value = addressLine2 { writer.string("address_line2", value) }
        writer.number("ban", ban)
        if let value = birthDate { writer.string("birth_date", value.text) }
        writer.string("city", city)
        if let value = companyName { writer.string("company_name", value) }
        writer.string("country_code", countryCode)
        writer.timestamp("created_at", createdAt)
        writer.number("customer_id", customerId)
        writer.string("customer_type", customerType)
        if let value = email { writer.string("email", value) }
        writer.string("entity", Self.table)
        if let value = firstName { writer.string("first_name", value) }
        if let value = lastName { writer.string("last_name", value) }
        if let value = notes { writer.string("notes", value) }
        if let value = phone { writer.string("phone", value) }
        writer.string("postal_code", postalCode)
        if let value = stateCode { writer.string("state_code", value) }
        writer.timestamp("updated_at", updatedAt)
    }
}

extension Subscriber {
    public func writeFields(to writer: inout some RecordFieldWriter) {
        writer.number("ban", ban)
        writer.timestamp("created_at", createdAt)
        writer.string("entity", Self.table)
        if let value = initActivationDate { writer.string("init_activation_date", value.text) }
        writer.string("price_plan", pricePlan)
        writer.string("product_type", productType)
        writer.string("sub_status", subStatus)
        writer.string("sub_status_date", subStatusDate.text)
        writer.string("subscriber_no", subscriberNo)
        writer.timestamp("updated_at", updatedAt)
    }
}

extension ServiceAgreement {
    public func writeFields(to writer: inout some RecordFieldWriter) {
        writer.number("ban", ban)
        writer.timestamp("created_at", createdAt)
        writer.string("effective_date", effectiveDate.text)
        writer.string("entity", Self.table)
        if let value = expirationDate { writer.string("expiration_date", value.text) }
        writer.string("monthly_rate", monthlyRate.text)
        writer.string("service_type", serviceType)
        writer.string("soc", soc)
        writer.string("subscriber_no", subscriberNo)
        writer.timestamp("updated_at", updatedAt)
    }
}

extension Bill {
    public func writeFields(to writer: inout some RecordFieldWriter) {
        writer.string("amount_due", amountDue.text)
        writer.number("ban", ban)
        writer.string("bill_date", billDate.text)
        writer.number("bill_seq_number", UInt64(billSeqNumber))
        writer.string("bill_status", billStatus)
        writer.timestamp("created_at", createdAt)
        writer.string("cycle_close_date", cycleCloseDate.text)
        writer.string("cycle_code", cycleCode)
        writer.string("due_date", dueDate.text)
        writer.string("entity", Self.table)
        writer.string("payments", payments.text)
        writer.string("previous_balance", previousBalance.text)
        writer.string("total_charges", totalCharges.text)
        writer.string("total_taxes", totalTaxes.text)
        writer.timestamp("updated_at", updatedAt)
    }
}

extension Charge {
    public func writeFields(to writer: inout some RecordFieldWriter) {
        writer.string("activity_num", activityNum)
        writer.string("amount", amount.text)
        writer.number("ban", ban)
        if let value = billSeqNumber { writer.number("bill_seq_number", UInt64(value)) }
        writer.string("charge_creation_date", chargeCreationDate.text)
        writer.number("charge_seq", chargeSeq)
        writer.timestamp("created_at", createdAt)
        if let value = description { writer.string("description", value) }
        writer.string("entity", Self.table)
        writer.string("feature_code", featureCode)
        if let value = subscriberNo { writer.string("subscriber_no", value) }
        writer.string("tax_amount", taxAmount.text)
        writer.timestamp("updated_at", updatedAt)
    }
}
