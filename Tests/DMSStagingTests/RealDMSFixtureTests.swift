import BillingModel
import NIOCore
import Testing

@testable import DMSStaging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Real DMS output, read in place (never copied into the repository).
enum RealDMSFixture {
    /// `../shared/fixtures/real-dms` beside the repository (this file is Tests/DMSStagingTests/…).
    static let root: String = {
        var path = #filePath
        for _ in 0..<4 { path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }
        return path + "/shared/fixtures/real-dms"
    }()

    static var isPresent: Bool {
        var info = stat()
        return stat(root + "/classicmodels/customers/LOAD00000001.csv", &info) == 0
    }

    static let customers = DMSTableLayout(
        schema: "classicmodels",
        table: "customers",
        columns: [
            "customerNumber", "customerName", "contactLastName", "contactFirstName", "phone", "addressLine1",
            "addressLine2", "city", "state", "postalCode", "country", "salesRepEmployeeNumber", "creditLimit",
        ]
    )

    static let layout = DMSStagingLayout(bucketFolder: "", schema: "classicmodels")
    static var store: LocalDirectoryStore { LocalDirectoryStore(root: root, chunkSize: 97) }
}

/// Reads a whole file through the streaming reader, collecting every batch.
func readAll(
    _ file: DMSFile,
    table: DMSTableLayout,
    store: some ObjectStore,
    options: DMSReadOptions = DMSReadOptions()
) async throws -> (records: [DMSRecord], batches: [Int], summary: DMSFileSummary) {
    var records: [DMSRecord] = []
    var batches: [Int] = []
    let summary = try await DMSFileReader(options: options).read(file, table: table, from: store) { batch in
        records += batch
        batches.append(batch.count)
    }
    return (records, batches, summary)
}

@Suite(
    "Real DMS output (classicmodels.customers)",
    .enabled(if: RealDMSFixture.isPresent, "real DMS fixtures are not at \(RealDMSFixture.root); skipped")
)
struct RealDMSFixtureTests {
    func files() async throws -> DMSTableFiles {
        try await RealDMSFixture.layout.listTable("customers", in: RealDMSFixture.store)
    }

    @Test("the folder holds one full-load file and one change file")
    func listing() async throws {
        let files = try await files()
        #expect(files.fullLoad.map(\.key) == ["classicmodels/customers/LOAD00000001.csv"])
        #expect(files.changes.map(\.key) == ["classicmodels/customers/20240809-192717787.csv"])
        #expect(files.ignored.isEmpty)
    }

    @Test("all 30 full-load rows, with their exact values")
    func fullLoad() async throws {
        let file = try await files().fullLoad[0]
        let (records, _, summary) = try await readAll(file, table: RealDMSFixture.customers, store: RealDMSFixture.store)
        let changes = records.compactMap(\.change)
        #expect(changes.count == 30)
        #expect(records.compactMap(\.error).isEmpty)
        #expect(summary.changes == 30 && summary.errors == 0 && !summary.hadHeader)
        let byNumber = Dictionary(uniqueKeysWithValues: changes.map { ($0.row[0].text!, $0) })

        let atelier = byNumber["103"]!
        #expect(atelier.operation == .snapshot)
        #expect(atelier.table == "customers")
        #expect(
            atelier.row == [
                t("103"), t("Atelier graphique"), t("Schmitt"), t("Carine "), t("40.32.2555"), t("54, rue Royale"),
                null, t("Nantes"), null, t("44000"), t("France"), t("1370"), t("21000.00"),
            ]
        )
        #expect(atelier.position == .fullLoad(file: file.key, line: 1))
        #expect(atelier.origin == RowOrigin(source: file.key, line: 1))

        #expect(byNumber["114"]!.row[1] == t("Australian Collectors, Co."))
        #expect(byNumber["114"]!.row[6] == t("Level 3"))
        #expect(byNumber["125"]!.row[11] == null, "NULL salesRepEmployeeNumber")
        #expect(byNumber["144"]!.row[5] == t("Berguvsvägen  8"))
        #expect(byNumber["144"]!.row[7] == t("Luleå"))
        #expect(byNumber["167"]!.row[10] == t("Norway  "))
        #expect(byNumber["171"]!.row[2] == t("Rancé"))
        #expect(byNumber["177"]!.row[9] == t(" 530-0003"))
        #expect(byNumber["211"]!.row[9] == null, "NULL postalCode")
        #expect(byNumber["223"]!.row[1] == t("Natürlich Autos"))
        #expect(byNumber["481"]!.row[2] == t("Altagar,G M"))
        #expect(byNumber["496"]!.row[1] == t("Kelly's Gift Shop"))
        #expect(byNumber["496"]!.row[7] == t("Auckland  "))
        #expect(changes.map(\.position).last == .fullLoad(file: file.key, line: 30))
        // File order is kept.
        #expect(changes.map { Int($0.row[0].text!)! } == changes.map { Int($0.row[0].text!)! }.sorted())
    }

    @Test("the change file's four changes, in file order")
    func changeFile() async throws {
        let file = try await files().changes[0]
        let (records, _, _) = try await readAll(file, table: RealDMSFixture.customers, store: RealDMSFixture.store)
        let changes = records.compactMap(\.change)
        #expect(changes.map(\.operation) == [.insert, .update, .delete, .insert])
        #expect(changes.map(\.position) == (1...4).map { .changeFile(name: "20240809-192717787", line: $0) })
        #expect(changes.map { $0.row[0] } == Array(repeating: t("497"), count: 4))
        #expect(changes.map { $0.row[2] } == [t("Mitesh"), t("Ruffy"), t("Ruffy"), t("Mitesh")])
        #expect(changes.map { $0.row[3] } == [t("Valarie"), t("Valarie"), t("Valarie"), t("Ravatka")])
        #expect(changes.allSatisfy { $0.row.count == 13 && $0.row[6] == null && $0.row[12] == t("85100.00") })
        // Positions order the changes as the file does.
        let keys = changes.map(\.position.orderingKey)
        #expect(keys == keys.sorted())
    }

    @Test("batches of 7 records")
    func batching() async throws {
        let file = try await files().fullLoad[0]
        let (records, batches, _) = try await readAll(
            file,
            table: RealDMSFixture.customers,
            store: RealDMSFixture.store,
            options: DMSReadOptions(batchSize: 7)
        )
        #expect(records.count == 30)
        #expect(batches == [7, 7, 7, 7, 2])
    }

    @Test("re-written by the DMS writer, the full-load file is byte-identical and reads back the same")
    func rewriteRoundTrip() async throws {
        let file = try await files().fullLoad[0]
        let original = try await RealDMSFixture.store.get(key: file.key)
        let (records, _, _) = try await readAll(file, table: RealDMSFixture.customers, store: RealDMSFixture.store)
        let target = InMemoryObjectStore(chunkSize: 13)
        var writer = DMSFullLoadWriter(
            store: target,
            tablePrefix: RealDMSFixture.layout.tablePrefix("customers"),
            columns: RealDMSFixture.customers.columns
        )
        for change in records.compactMap(\.change) {
            try await writer.append(change.row)
        }
        let written = try await writer.finish()
        #expect(written.map(\.key) == [file.key])
        let copy = try await target.get(key: file.key)
        #expect(copy == original, "writer output differs from DMS's own file")

        let reread = try await readAll(
            try #require(DMSFile.classify(key: file.key, under: RealDMSFixture.layout.tablePrefix("customers"))),
            table: RealDMSFixture.customers,
            store: target
        )
        #expect(reread.records.compactMap(\.change).map(\.row) == records.compactMap(\.change).map(\.row))
    }

    @Test("the change file re-written with gzip, a header and Op reads back the same")
    func changeFileGzipRoundTrip() async throws {
        let file = try await files().changes[0]
        let (records, _, _) = try await readAll(file, table: RealDMSFixture.customers, store: RealDMSFixture.store)
        let target = InMemoryObjectStore(chunkSize: 5)
        let layout = RealDMSFixture.layout
        let key = try await layout.writeChangeFile(
            table: "customers",
            columns: RealDMSFixture.customers.columns,
            name: DMSStagingLayout.changeFileName(
                year: 2024, month: 8, day: 9, hour: 19, minute: 27, second: 17, millisecond: 787, compression: .gzip),
            rows: records.compactMap(\.change).map { DMSChangeRow(operation: $0.operation, row: $0.row) },
            options: DMSWriteOptions(addColumnName: true, compression: .gzip),
            to: target
        )
        #expect(key == "classicmodels/customers/20240809-192717787.csv.gz")
        let files = try await layout.listTable("customers", in: target)
        let reread = try await readAll(files.changes[0], table: RealDMSFixture.customers, store: target)
        #expect(reread.summary.hadHeader)
        let before = records.compactMap(\.change)
        let after = reread.records.compactMap(\.change)
        #expect(after.map(\.row) == before.map(\.row))
        #expect(after.map(\.operation) == before.map(\.operation))
        // Same stem, and the header shifts lines by one.
        #expect(after.map(\.position) == (2...5).map { .changeFile(name: "20240809-192717787", line: $0) })
    }
}
