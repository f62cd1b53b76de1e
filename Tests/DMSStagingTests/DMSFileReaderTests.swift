import BillingModel
import CompressNIO
import NIOCore
import Testing

@testable import DMSStaging

let billLayout = DMSTableLayout(table: "BILL", columns: ["ban", "bill_seq_number", "cycle_code", "amount_due"])
let stagingLayout = DMSStagingLayout(bucketFolder: "dms")

/// Puts `text` at `name` under the BILL folder and reads it back.
func stageAndRead(
    _ text: String,
    name: String,
    options: DMSReadOptions = DMSReadOptions(),
    chunkSize: Int = 11,
    gzip: Bool = false
) async throws -> (records: [DMSRecord], summary: DMSFileSummary) {
    let store = InMemoryObjectStore(chunkSize: chunkSize)
    let key = stagingLayout.tablePrefix("BILL") + name
    var bytes = ByteBuffer(string: text)
    if gzip { bytes = try bytes.compress(with: .gzip()) }
    try await store.put(key: key, bytes: bytes)
    let file = try #require(DMSFile.classify(key: key, under: stagingLayout.tablePrefix("BILL")))
    let result = try await readAll(file, table: billLayout, store: store, options: options)
    return (result.records, result.summary)
}

@Suite("DMS record interpretation")
struct DMSFileReaderTests {
    @Test("full load without header or Op")
    func plainFullLoad() async throws {
        let (records, summary) = try await stageAndRead("1,1,C05,10.00\n1,2,C05,\n", name: "LOAD00000001.csv")
        let changes = records.compactMap(\.change)
        #expect(changes.map(\.row) == [[t("1"), t("1"), t("C05"), t("10.00")], [t("1"), t("2"), t("C05"), null]])
        #expect(changes.allSatisfy { $0.operation == .snapshot && $0.table == "BILL" })
        #expect(changes.map(\.position) == [.fullLoad(file: "dms/billing/BILL/LOAD00000001.csv", line: 1), .fullLoad(file: "dms/billing/BILL/LOAD00000001.csv", line: 2)])
        #expect(summary.changes == 2 && summary.errors == 0 && !summary.hadHeader)
    }

    @Test("a header is detected with or without Op, case-insensitively, and columns are found by name")
    func headerDetection() async throws {
        let (plain, plainSummary) = try await stageAndRead(
            "ban,bill_seq_number,cycle_code,amount_due\n1,1,C05,10.00\n", name: "LOAD00000001.csv")
        #expect(plainSummary.hadHeader)
        #expect(plain.compactMap(\.change).map(\.row) == [[t("1"), t("1"), t("C05"), t("10.00")]])
        #expect(plain.compactMap(\.change).first?.position == .fullLoad(file: "dms/billing/BILL/LOAD00000001.csv", line: 2))

        let (withOp, _) = try await stageAndRead(
            "Op,BAN,amount_due,cycle_code,bill_seq_number\nI,1,10.00,C05,1\n", name: "LOAD00000001.csv")
        #expect(withOp.compactMap(\.change).map(\.row) == [[t("1"), t("1"), t("C05"), t("10.00")]])

        let (cdc, _) = try await stageAndRead(
            "Op,ban,bill_seq_number,cycle_code,amount_due,when\nU,1,1,C05,11.00,x\nD,1,2,C05,\n", name: "20240101-000000000.csv")
        #expect(cdc.compactMap(\.change).map(\.operation) == [.update])
        #expect(cdc.compactMap(\.error).map(\.line) == [3], "the header names 6 columns; the D row has 5")
    }

    @Test("header modes: present requires a header, absent never takes one")
    func headerModes() async throws {
        await #expect(throws: DMSReadError.self) {
            _ = try await stageAndRead("1,1,C05,10.00\n", name: "LOAD00000001.csv", options: DMSReadOptions(header: .present))
        }
        let (records, _) = try await stageAndRead(
            "ban,bill_seq_number,cycle_code,amount_due\n", name: "LOAD00000001.csv", options: DMSReadOptions(header: .absent))
        #expect(records.compactMap(\.change).map(\.row) == [[t("ban"), t("bill_seq_number"), t("cycle_code"), t("amount_due")]])
        await #expect(throws: DMSReadError.self, "a change file header without Op") {
            _ = try await stageAndRead("ban,bill_seq_number,cycle_code,amount_due\n", name: "20240101-000000000.csv")
        }
    }

    @Test("IncludeOpForFullLoad: detected per row, or fixed by configuration")
    func includeOpForFullLoad() async throws {
        let (mixed, _) = try await stageAndRead("I,1,1,C05,10.00\n1,2,C05,5.00\nD,1,3,C05,1.00\n", name: "LOAD00000001.csv")
        #expect(mixed.compactMap(\.change).map { $0.row[1] } == [t("1"), t("2")])
        #expect(mixed.compactMap(\.error).first?.reason.contains("operation 'D'") == true)

        let (fixed, _) = try await stageAndRead(
            "I,1,1,C05,10.00\n1,2,C05,5.00\n", name: "LOAD00000001.csv", options: DMSReadOptions(includeOpForFullLoad: true))
        #expect(fixed.compactMap(\.change).count == 1)
        #expect(fixed.compactMap(\.error).map(\.line) == [2])
    }

    @Test("change rows: I, U, D with file positions; unknown operations and wrong counts are row errors")
    func changeRows() async throws {
        let text = "I,1,1,C05,10.00\nU,1,1,C05,12.00\nX,1,1,C05,1\nD,1,1,C05,12.00\nI,1,2\n"
        let (records, summary) = try await stageAndRead(text, name: "20240809-192717787.csv.gz", gzip: true)
        let changes = records.compactMap(\.change)
        #expect(changes.map(\.operation) == [.insert, .update, .delete])
        #expect(changes.map(\.position) == [1, 2, 4].map { .changeFile(name: "20240809-192717787", line: $0) })
        let errors = records.compactMap(\.error)
        #expect(errors.map(\.line) == [3, 5])
        #expect(errors[0].reason == "unknown operation 'X' (expected I, U or D)")
        #expect(errors[0].raw == "X,1,1,C05,1")
        #expect(errors[1].reason == "expected 5 fields, found 3")
        #expect(errors[1].file == "dms/billing/BILL/20240809-192717787.csv.gz")
        #expect(errors[1].table == "BILL")
        #expect(summary.changes == 3 && summary.errors == 2)
        // Records come out in file order, errors in their place.
        #expect(records.map { $0.change?.origin.line ?? $0.error!.line } == [1, 2, 3, 4, 5])
    }

    @Test("change sequence and commit timestamp columns without a header (by configuration)")
    func extraColumnsHeaderless() async throws {
        let options = DMSReadOptions(timestampColumnName: "commit_ts", changeSequenceColumnName: "change_seq")
        let seq1 = "20240809192717787000000000000000001"
        let seq2 = "20240809192717787000000000000000002"
        let text = "U,1,1,C05,10.00,2024-08-09 19:27:17.787000,\(seq1)\nD,1,2,C05,,2024-08-09 19:27:17.787000,\(seq2)\nI,1,3,C05,1,x,\n"
        let (records, _) = try await stageAndRead(text, name: "20240809-192717787.csv", options: options)
        let changes = records.compactMap(\.change)
        #expect(changes.map(\.position) == [.changeSequence(seq1), .changeSequence(seq2)])
        #expect(changes.map(\.row) == [[t("1"), t("1"), t("C05"), t("10.00")], [t("1"), t("2"), t("C05"), null]])
        #expect(records.compactMap(\.error).map(\.reason) == ["change sequence NULL is not a number"])

        // The timestamp column placed before the table's columns.
        let leading = DMSReadOptions(
            timestampColumnName: "ts", changeSequenceColumnName: "seq", leadingExtraColumns: ["ts"])
        let (moved, _) = try await stageAndRead("I,2024-01-01 00:00:00.000000,1,1,C05,3.00,77\n", name: "20240101-000000000.csv", options: leading)
        #expect(moved.compactMap(\.change).map(\.row) == [[t("1"), t("1"), t("C05"), t("3.00")]])
        #expect(moved.compactMap(\.change).map(\.position) == [.changeSequence("77")])

        // Full-load rows keep full-load positions even with a change sequence column.
        let (load, _) = try await stageAndRead("1,1,C05,3.00,2024-01-01 00:00:00.000000,77\n", name: "LOAD00000001.csv", options: options)
        #expect(load.compactMap(\.change).map(\.position) == [.fullLoad(file: "dms/billing/BILL/LOAD00000001.csv", line: 1)])
    }

    @Test("with a header, the change sequence is found by name and BI_ columns give the before-image")
    func extraColumnsByName() async throws {
        let text =
            "Op,seq,BI_ban,BI_bill_seq_number,BI_cycle_code,BI_amount_due,ban,bill_seq_number,cycle_code,amount_due\n"
            + "U,000123,1,1,C05,10.00,1,1,C05,12.00\nI,000124,,,,,1,2,C05,1.00\n"
        let (records, _) = try await stageAndRead(
            text, name: "20240101-000000000.csv", options: DMSReadOptions(changeSequenceColumnName: "seq"))
        let changes = records.compactMap(\.change)
        #expect(changes.map(\.row) == [[t("1"), t("1"), t("C05"), t("12.00")], [t("1"), t("2"), t("C05"), t("1.00")]])
        #expect(changes.map(\.position) == [.changeSequence("000123"), .changeSequence("000124")])
        #expect(changes[0].before == [t("1"), t("1"), t("C05"), t("10.00")])
        #expect(changes[1].before == nil)
    }

    @Test("CsvNullValue: a custom NULL text")
    func customNull() async throws {
        let (records, _) = try await stageAndRead(
            "1,1,NULL,\n", name: "LOAD00000001.csv", options: DMSReadOptions(nullValue: "NULL"))
        #expect(records.compactMap(\.change).map(\.row) == [[t("1"), t("1"), null, t("")]])
    }

    @Test("CDC_TXN files: rows of several tables in one file, others skipped")
    func transactionFiles() async throws {
        let store = InMemoryObjectStore(chunkSize: 16)
        let layout = DMSStagingLayout(bucketFolder: "dms", cdcPath: "cdc")
        let key = layout.transactionPrefix! + "CDC_TXN-20240101-000000001.csv"
        let text =
            "I,BILL,billing,1,1,C05,10.00\nI,CHARGE,billing,1,1,AC1\nU,BILL,billing,1,1,C05,11.00\n"
            + "I,OTHER,billing,1\nI,BILL,sales,9,9,X,9\nD,CHARGE,billing,1,1\n"
        try await store.put(key: key, bytes: Array(text.utf8))
        let files = try await layout.listTransactionFiles(in: store)
        let chargeLayout = DMSTableLayout(table: "CHARGE", columns: ["ban", "charge_seq", "activity_num"])
        var records: [DMSRecord] = []
        let summary = try await DMSFileReader().readTransactions(files[0], tables: [billLayout, chargeLayout], from: store) {
            records += $0
        }
        let changes = records.compactMap(\.change)
        #expect(changes.map(\.table) == ["BILL", "CHARGE", "BILL"])
        #expect(changes.map(\.operation) == [.insert, .insert, .update])
        #expect(changes[1].row == [t("1"), t("1"), t("AC1")])
        #expect(changes.map(\.position) == [1, 2, 3].map { .changeFile(name: "CDC_TXN-20240101-000000001", line: $0) })
        #expect(records.compactMap(\.error).map(\.line) == [6])
        #expect(summary.skipped == 2)
        await #expect(throws: DMSReadError.self) {
            _ = try await DMSFileReader().read(files[0], table: billLayout, from: store) { _ in }
        }
    }

    @Test("gzip: plain, multi-member, truncated and corrupt files")
    func gzip() async throws {
        let text = (1...500).map { "1,\($0),C05,\($0).00\n" }.joined()
        let (records, _) = try await stageAndRead(text, name: "LOAD00000001.csv.gz", chunkSize: 7, gzip: true)
        #expect(records.compactMap(\.change).count == 500)
        #expect(records.compactMap(\.change).last?.row == [t("1"), t("500"), t("C05"), t("500.00")])

        // Small output pieces: rows cross decompressed chunks too.
        let (small, _) = try await stageAndRead(
            text, name: "LOAD00000001.csv.gz", options: DMSReadOptions(decompressedChunkSize: 100), chunkSize: 3, gzip: true)
        #expect(small.compactMap(\.change).map(\.row) == records.compactMap(\.change).map(\.row))

        // Two gzip members one after the other (as `cat a.gz b.gz` makes).
        let store = InMemoryObjectStore(chunkSize: 50)
        var first = ByteBuffer(string: "1,1,C05,1.00\n")
        var second = ByteBuffer(string: "1,2,C05,2.00\n")
        var both = try first.compress(with: .gzip())
        var secondCompressed = try second.compress(with: .gzip())
        both.writeBuffer(&secondCompressed)
        let key = "dms/billing/BILL/LOAD00000002.csv.gz"
        try await store.put(key: key, bytes: both)
        let file = DMSFile.classify(key: key, under: "dms/billing/BILL/")!
        let members = try await readAll(file, table: billLayout, store: store)
        #expect(members.records.compactMap(\.change).map { $0.row[1] } == [t("1"), t("2")])

        // Truncated: the end of the stream is missing.
        var whole = ByteBuffer(string: text)
        let compressed = try whole.compress(with: .gzip())
        let truncated = compressed.getSlice(at: compressed.readerIndex, length: compressed.readableBytes - 20)!
        try await store.put(key: key, bytes: truncated)
        await #expect(throws: DMSReadError.self) { _ = try await readAll(file, table: billLayout, store: store) }

        // Not gzip at all.
        try await store.put(key: key, bytes: ByteBuffer(string: "1,1,C05,1.00\n"))
        await #expect(throws: DMSReadError.self) { _ = try await readAll(file, table: billLayout, store: store) }
    }

    @Test("the in-memory decoding helper gives the same records as the streaming reader")
    func inMemoryHelper() async throws {
        let text = "ban,bill_seq_number,cycle_code,amount_due\n1,1,C05,\"1,0\"\n1,2\n"
        let (streamed, _) = try await stageAndRead(text, name: "LOAD00000001.csv")
        let file = DMSFile.classify(key: "dms/billing/BILL/LOAD00000001.csv", under: "dms/billing/BILL/")!
        let (records, summary) = try DMSFileReader().records(in: ByteBuffer(string: text), file: file, table: billLayout)
        #expect(records.compactMap(\.change).map(\.row) == streamed.compactMap(\.change).map(\.row))
        #expect(records.compactMap(\.error) == streamed.compactMap(\.error))
        #expect(summary.hadHeader && summary.changes == 1 && summary.errors == 1)
    }
}
