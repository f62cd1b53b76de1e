import BillingModel
import NIOCore
import SampleData
import Testing

@testable import DMSStaging

@Suite("DMS writer")
struct DMSWriterTests {
    @Test("quoting exactly as DMS: quotes, commas, CR and LF quoted; NULL empty; empty string \"\"")
    func quoting() {
        var buffer = ByteBuffer()
        DMSCSVEncoder.appendRecord(
            [
                t("plain"), t("Carine "), t("54, rue Royale"), t("say \"hi\""), t("two\nlines"), t("cr\rhere"), null,
                t(""), t("Kelly's"), t("東京 🎉"), t("\""), t(" "),
            ],
            to: &buffer
        )
        #expect(
            String(buffer: buffer)
                == "plain,Carine ,\"54, rue Royale\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rhere\",,\"\",Kelly's,東京 🎉,\"\"\"\", \n"
        )
        #expect(DMSCSVEncoder.line([null, null]) == ",")
        #expect(DMSCSVEncoder.line([t("")]) == "\"\"")
    }

    static let trickyRows: [SourceRow] = [
        [t("1"), t("54, rue Royale"), null, t("")],
        [t("2"), t("multi\nline\r\nvalue"), t("\"quoted\""), t("Zoë 東京 🎉")],
        [t("3"), t(" lead and trail "), t(","), t("\r")],
        [t("4"), null, null, null],
        [t("5"), t(""), t(""), t("")],
    ]
    static let columns = ["id", "a", "b", "c"]
    static let layout = DMSTableLayout(table: "T", columns: columns)

    @Test(
        "write then read gives the same rows, for every combination of header, Op, change sequence and gzip",
        arguments: [false, true], [false, true]
    )
    func roundTrip(header: Bool, gzip: Bool) async throws {
        for includeOp in [false, true] {
            for sequence in [nil, "change_seq"] as [String?] {
                let options = DMSWriteOptions(
                    addColumnName: header,
                    includeOpForFullLoad: includeOp,
                    changeSequenceColumnName: sequence,
                    compression: gzip ? .gzip : .none,
                    maxFileSize: 80
                )
                let store = InMemoryObjectStore(chunkSize: 9)
                let layout = DMSStagingLayout(bucketFolder: "out")
                var writer = DMSFullLoadWriter(store: store, tablePrefix: layout.tablePrefix("T"), columns: Self.columns, options: options)
                var locations: [DMSRowLocation] = []
                for (index, row) in Self.trickyRows.enumerated() {
                    locations.append(try await writer.append(row, changeSequence: String(1000 + index)))
                }
                let written = try await writer.finish()
                #expect(written.count > 1, "maxFileSize splits the load")
                #expect(written.map(\.rows).reduce(0, +) == Self.trickyRows.count)
                #expect(written.map(\.firstRow) == written.indices.map { index in written[..<index].map(\.rows).reduce(0, +) })

                let readOptions = DMSReadOptions(
                    header: header ? .present : .absent,
                    includeOpForFullLoad: includeOp,
                    changeSequenceColumnName: sequence
                )
                let files = try await layout.listTable("T", in: store)
                #expect(files.fullLoad.map(\.key) == written.map(\.key))
                var rows: [SourceRow] = []
                var origins: [DMSRowLocation] = []
                for file in files.fullLoad {
                    let result = try await readAll(file, table: Self.layout, store: store, options: readOptions)
                    #expect(result.records.compactMap(\.error).isEmpty)
                    rows += result.records.compactMap(\.change).map(\.row)
                    origins += result.records.compactMap(\.change).map { DMSRowLocation(key: $0.origin.source, line: $0.origin.line!) }
                }
                #expect(rows == Self.trickyRows, "header \(header) op \(includeOp) seq \(sequence ?? "-") gzip \(gzip)")
                #expect(origins == locations, "the writer reports where each row lands")
            }
        }
    }

    @Test("file names count in hexadecimal: ..., LOAD00000009, LOAD0000000A, ..., LOAD00000010")
    func hexNames() async throws {
        let store = InMemoryObjectStore()
        var writer = DMSFullLoadWriter(store: store, tablePrefix: "x/billing/T", columns: ["id"], options: DMSWriteOptions(maxFileSize: 1))
        for index in 1...17 {
            try await writer.append([t(String(index))])
        }
        let written = try await writer.finish()
        #expect(written.count == 17, "a row longer than maxFileSize gets a file of its own")
        #expect(written[8].key == "x/billing/T/LOAD00000009.csv")
        #expect(written[9].key == "x/billing/T/LOAD0000000A.csv")
        #expect(written[16].key == "x/billing/T/LOAD00000011.csv")
        let listed = try await DMSStagingLayout(bucketFolder: "x").listTable("T", in: store)
        #expect(listed.fullLoad.map(\.key) == written.map(\.key), "listing order is writing order")
    }

    @Test("splitting keeps every file within maxFileSize when rows fit")
    func fileSizes() async throws {
        let store = InMemoryObjectStore()
        var writer = DMSFullLoadWriter(store: store, tablePrefix: "p/", columns: ["id", "text"], options: DMSWriteOptions(maxFileSize: 1000))
        for index in 0..<500 {
            try await writer.append([t(String(index)), t(String(repeating: "x", count: index % 40))])
        }
        let written = try await writer.finish()
        #expect(written.allSatisfy { $0.bytes <= 1000 })
        #expect(written.dropLast().allSatisfy { $0.bytes > 1000 - 60 }, "files are filled before splitting")
    }

    @Test("change files: Op first, header starting with Op, change sequence last")
    func changeFile() async throws {
        let store = InMemoryObjectStore()
        let key = try await stagingLayout.writeChangeFile(
            table: "BILL",
            columns: ["ban", "amount"],
            name: DMSStagingLayout.changeFileName(year: 2024, month: 1, day: 2, hour: 3, minute: 4, second: 5, millisecond: 6),
            rows: [
                DMSChangeRow(operation: .insert, row: [t("1"), t("1.00")], changeSequence: "11"),
                DMSChangeRow(operation: .update, row: [t("1"), null], changeSequence: "12"),
                DMSChangeRow(operation: .delete, row: [t("1"), t("")], changeSequence: "13"),
            ],
            options: DMSWriteOptions(addColumnName: true, changeSequenceColumnName: "seq"),
            to: store
        )
        #expect(key == "dms/billing/BILL/20240102-030405006.csv")
        #expect(String(buffer: try await store.get(key: key)) == "Op,ban,amount,seq\nI,1,1.00,11\nU,1,,12\nD,1,\"\",13\n")
    }
}

@Suite("Sample data through DMS files")
struct SampleDataStagingTests {
    @Test("the same seed stages the same bytes; read back, every good row comes out as generated")
    func stageAndReadBack() async throws {
        let dataSet = SampleDataSet(SampleDataConfiguration(seed: 77, accounts: 6, badRows: 12))
        let layout = DMSStagingLayout(bucketFolder: "stage")
        let options = DMSWriteOptions(maxFileSize: 16 * 1024)
        let first = InMemoryObjectStore(chunkSize: 1000)
        let report = try await dataSet.writeDMSFullLoad(to: first, layout: layout, options: options)
        let second = InMemoryObjectStore()
        _ = try await dataSet.writeDMSFullLoad(to: second, layout: layout, options: options)
        #expect(first.keys == second.keys)
        for key in first.keys {
            #expect(try await first.get(key: key) == second.get(key: key), "\(key) differs")
        }
        let other = InMemoryObjectStore()
        _ = try await SampleDataSet(SampleDataConfiguration(seed: 78, accounts: 6, badRows: 12)).writeDMSFullLoad(to: other, layout: layout, options: options)
        #expect(try await other.get(key: "stage/billing/CHARGE/LOAD00000001.csv") != first.get(key: "stage/billing/CHARGE/LOAD00000001.csv"))

        for table in SampleTable.allCases {
            #expect(report.rows[table] == dataSet.rowCounts[table])
            let files = try await layout.listTable(table.name, in: first)
            #expect(files.fullLoad.map(\.key) == report.files[table]!.map(\.key))
            let tableLayout = DMSTableLayout(table: table.name, columns: table.columns)
            var records: [DMSRecord] = []
            for file in files.fullLoad {
                records += try await readAll(file, table: tableLayout, store: first).records
            }
            #expect(records.count == dataSet.rowCounts[table])
            let generated = Array(dataSet.rows(of: table))
            for (index, record) in records.enumerated() {
                let bad = dataSet.badRows.first { $0.table == table && $0.rowNumber == index + 1 }
                switch record {
                case .change(let change):
                    #expect(change.row == generated[index])
                    #expect(bad == nil || bad!.kind != .wrongColumnCount)
                case .error(let error):
                    // Only rows with a wrong column count fail in the reader.
                    #expect(bad?.kind == .wrongColumnCount, "\(error)")
                    let location = report.badRowLocations[bad!.ordinal]!
                    #expect(error.file == location.key && error.line == location.line)
                }
            }
        }
        #expect(report.badRowLocations.count == 12)
    }
}
