// Generated from the contract's schema (CONTRACT.md §1) by the shape of the
// billing mapping; one struct per source table, fields in column order.
import BillingModel

/// A billing account (BAN): the unit every bill and charge belongs to.
public struct BillingAccount: BillingEntity {
    public static let table = "BILLING_ACCOUNT"

    public var ban: UInt64
    public var accountType: String
    public var accountSubType: String
    public var banStatus: String
    public var statusDate: BillingDate
    public var billCycle: String
    public var creditClass: String?
    public var creditLimit: BillingDecimal?
    public var currency: String
    public var startServiceDate: BillingDate
    public var createdAt: BillingTimestamp
    public var updatedAt: BillingTimestamp

    public init(
        ban: UInt64,
        accountType: String,
        accountSubType: String,
        banStatus: String,
        statusDate: BillingDate,
        billCycle: String,
        creditClass: String? = nil,
        creditLimit: BillingDecimal? = nil,
        currency: String,
        startServiceDate: BillingDate,
        createdAt: BillingTimestamp,
        updatedAt: BillingTimestamp
    ) {
        self.ban = ban
        self.accountType = accountType
        self.accountSubType = accountSubType
        self.banStatus = banStatus
        self.statusDate = statusDate
        self.billCycle = billCycle
        self.creditClass = creditClass
        self.creditLimit = creditLimit
        self.currency = currency
        self.startServiceDate = startServiceDate
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case ban = "ban"
        case accountType = "account_type"
        case accountSubType = "account_sub_type"
        case banStatus = "ban_status"
        case statusDate = "status_date"
        case billCycle = "bill_cycle"
        case creditClass = "credit_class"
        case creditLimit = "credit_limit"
        case currency = "currency"
        case startServiceDate = "start_service_date"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public init(row: SourceRow) throws(BillingModelError) {
        var reader = RowReader(row, table: Self.table)
        ban = try reader.uint64("ban")
        accountType = try reader.string("account_type")
        accountSubType = try reader.string("account_sub_type")
        banStatus = try reader.string("ban_status")
        statusDate = try reader.date("status_date")
        billCycle = try reader.string("bill_cycle")
        creditClass = try reader.optionalString("credit_class")
        creditLimit = try reader.optionalDecimal("credit_limit")
        currency = try reader.string("currency")
        startServiceDate = try reader.date("start_service_date")
        createdAt = try reader.timestamp("created_at")
        updatedAt = try reader.timestamp("updated_at")
        try reader.finish()
    }

    public var row: SourceRow {
        [
            .text(String(ban)),
            .text(accountType),
            .text(accountSubType),
            .text(banStatus),
            .text(statusDate.text),
            .text(billCycle),
            .optional(creditClass.map { $0 }),
            .optional(creditLimit.map { $0.text }),
            .text(currency),
            .text(startServiceDate.text),
            .text(createdAt.sql),
            .text(updatedAt.sql),
        ]
    }
}

/// The customer of a billing account (one per account).
public struct Customer: BillingEntity {
    public static let table = "CUSTOMER"

    public var customerId: UInt64
    public var ban: UInt64
    public var customerType: String
    public var firstName: String?
    public var lastName: String?
    public var companyName: String?
    public var email: String?
    public var phone: String?
    public var addressLine1: String
    public var addressLine2: String?
    public var city: String
    public var stateCode: String?
    public var postalCode: String
    public var countryCode: String
    public var birthDate: BillingDate?
    public var notes: String?
    public var createdAt: BillingTimestamp
    public var updatedAt: BillingTimestamp

    public init(
        customerId: UInt64,
        ban: UInt64,
        customerType: String,
        firstName: String? = nil,
        lastName: String? = nil,
        companyName: String? = nil,
        email: String? = nil,
        phone: String? = nil,
        addressLine1: String,
        addressLine2: String? = nil,
        city: String,
        stateCode: String? = nil,
        postalCode: String,
        countryCode: String,
        birthDate: BillingDate? = nil,
        notes: String? = nil,
        createdAt: BillingTimestamp,
        updatedAt: BillingTimestamp
    ) {
        self.customerId = customerId
        self.ban = ban
        self.customerType = customerType
        self.firstName = firstName
        self.lastName = lastName
        self.companyName = companyName
        self.email = email
        self.phone = phone
        self.addressLine1 = addressLine1
        self.addressLine2 = addressLine2
        self.city = city
        self.stateCode = stateCode
        self.postalCode = postalCode
        self.countryCode = countryCode
        self.birthDate = birthDate
        self.notes = notes
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case customerId = "customer_id"
        case ban = "ban"
        case customerType = "customer_type"
        case firstName = "first_name"
        case lastName = "last_name"
        case companyName = "company_name"
        case email = "email"
        case phone = "phone"
        case addressLine1 = "address_line1"
        case addressLine2 = "address_line2"
        case city = "city"
        case stateCode = "state_code"
        case postalCode = "postal_code"
        case countryCode = "country_code"
        case birthDate = "birth_date"
        case notes = "notes"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public init(row: SourceRow) throws(BillingModelError) {
        var reader = RowReader(row, table: Self.table)
        customerId = try reader.uint64("customer_id")
        ban = try reader.uint64("ban")
        customerType = try reader.string("customer_type")
        firstName = try reader.optionalString("first_name")
        lastName = try reader.optionalString("last_name")
        companyName = try reader.optionalString("company_name")
        email = try reader.optionalString("email")
        phone = try reader.optionalString("phone")
        addressLine1 = try reader.string("address_line1")
        addressLine2 = try reader.optionalString("address_line2")
        city = try reader.string("city")
        stateCode = try reader.optionalString("state_code")
        postalCode = try reader.string("postal_code")
        countryCode = try reader.string("country_code")
        birthDate = try reader.optionalDate("birth_date")
        notes = try reader.optionalString("notes")
        createdAt = try reader.timestamp("created_at")
        updatedAt = try reader.timestamp("updated_at")
        try reader.finish()
    }

    public var row: SourceRow {
        [
            .text(String(customerId)),
            .text(String(ban)),
            .text(customerType),
            .optional(firstName.map { $0 }),
            .optional(lastName.map { $0 }),
            .optional(companyName.map { $0 }),
            .optional(email.map { $0 }),
            .optional(phone.map { $0 }),
            .text(addressLine1),
            .optional(addressLine2.map { $0 }),
            .text(city),
            .optional(stateCode.map { $0 }),
            .text(postalCode),
            .text(countryCode),
            .optional(birthDate.map { $0.text }),
            .optional(notes.map { $0 }),
            .text(createdAt.sql),
            .text(updatedAt.sql),
        ]
    }
}

/// A subscriber (a line: phone number, internet or TV service) of an account.
public struct Subscriber: BillingEntity {
    public static let table = "SUBSCRIBER"

    public var subscriberNo: String
    public var ban: UInt64
    public var subStatus: String
    public var subStatusDate: BillingDate
    public var productType: String
    public var pricePlan: String
    public var initActivationDate: BillingDate?
    public var createdAt: BillingTimestamp
    public var updatedAt: BillingTimestamp

    public init(
        subscriberNo: String,
        ban: UInt64,
        subStatus: String,
        subStatusDate: BillingDate,
        productType: String,
        pricePlan: String,
        initActivationDate: BillingDate? = nil,
        createdAt: BillingTimestamp,
        updatedAt: BillingTimestamp
    ) {
        self.subscriberNo = subscriberNo
        self.ban = ban
        self.subStatus = subStatus
        self.subStatusDate = subStatusDate
        self.productType = productType
        self.pricePlan = pricePlan
        self.initActivationDate = initActivationDate
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case subscriberNo = "subscriber_no"
        case ban = "ban"
        case subStatus = "sub_status"
        case subStatusDate = "sub_status_date"
        case productType = "product_type"
        case pricePlan = "price_plan"
        case initActivationDate = "init_activation_date"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public init(row: SourceRow) throws(BillingModelError) {
        var reader = RowReader(row, table: Self.table)
        subscriberNo = try reader.string("subscriber_no")
        ban = try reader.uint64("ban")
        subStatus = try reader.string("sub_status")
        subStatusDate = try reader.date("sub_status_date")
        productType = try reader.string("product_type")
        pricePlan = try reader.string("price_plan")
        initActivationDate = try reader.optionalDate("init_activation_date")
        createdAt = try reader.timestamp("created_at")
        updatedAt = try reader.timestamp("updated_at")
        try reader.finish()
    }

    public var row: SourceRow {
        [
            .text(subscriberNo),
            .text(String(ban)),
            .text(subStatus),
            .text(subStatusDate.text),
            .text(productType),
            .text(pricePlan),
            .optional(initActivationDate.map { $0.text }),
            .text(createdAt.sql),
            .text(updatedAt.sql),
        ]
    }
}

/// A service (SOC) a subscriber has agreed to.
public struct ServiceAgreement: BillingEntity {
    public static let table = "SERVICE_AGREEMENT"

    public var ban: UInt64
    public var subscriberNo: String
    public var soc: String
    public var serviceType: String
    public var effectiveDate: BillingDate
    public var expirationDate: BillingDate?
    public var monthlyRate: BillingDecimal
    public var createdAt: BillingTimestamp
    public var updatedAt: BillingTimestamp

    public init(
        ban: UInt64,
        subscriberNo: String,
        soc: String,
        serviceType: String,
        effectiveDate: BillingDate,
        expirationDate: BillingDate? = nil,
        monthlyRate: BillingDecimal,
        createdAt: BillingTimestamp,
        updatedAt: BillingTimestamp
    ) {
        self.ban = ban
        self.subscriberNo = subscriberNo
        self.soc = soc
        self.serviceType = serviceType
        self.effectiveDate = effectiveDate
        self.expirationDate = expirationDate
        self.monthlyRate = monthlyRate
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case ban = "ban"
        case subscriberNo = "subscriber_no"
        case soc = "soc"
        case serviceType = "service_type"
        case effectiveDate = "effective_date"
        case expirationDate = "expiration_date"
        case monthlyRate = "monthly_rate"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public init(row: SourceRow) throws(BillingModelError) {
        var reader = RowReader(row, table: Self.table)
        ban = try reader.uint64("ban")
        subscriberNo = try reader.string("subscriber_no")
        soc = try reader.string("soc")
        serviceType = try reader.string("service_type")
        effectiveDate = try reader.date("effective_date")
        expirationDate = try reader.optionalDate("expiration_date")
        monthlyRate = try reader.decimal("monthly_rate")
        createdAt = try reader.timestamp("created_at")
        updatedAt = try reader.timestamp("updated_at")
        try reader.finish()
    }

    public var row: SourceRow {
        [
            .text(String(ban)),
            .text(subscriberNo),
            .text(soc),
            .text(serviceType),
            .text(effectiveDate.text),
            .optional(expirationDate.map { $0.text }),
            .text(monthlyRate.text),
            .text(createdAt.sql),
            .text(updatedAt.sql),
        ]
    }
}

/// A bill of an account for one cycle.
public struct Bill: BillingEntity {
    public static let table = "BILL"

    public var ban: UInt64
    public var billSeqNumber: UInt32
    public var cycleCode: String
    public var cycleCloseDate: BillingDate
    public var billDate: BillingDate
    public var dueDate: BillingDate
    public var previousBalance: BillingDecimal
    public var payments: BillingDecimal
    public var totalCharges: BillingDecimal
    public var totalTaxes: BillingDecimal
    public var amountDue: BillingDecimal
    public var billStatus: String
    public var createdAt: BillingTimestamp
    public var updatedAt: BillingTimestamp

    public init(
        ban: UInt64,
        billSeqNumber: UInt32,
        cycleCode: String,
        cycleCloseDate: BillingDate,
        billDate: BillingDate,
        dueDate: BillingDate,
        previousBalance: BillingDecimal,
        payments: BillingDecimal,
        totalCharges: BillingDecimal,
        totalTaxes: BillingDecimal,
        amountDue: BillingDecimal,
        billStatus: String,
        createdAt: BillingTimestamp,
        updatedAt: BillingTimestamp
    ) {
        self.ban = ban
        self.billSeqNumber = billSeqNumber
        self.cycleCode = cycleCode
        self.cycleCloseDate = cycleCloseDate
        self.billDate = billDate
        self.dueDate = dueDate
        self.previousBalance = previousBalance
        self.payments = payments
        self.totalCharges = totalCharges
        self.totalTaxes = totalTaxes
        self.amountDue = amountDue
        self.billStatus = billStatus
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case ban = "ban"
        case billSeqNumber = "bill_seq_number"
        case cycleCode = "cycle_code"
        case cycleCloseDate = "cycle_close_date"
        case billDate = "bill_date"
        case dueDate = "due_date"
        case previousBalance = "previous_balance"
        case payments = "payments"
        case totalCharges = "total_charges"
        case totalTaxes = "total_taxes"
        case amountDue = "amount_due"
        case billStatus = "bill_status"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public init(row: SourceRow) throws(BillingModelError) {
        var reader = RowReader(row, table: Self.table)
        ban = try reader.uint64("ban")
        billSeqNumber = try reader.uint32("bill_seq_number")
        cycleCode = try reader.string("cycle_code")
        cycleCloseDate = try reader.date("cycle_close_date")
        billDate = try reader.date("bill_date")
        dueDate = try reader.date("due_date")
        previousBalance = try reader.decimal("previous_balance")
        payments = try reader.decimal("payments")
        totalCharges = try reader.decimal("total_charges")
        totalTaxes = try reader.decimal("total_taxes")
        amountDue = try reader.decimal("amount_due")
        billStatus = try reader.string("bill_status")
        createdAt = try reader.timestamp("created_at")
        updatedAt = try reader.timestamp("updated_at")
        try reader.finish()
    }

    public var row: SourceRow {
        [
            .text(String(ban)),
            .text(String(billSeqNumber)),
            .text(cycleCode),
            .text(cycleCloseDate.text),
            .text(billDate.text),
            .text(dueDate.text),
            .text(previousBalance.text),
            .text(payments.text),
            .text(totalCharges.text),
            .text(totalTaxes.text),
            .text(amountDue.text),
            .text(billStatus),
            .text(createdAt.sql),
            .text(updatedAt.sql),
        ]
    }
}

/// A charge (or a credit, when negative) on an account, possibly of one subscriber.
public struct Charge: BillingEntity {
    public static let table = "CHARGE"

    public var ban: UInt64
    public var chargeSeq: UInt64
    public var activityNum: String
    public var subscriberNo: String?
    public var featureCode: String
    public var chargeCreationDate: BillingDate
    public var amount: BillingDecimal
    public var taxAmount: BillingDecimal
    public var billSeqNumber: UInt32?
    public var description: String?
    public var createdAt: BillingTimestamp
    public var updatedAt: BillingTimestamp

    public init(
        ban: UInt64,
        chargeSeq: UInt64,
        activityNum: String,
        subscriberNo: String? = nil,
        featureCode: String,
        chargeCreationDate: BillingDate,
        amount: BillingDecimal,
        taxAmount: BillingDecimal,
        billSeqNumber: UInt32? = nil,
        description: String? = nil,
        createdAt: BillingTimestamp,
        updatedAt: BillingTimestamp
    ) {
        self.ban = ban
        self.chargeSeq = chargeSeq
        self.activityNum = activityNum
        self.subscriberNo = subscriberNo
        self.featureCode = featureCode
        self.chargeCreationDate = chargeCreationDate
        self.amount = amount
        self.taxAmount = taxAmount
        self.billSeqNumber = billSeqNumber
        self.description = description
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case ban = "ban"
        case chargeSeq = "charge_seq"
        case activityNum = "activity_num"
        case subscriberNo = "subscriber_no"
        case featureCode = "feature_code"
        case chargeCreationDate = "charge_creation_date"
        case amount = "amount"
        case taxAmount = "tax_amount"
        case billSeqNumber = "bill_seq_number"
        case description = "description"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public init(row: SourceRow) throws(BillingModelError) {
        var reader = RowReader(row, table: Self.table)
        ban = try reader.uint64("ban")
        chargeSeq = try reader.uint64("charge_seq")
        activityNum = try reader.string("activity_num")
        subscriberNo = try reader.optionalString("subscriber_no")
        featureCode = try reader.string("feature_code")
        chargeCreationDate = try reader.date("charge_creation_date")
        amount = try reader.decimal("amount")
        taxAmount = try reader.decimal("tax_amount")
        billSeqNumber = try reader.optionalUint32("bill_seq_number")
        description = try reader.optionalString("description")
        createdAt = try reader.timestamp("created_at")
        updatedAt = try reader.timestamp("updated_at")
        try reader.finish()
    }

    public var row: SourceRow {
        [
            .text(String(ban)),
            .text(String(chargeSeq)),
            .text(activityNum),
            .optional(subscriberNo.map { $0 }),
            .text(featureCode),
            .text(chargeCreationDate.text),
            .text(amount.text),
            .text(taxAmount.text),
            .optional(billSeqNumber.map { String($0) }),
            .optional(description.map { $0 }),
            .text(createdAt.sql),
            .text(updatedAt.sql),
        ]
    }
}
