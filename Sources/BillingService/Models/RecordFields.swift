import BillingModel

/// Receives a record's fields in its JSON document's order: keys sorted as
/// JSONEncoder's `.sortedKeys` sorts them, `entity` (the table) among them, a
/// NULL left out, as the Codable form writes the record. The service writes
/// its responses through it straight into bytes (`FlatJSON`), with no Codable
/// walk; a test holds the two forms byte for byte equal.
public protocol RecordFieldWriter {
    mutating func string(_ key: String, _ value: String)
    mutating func number(_ key: String, _ value: UInt64)
    mutating func timestamp(_ key: String, _ value: BillingTimestamp)
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

// Each entity's fields in key order (the CodingKeys' names).
extension BillingAccount {
    public func writeFields(to writer: inout some RecordFieldWriter) {
        writer.string(CodingKeys.accountSubType.rawValue, accountSubType)
        writer.string(CodingKeys.accountType.rawValue, accountType)
        writer.number(CodingKeys.ban.rawValue, ban)
        writer.string(CodingKeys.banStatus.rawValue, banStatus)
        writer.string(CodingKeys.billCycle.rawValue, billCycle)
        writer.timestamp(CodingKeys.createdAt.rawValue, createdAt)
        if let value = creditClass { writer.string(CodingKeys.creditClass.rawValue, value) }
        if let value = creditLimit { writer.string(CodingKeys.creditLimit.rawValue, value.text) }
        writer.string(CodingKeys.currency.rawValue, currency)
        writer.string("entity", Self.table)
        writer.string(CodingKeys.startServiceDate.rawValue, startServiceDate.text)
        writer.string(CodingKeys.statusDate.rawValue, statusDate.text)
        writer.timestamp(CodingKeys.updatedAt.rawValue, updatedAt)
    }
}

extension Customer {
    public func writeFields(to writer: inout some RecordFieldWriter) {
        writer.string(CodingKeys.addressLine1.rawValue, addressLine1)
        if let value = addressLine2 { writer.string(CodingKeys.addressLine2.rawValue, value) }
        writer.number(CodingKeys.ban.rawValue, ban)
        if let value = birthDate { writer.string(CodingKeys.birthDate.rawValue, value.text) }
        writer.string(CodingKeys.city.rawValue, city)
        if let value = companyName { writer.string(CodingKeys.companyName.rawValue, value) }
        writer.string(CodingKeys.countryCode.rawValue, countryCode)
        writer.timestamp(CodingKeys.createdAt.rawValue, createdAt)
        writer.number(CodingKeys.customerId.rawValue, customerId)
        writer.string(CodingKeys.customerType.rawValue, customerType)
        if let value = email { writer.string(CodingKeys.email.rawValue, value) }
        writer.string("entity", Self.table)
        if let value = firstName { writer.string(CodingKeys.firstName.rawValue, value) }
        if let value = lastName { writer.string(CodingKeys.lastName.rawValue, value) }
        if let value = notes { writer.string(CodingKeys.notes.rawValue, value) }
        if let value = phone { writer.string(CodingKeys.phone.rawValue, value) }
        writer.string(CodingKeys.postalCode.rawValue, postalCode)
        if let value = stateCode { writer.string(CodingKeys.stateCode.rawValue, value) }
        writer.timestamp(CodingKeys.updatedAt.rawValue, updatedAt)
    }
}

extension Subscriber {
    public func writeFields(to writer: inout some RecordFieldWriter) {
        writer.number(CodingKeys.ban.rawValue, ban)
        writer.timestamp(CodingKeys.createdAt.rawValue, createdAt)
        writer.string("entity", Self.table)
        if let value = initActivationDate { writer.string(CodingKeys.initActivationDate.rawValue, value.text) }
        writer.string(CodingKeys.pricePlan.rawValue, pricePlan)
        writer.string(CodingKeys.productType.rawValue, productType)
        writer.string(CodingKeys.subStatus.rawValue, subStatus)
        writer.string(CodingKeys.subStatusDate.rawValue, subStatusDate.text)
        writer.string(CodingKeys.subscriberNo.rawValue, subscriberNo)
        writer.timestamp(CodingKeys.updatedAt.rawValue, updatedAt)
    }
}

extension ServiceAgreement {
    public func writeFields(to writer: inout some RecordFieldWriter) {
        writer.number(CodingKeys.ban.rawValue, ban)
        writer.timestamp(CodingKeys.createdAt.rawValue, createdAt)
        writer.string(CodingKeys.effectiveDate.rawValue, effectiveDate.text)
        writer.string("entity", Self.table)
        if let value = expirationDate { writer.string(CodingKeys.expirationDate.rawValue, value.text) }
        writer.string(CodingKeys.monthlyRate.rawValue, monthlyRate.text)
        writer.string(CodingKeys.serviceType.rawValue, serviceType)
        writer.string(CodingKeys.soc.rawValue, soc)
        writer.string(CodingKeys.subscriberNo.rawValue, subscriberNo)
        writer.timestamp(CodingKeys.updatedAt.rawValue, updatedAt)
    }
}

extension Bill {
    public func writeFields(to writer: inout some RecordFieldWriter) {
        writer.string(CodingKeys.amountDue.rawValue, amountDue.text)
        writer.number(CodingKeys.ban.rawValue, ban)
        writer.string(CodingKeys.billDate.rawValue, billDate.text)
        writer.number(CodingKeys.billSeqNumber.rawValue, UInt64(billSeqNumber))
        writer.string(CodingKeys.billStatus.rawValue, billStatus)
        writer.timestamp(CodingKeys.createdAt.rawValue, createdAt)
        writer.string(CodingKeys.cycleCloseDate.rawValue, cycleCloseDate.text)
        writer.string(CodingKeys.cycleCode.rawValue, cycleCode)
        writer.string(CodingKeys.dueDate.rawValue, dueDate.text)
        writer.string("entity", Self.table)
        writer.string(CodingKeys.payments.rawValue, payments.text)
        writer.string(CodingKeys.previousBalance.rawValue, previousBalance.text)
        writer.string(CodingKeys.totalCharges.rawValue, totalCharges.text)
        writer.string(CodingKeys.totalTaxes.rawValue, totalTaxes.text)
        writer.timestamp(CodingKeys.updatedAt.rawValue, updatedAt)
    }
}

extension Charge {
    public func writeFields(to writer: inout some RecordFieldWriter) {
        writer.string(CodingKeys.activityNum.rawValue, activityNum)
        writer.string(CodingKeys.amount.rawValue, amount.text)
        writer.number(CodingKeys.ban.rawValue, ban)
        if let value = billSeqNumber { writer.number(CodingKeys.billSeqNumber.rawValue, UInt64(value)) }
        writer.string(CodingKeys.chargeCreationDate.rawValue, chargeCreationDate.text)
        writer.number(CodingKeys.chargeSeq.rawValue, chargeSeq)
        writer.timestamp(CodingKeys.createdAt.rawValue, createdAt)
        if let value = description { writer.string(CodingKeys.description.rawValue, value) }
        writer.string("entity", Self.table)
        writer.string(CodingKeys.featureCode.rawValue, featureCode)
        if let value = subscriberNo { writer.string(CodingKeys.subscriberNo.rawValue, value) }
        writer.string(CodingKeys.taxAmount.rawValue, taxAmount.text)
        writer.timestamp(CodingKeys.updatedAt.rawValue, updatedAt)
    }
}
