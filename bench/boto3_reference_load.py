#!/usr/bin/env python3
"""The load a user would otherwise write: boto3's batch_writer over the DMS files.

Reads {folder}/billing/{TABLE}/LOAD*.csv[.gz] (local folder or s3://bucket/prefix),
maps each row to the same item billmig writes (CONTRACT section 2), and writes it
with Table.batch_writer(). It is the benchmark's reference, not part of billmig.

Usage: boto3_reference_load.py FOLDER|s3://BUCKET/PREFIX [TABLE]; endpoint, region
and credentials come from the usual AWS_* variables. Prints a JSON summary line.

Simplifications a quick script makes and billmig does not: Python's csv module
reads a NULL (empty field) and an empty string ("") alike, so both leave the
attribute out; a row with the wrong column count is skipped and counted, not
dead-lettered; nothing is checkpointed, checked against the key rules or tracked.
"""
import csv
import gzip
import io
import os
import sys
import time
from decimal import Decimal

import boto3

# Column order of each table (CONTRACT section 1) and how keys are built.
TABLES = {
    "BILLING_ACCOUNT": ["ban", "account_type", "account_sub_type", "ban_status", "status_date", "bill_cycle",
                        "credit_class", "credit_limit", "currency", "start_service_date", "created_at", "updated_at"],
    "CUSTOMER": ["customer_id", "ban", "customer_type", "first_name", "last_name", "company_name", "email", "phone",
                 "address_line1", "address_line2", "city", "state_code", "postal_code", "country_code", "birth_date",
                 "notes", "created_at", "updated_at"],
    "SUBSCRIBER": ["subscriber_no", "ban", "sub_status", "sub_status_date", "product_type", "price_plan",
                   "init_activation_date", "created_at", "updated_at"],
    "SERVICE_AGREEMENT": ["ban", "subscriber_no", "soc", "service_type", "effective_date", "expiration_date",
                          "monthly_rate", "created_at", "updated_at"],
    "BILL": ["ban", "bill_seq_number", "cycle_code", "cycle_close_date", "bill_date", "due_date", "previous_balance",
             "payments", "total_charges", "total_taxes", "amount_due", "bill_status", "created_at", "updated_at"],
    "CHARGE": ["ban", "charge_seq", "activity_num", "subscriber_no", "feature_code", "charge_creation_date", "amount",
               "tax_amount", "bill_seq_number", "description", "created_at", "updated_at"],
}
NUMERIC = {"ban", "customer_id", "credit_limit", "monthly_rate", "bill_seq_number", "previous_balance", "payments",
           "total_charges", "total_taxes", "amount_due", "charge_seq", "amount", "tax_amount"}
DATETIME = {"created_at", "updated_at"}


def iso(value):
    date, _, clock = value.partition(" ")
    hms, _, fraction = clock.partition(".")
    return f"{date}T{hms}.{(fraction + '000')[:3]}Z"


def keys(table, r):
    ban = f"BAN#{r['ban']}"
    if table == "BILLING_ACCOUNT":
        return {"PK": ban, "SK": "ACCOUNT"}
    if table == "CUSTOMER":
        return {"PK": ban, "SK": "CUSTOMER"}
    if table == "SUBSCRIBER":
        return {"PK": ban, "SK": f"SUB#{r['subscriber_no']}", "GSI1PK": f"SUB#{r['subscriber_no']}", "GSI1SK": "ACCOUNT"}
    if table == "SERVICE_AGREEMENT":
        return {"PK": ban, "SK": f"SA#{r['subscriber_no']}#{r['soc']}",
                "GSI1PK": f"SUB#{r['subscriber_no']}", "GSI1SK": f"SA#{r['soc']}"}
    if table == "BILL":
        return {"PK": ban, "SK": f"BILL#{int(r['bill_seq_number']):010d}",
                "GSI2PK": f"BILL#{r['cycle_code']}", "GSI2SK": r["cycle_close_date"]}
    item = {"PK": ban, "SK": f"CHARGE#{int(r['charge_seq']):020d}#{r['activity_num']}",
            "GSI2PK": f"CHARGE#{r['feature_code']}", "GSI2SK": r["charge_creation_date"]}
    if r.get("subscriber_no") is not None:
        item["GSI1PK"] = f"SUB#{r['subscriber_no']}"
        item["GSI1SK"] = f"CHARGE#{r['charge_creation_date']}"
    return item


def item_for(table, fields):
    columns = TABLES[table]
    if len(fields) != len(columns):
        return None
    row = {c: (None if v == "" else v) for c, v in zip(columns, fields)}
    item = keys(table, row)
    for column, value in row.items():
        if value is None:
            continue
        if column in NUMERIC:
            item[column] = Decimal(value)
        elif column in DATETIME:
            item[column] = iso(value)
        else:
            item[column] = value
    item["EntityType"] = table
    item["CreatedAt"] = item["created_at"]
    item["UpdatedAt"] = item["updated_at"]
    item["SourceVersion"] = "0"
    return item


def open_files(source, table, s3):
    """Yields each LOAD file of the table as a text stream, read as it goes."""
    if source.startswith("s3://"):
        bucket, _, prefix = source[5:].partition("/")
        folder = f"{prefix.strip('/')}/billing/{table}/".lstrip("/")
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=folder)
        for key in sorted(o["Key"] for p in pages for o in p.get("Contents", [])):
            name = key.rsplit("/", 1)[-1]
            if name.startswith("LOAD"):
                body = s3.get_object(Bucket=bucket, Key=key)["Body"]
                raw = gzip.GzipFile(fileobj=body) if name.endswith(".gz") else body
                with io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
                    yield text
    else:
        folder = os.path.join(source, "billing", table)
        if not os.path.isdir(folder):
            return
        for name in sorted(os.listdir(folder)):
            if name.startswith("LOAD"):
                path = os.path.join(folder, name)
                opener = gzip.open if name.endswith(".gz") else open
                with opener(path, "rt", encoding="utf-8", newline="") as text:
                    yield text


def main():
    source, table_name = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "BillingSystem"
    endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ.get("AWS_ENDPOINT_URL")
    table = boto3.resource("dynamodb", endpoint_url=endpoint).Table(table_name)
    s3 = boto3.client("s3", endpoint_url=os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL"))
    written = skipped = 0
    started = time.monotonic()
    with table.batch_writer(overwrite_by_pkeys=["PK", "SK"]) as writer:
        for entity in TABLES:
            for text in open_files(source, entity, s3):
                for fields in csv.reader(text):
                    item = item_for(entity, fields)
                    if item is None:
                        skipped += 1
                        continue
                    writer.put_item(Item=item)
                    written += 1
    elapsed = time.monotonic() - started
    print(f'{{"itemsWritten": {written}, "skipped": {skipped}, "elapsedSeconds": {elapsed:.3f}, '
          f'"itemsPerSecond": {written / elapsed if elapsed else 0:.1f}}}')


if __name__ == "__main__":
    main()
