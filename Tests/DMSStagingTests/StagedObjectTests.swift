import DMSStaging
import Testing

@Suite("A staged object's key says what it is (the workers' classification)")
struct StagedObjectTests {
    static let tables = ["ACCOUNT", "CHARGE"]
    static let layout = DMSStagingLayout(bucketFolder: "/run/", schema: "billing")

    static func table(_ object: StagedObject) -> (kind: String, table: String?) {
        switch object {
        case .fullLoad(let table, _): ("fullLoad", table)
        case .changes(let table, _): ("changes", table)
        case .transactionChanges: ("transactionChanges", nil)
        case .unknown: ("unknown", nil)
        }
    }

    @Test func fullLoadAndChangeFilesOfMappedTables() {
        let load = Self.layout.locate(key: "run/billing/CHARGE/LOAD0000000A.csv.gz", size: 10, tables: Self.tables)
        guard case .fullLoad("CHARGE", let file) = load else {
            Issue.record("\(load)")
            return
        }
        #expect(file.kind == .fullLoad(counter: 10, segment: nil, subfolder: ""))
        #expect(file.compression == .gzip && file.size == 10)

        let partitioned = Self.layout.locate(key: "run/billing/ACCOUNT/2024/08/09/20240809-192717787.csv", tables: Self.tables)
        guard case .changes("ACCOUNT", let change) = partitioned else {
            Issue.record("\(partitioned)")
            return
        }
        #expect(change.stem == "20240809-192717787")
        #expect(Self.table(Self.layout.locate(key: "run/billing/CHARGE/SEGMENT2_LOAD00000001.csv", tables: Self.tables)) == ("fullLoad", "CHARGE"))
    }

    @Test func everythingElseIsUnknownWithTheReason() {
        let cases: [(key: String, says: String)] = [
            ("elsewhere/billing/CHARGE/LOAD00000001.csv", "not under the staging folder run/billing/"),
            ("run/billing/README.txt", "not in a table folder"),
            ("run/billing/PAYMENT/LOAD00000001.csv", "PAYMENT, which the mapping does not have"),
            ("run/billing/CHARGE/notes.csv", "not a DMS file name"),
            ("run/billing/CHARGE/LOAD00000001.parquet", "not a DMS file name"),
            ("run/_billmig/BillingSystem/checkpoints/x.json", "not under the staging folder"),
        ]
        for (key, says) in cases {
            let object = Self.layout.locate(key: key, tables: Self.tables)
            guard case .unknown(let reason) = object else {
                Issue.record("\(key): \(object)")
                continue
            }
            #expect(reason.contains(says), "\(key): \(reason)")
        }
    }

    @Test func withACdcPathChangesAreReadOnlyUnderIt() {
        let layout = DMSStagingLayout(bucketFolder: "run", schema: "billing", cdcPath: "cdc")
        #expect(Self.table(layout.locate(key: "run/billing/CHARGE/LOAD00000001.csv", tables: Self.tables)) == ("fullLoad", "CHARGE"))
        #expect(Self.table(layout.locate(key: "run/cdc/billing/CHARGE/20240809-192717787.csv", tables: Self.tables)) == ("changes", "CHARGE"))
        #expect(Self.table(layout.locate(key: "run/cdc/CDC_TXN-20240809-192717787.csv", tables: Self.tables)) == ("transactionChanges", nil))
        // In the wrong folder for their kind.
        #expect(Self.table(layout.locate(key: "run/billing/CHARGE/20240809-192717787.csv", tables: Self.tables)) == ("unknown", nil))
        #expect(Self.table(layout.locate(key: "run/cdc/billing/CHARGE/LOAD00000001.csv", tables: Self.tables)) == ("unknown", nil))
    }
}
