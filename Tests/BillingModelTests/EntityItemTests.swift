import BillingModel
import DynamoDBModel
import Testing

/// The exact item of every entity of the contract's mapping.
@Suite struct EntityItemTests {
    @Test func billingAccount() throws {
        let item = try put(
            change(
                "BILLING_ACCOUNT", .snapshot,
                [
                    "1000000001", "I", "01", "O", "2024-01-15", "MONTHLY", "A", "5000.00", "USD", "2023-06-01",
                    "2024-01-15 10:22:31.120", "2024-02-01 08:00:00.000",
                ]))
        #expect(
            item == [
                "PK": .s("BAN#1000000001"),
                "SK": .s("ACCOUNT"),
                "ban": .n("1000000001"),
                "account_type": .s("I"),
                "account_sub_type": .s("01"),
                "ban_status": .s("O"),
                "status_date": .s("2024-01-15"),
                "bill_cycle": .s("MONTHLY"),
                "credit_class": .s("A"),
                "credit_limit": .n("5000.00"),
                "currency": .s("USD"),
                "start_service_date": .s("2023-06-01"),
                "created_at": .s("2024-01-15T10:22:31.120Z"),
                "updated_at": .s("2024-02-01T08:00:00.000Z"),
                "EntityType": .s("BILLING_ACCOUNT"),
                "CreatedAt": .s("2024-01-15T10:22:31.120Z"),
                "UpdatedAt": .s("2024-02-01T08:00:00.000Z"),
                "SourceVersion": .s("0"),
            ])
    }

    @Test func customerWithDifficultNotes() throws {
        let notes = "Called 3×, said \"cancel\", then\nnever mind — Zoë, 東京 😀\r\n\ttabbed, 'quoted'"
        let item = try put(
            change(
                "CUSTOMER", .insert,
                [
                    "77", "1000000001", "P", "Zoë", "O'Brien", nil, "zoe@example.com", "+1 555 0100",
                    "1 Main St, Apt \"B\"", nil, "Springfield", "IL", "62701", "US", "1980-02-29", notes,
                    "2024-01-15 10:22:31.120", "2024-01-15 10:22:31.120",
                ], position: cdcPosition))
        #expect(
            item == [
                "PK": .s("BAN#1000000001"),
                "SK": .s("CUSTOMER"),
                "customer_id": .n("77"),
                "ban": .n("1000000001"),
                "customer_type": .s("P"),
                "first_name": .s("Zoë"),
                "last_name": .s("O'Brien"),
                "email": .s("zoe@example.com"),
                "phone": .s("+1 555 0100"),
                "address_line1": .s("1 Main St, Apt \"B\""),
                "city": .s("Springfield"),
                "state_code": .s("IL"),
                "postal_code": .s("62701"),
                "country_code": .s("US"),
                "birth_date": .s("1980-02-29"),
                "notes": .s(notes),
                "created_at": .s("2024-01-15T10:22:31.120Z"),
                "updated_at": .s("2024-01-15T10:22:31.120Z"),
                "EntityType": .s("CUSTOMER"),
                "CreatedAt": .s("2024-01-15T10:22:31.120Z"),
                "UpdatedAt": .s("2024-01-15T10:22:31.120Z"),
                "SourceVersion": .s(cdcVersion),
            ])
    }

    @Test func subscriber() throws {
        let item = try put(
            change(
                "SUBSCRIBER", .snapshot,
                [
                    "4165550101", "1000000001", "A", "2024-01-10", "C", "PP_UNL50", nil, "2023-06-01 00:00:00.000",
                    "2024-01-10 12:00:00.500",
                ]))
        #expect(
            item == [
                "PK": .s("BAN#1000000001"),
                "SK": .s("SUB#4165550101"),
                "GSI1PK": .s("SUB#4165550101"),
                "GSI1SK": .s("ACCOUNT"),
                "subscriber_no": .s("4165550101"),
                "ban": .n("1000000001"),
                "sub_status": .s("A"),
                "sub_status_date": .s("2024-01-10"),
                "product_type": .s("C"),
                "price_plan": .s("PP_UNL50"),
                "created_at": .s("2023-06-01T00:00:00.000Z"),
                "updated_at": .s("2024-01-10T12:00:00.500Z"),
                "EntityType": .s("SUBSCRIBER"),
                "CreatedAt": .s("2023-06-01T00:00:00.000Z"),
                "UpdatedAt": .s("2024-01-10T12:00:00.500Z"),
                "SourceVersion": .s("0"),
            ])
    }

    @Test func serviceAgreement() throws {
        let item = try put(
            change(
                "SERVICE_AGREEMENT", .snapshot,
                [
                    "1000000001", "4165550101", "ROAM10", "O", "2024-01-01", "2024-12-31", "10.00",
                    "2024-01-01 09:15:00.000", "2024-01-01 09:15:00.000",
                ]))
        #expect(
            item == [
                "PK": .s("BAN#1000000001"),
                "SK": .s("SA#4165550101#ROAM10"),
                "GSI1PK": .s("SUB#4165550101"),
                "GSI1SK": .s("SA#ROAM10"),
                "ban": .n("1000000001"),
                "subscriber_no": .s("4165550101"),
                "soc": .s("ROAM10"),
                "service_type": .s("O"),
                "effective_date": .s("2024-01-01"),
                "expiration_date": .s("2024-12-31"),
                "monthly_rate": .n("10.00"),
                "created_at": .s("2024-01-01T09:15:00.000Z"),
                "updated_at": .s("2024-01-01T09:15:00.000Z"),
                "EntityType": .s("SERVICE_AGREEMENT"),
                "CreatedAt": .s("2024-01-01T09:15:00.000Z"),
                "UpdatedAt": .s("2024-01-01T09:15:00.000Z"),
                "SourceVersion": .s("0"),
            ])
    }

    @Test func bill() throws {
        let item = try put(
            change(
                "BILL", .snapshot,
                [
                    "1000000001", "42", "C05", "2024-01-05", "2024-01-06", "2024-01-27", "120.50", "-120.50", "89.99",
                    "7.20", "97.19", "O", "2024-01-06 02:00:00.000", "2024-01-06 02:00:00.000",
                ]))
        #expect(
            item == [
                "PK": .s("BAN#1000000001"),
                "SK": .s("BILL#0000000042"),
                "GSI2PK": .s("BILL#C05"),
                "GSI2SK": .s("2024-01-05"),
                "ban": .n("1000000001"),
                "bill_seq_number": .n("42"),
                "cycle_code": .s("C05"),
                "cycle_close_date": .s("2024-01-05"),
                "bill_date": .s("2024-01-06"),
                "due_date": .s("2024-01-27"),
                "previous_balance": .n("120.50"),
                "payments": .n("-120.50"),
                "total_charges": .n("89.99"),
                "total_taxes": .n("7.20"),
                "amount_due": .n("97.19"),
                "bill_status": .s("O"),
                "created_at": .s("2024-01-06T02:00:00.000Z"),
                "updated_at": .s("2024-01-06T02:00:00.000Z"),
                "EntityType": .s("BILL"),
                "CreatedAt": .s("2024-01-06T02:00:00.000Z"),
                "UpdatedAt": .s("2024-01-06T02:00:00.000Z"),
                "SourceVersion": .s("0"),
            ])
    }

    @Test func chargeOfASubscriber() throws {
        let item = try put(
            change(
                "CHARGE", .update,
                [
                    "1000000001", "123456789", "ACT-0001", "4165550101", "VOICE", "2024-01-03", "-2.5000", "0.3250", "42",
                    "Call to \"Mum\", 12 min", "2024-01-03 18:44:09.001", "2024-01-06 02:00:00.000",
                ], position: cdcPosition))
        #expect(
            item == [
                "PK": .s("BAN#1000000001"),
                "SK": .s("CHARGE#00000000000123456789#ACT-0001"),
                "GSI1PK": .s("SUB#4165550101"),
                "GSI1SK": .s("CHARGE#2024-01-03"),
                "GSI2PK": .s("CHARGE#VOICE"),
                "GSI2SK": .s("2024-01-03"),
                "ban": .n("1000000001"),
                "charge_seq": .n("123456789"),
                "activity_num": .s("ACT-0001"),
                "subscriber_no": .s("4165550101"),
                "feature_code": .s("VOICE"),
                "charge_creation_date": .s("2024-01-03"),
                "amount": .n("-2.5000"),
                "tax_amount": .n("0.3250"),
                "bill_seq_number": .n("42"),
                "description": .s("Call to \"Mum\", 12 min"),
                "created_at": .s("2024-01-03T18:44:09.001Z"),
                "updated_at": .s("2024-01-06T02:00:00.000Z"),
                "EntityType": .s("CHARGE"),
                "CreatedAt": .s("2024-01-03T18:44:09.001Z"),
                "UpdatedAt": .s("2024-01-06T02:00:00.000Z"),
                "SourceVersion": .s(cdcVersion),
            ])
    }

    @Test func accountLevelChargeHasNoSubscriberIndexKeys() throws {
        let item = try put(
            change(
                "CHARGE", .snapshot,
                [
                    "1000000001", "18446744073709551615", "RC1", nil, "RECUR", "2024-01-01", "45.0000", "0.0000", nil,
                    nil, "2024-01-01 00:00:00.000", "2024-01-01 00:00:00.000",
                ]))
        #expect(
            item == [
                "PK": .s("BAN#1000000001"),
                "SK": .s("CHARGE#18446744073709551615#RC1"),
                "GSI2PK": .s("CHARGE#RECUR"),
                "GSI2SK": .s("2024-01-01"),
                "ban": .n("1000000001"),
                "charge_seq": .n("18446744073709551615"),
                "activity_num": .s("RC1"),
                "feature_code": .s("RECUR"),
                "charge_creation_date": .s("2024-01-01"),
                "amount": .n("45.0000"),
                "tax_amount": .n("0.0000"),
                "created_at": .s("2024-01-01T00:00:00.000Z"),
                "updated_at": .s("2024-01-01T00:00:00.000Z"),
                "EntityType": .s("CHARGE"),
                "CreatedAt": .s("2024-01-01T00:00:00.000Z"),
                "UpdatedAt": .s("2024-01-01T00:00:00.000Z"),
                "SourceVersion": .s("0"),
            ])
    }

    @Test func customerWithEveryOptionalColumnNull() throws {
        let item = try put(
            change(
                "CUSTOMER", .snapshot,
                [
                    "78", "1000000002", "O", nil, nil, nil, nil, nil, "PO Box 1", nil, "Oslo", nil, "0150", "NO", nil,
                    nil, "2024-01-15 10:22:31.120", "2024-01-16 00:00:00.000",
                ]))
        #expect(
            item == [
                "PK": .s("BAN#1000000002"),
                "SK": .s("CUSTOMER"),
                "customer_id": .n("78"),
                "ban": .n("1000000002"),
                "customer_type": .s("O"),
                "address_line1": .s("PO Box 1"),
                "city": .s("Oslo"),
                "postal_code": .s("0150"),
                "country_code": .s("NO"),
                "created_at": .s("2024-01-15T10:22:31.120Z"),
                "updated_at": .s("2024-01-16T00:00:00.000Z"),
                "EntityType": .s("CUSTOMER"),
                "CreatedAt": .s("2024-01-15T10:22:31.120Z"),
                "UpdatedAt": .s("2024-01-16T00:00:00.000Z"),
                "SourceVersion": .s("0"),
            ])
    }
}
