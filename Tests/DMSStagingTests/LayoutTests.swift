import NIOCore
import Testing

@testable import DMSStaging

@Suite("DMS file layout")
struct LayoutTests {
    let prefix = "dms/billing/CHARGE/"

    @Test("full-load names: hex counters, segments, sub-folders, gzip")
    func classifyFullLoad() throws {
        let plain = try #require(DMSFile.classify(key: prefix + "LOAD0000000A.csv", under: prefix))
        #expect(plain.kind == .fullLoad(counter: 10, segment: nil, subfolder: ""))
        #expect(plain.compression == .none)
        #expect(plain.name == "LOAD0000000A.csv")
        #expect(plain.stem == "LOAD0000000A")

        let gz = try #require(DMSFile.classify(key: prefix + "LOAD000000FF.csv.gz", under: prefix))
        #expect(gz.kind == .fullLoad(counter: 255, segment: nil, subfolder: ""))
        #expect(gz.compression == .gzip)
        #expect(gz.stem == "LOAD000000FF")

        let segment = try #require(DMSFile.classify(key: prefix + "SEGMENT3_LOAD00000002.csv", under: prefix))
        #expect(segment.kind == .fullLoad(counter: 2, segment: 3, subfolder: ""))

        let partition = try #require(DMSFile.classify(key: prefix + "p2024/LOAD00000001.csv", under: prefix))
        #expect(partition.kind == .fullLoad(counter: 1, segment: nil, subfolder: "p2024"))

        for ignored in [
            "LOAD0000000G.csv", "LOAD00000001.json", "LOAD00000001.csv.tmp", "LOAD.csv", "load00000001.csv",
            "SEGMENT_LOAD00000001.csv", "notes.txt", "LOAD00000001.parquet", "2024080-192717787.csv",
        ] {
            #expect(DMSFile.classify(key: prefix + ignored, under: prefix) == nil, "\(ignored)")
        }
        #expect(DMSFile.classify(key: "dms/billing/CHARGES/LOAD00000001.csv", under: prefix) == nil)
    }

    @Test("change names: timestamps and CDC_TXN")
    func classifyChanges() throws {
        let cdc = try #require(DMSFile.classify(key: prefix + "20240809-192717787.csv", under: prefix))
        #expect(cdc.kind == .changes(timestamp: "20240809-192717787"))
        let long = try #require(DMSFile.classify(key: prefix + "20141029-1134010000.csv.gz", under: prefix))
        #expect(long.kind == .changes(timestamp: "20141029-1134010000"))
        #expect(long.compression == .gzip)
        let dated = try #require(DMSFile.classify(key: prefix + "2024/08/09/20240809-192717787.csv", under: prefix))
        #expect(dated.kind == .changes(timestamp: "20240809-192717787"))
        let txn = try #require(DMSFile.classify(key: "dms/cdc/CDC_TXN-20240809-192717787.csv", under: "dms/cdc/"))
        #expect(txn.kind == .transactionChanges(timestamp: "20240809-192717787"))
        #expect(txn.stem == "CDC_TXN-20240809-192717787")
    }

    @Test("full-load files sort by hex counter, not by name; changes by timestamp")
    func ordering() async throws {
        let store = InMemoryObjectStore()
        let counters: [UInt64] = [1, 2, 9, 10, 11, 15, 16, 255, 256]
        for counter in counters.shuffled() {
            try await store.put(key: prefix + DMSStagingLayout.fullLoadName(counter: counter), bytes: [UInt8]())
        }
        // Lower-case hex also sorts numerically.
        try await store.put(key: prefix + "LOAD0000000c.csv", bytes: [UInt8]())
        for name in ["20240809-192717787.csv", "20240101-000000000.csv.gz", "20240809-192717786.csv", "20231231-235959999.csv"] {
            try await store.put(key: prefix + name, bytes: [UInt8]())
        }
        try await store.put(key: prefix + "README.md", bytes: Array("hi".utf8))
        try await store.put(key: "dms/billing/CHARGE_ARCHIVE/LOAD00000001.csv", bytes: [UInt8]())
        try await store.put(key: "dms/billing/BILL/LOAD00000001.csv", bytes: [UInt8]())

        let files = try await DMSStagingLayout(bucketFolder: "dms").listTable("CHARGE", in: store)
        #expect(
            files.fullLoad.map(\.name) == [
                "LOAD00000001.csv", "LOAD00000002.csv", "LOAD00000009.csv", "LOAD0000000A.csv", "LOAD0000000B.csv",
                "LOAD0000000c.csv", "LOAD0000000F.csv", "LOAD00000010.csv", "LOAD000000FF.csv", "LOAD00000100.csv",
            ]
        )
        #expect(
            files.changes.map(\.name) == [
                "20231231-235959999.csv", "20240101-000000000.csv.gz", "20240809-192717786.csv", "20240809-192717787.csv",
            ]
        )
        #expect(files.ignored == [prefix + "README.md"])
    }

    @Test("segments and partitions order by folder, segment, then counter")
    func segmentOrdering() {
        func file(_ name: String) -> DMSFile { DMSFile.classify(key: prefix + name, under: prefix)! }
        let names = [
            "SEGMENT2_LOAD00000001.csv", "LOAD00000002.csv", "SEGMENT1_LOAD0000000A.csv", "SEGMENT1_LOAD00000009.csv",
            "LOAD00000001.csv", "b/LOAD00000001.csv", "a/LOAD00000002.csv", "a/LOAD00000001.csv",
        ]
        let sorted = names.map(file).sorted(by: DMSFile.fullLoadOrder).map { String($0.key.dropFirst(prefix.count)) }
        #expect(
            sorted == [
                "LOAD00000001.csv", "LOAD00000002.csv", "SEGMENT1_LOAD00000009.csv", "SEGMENT1_LOAD0000000A.csv",
                "SEGMENT2_LOAD00000001.csv", "a/LOAD00000001.csv", "a/LOAD00000002.csv", "b/LOAD00000001.csv",
            ]
        )
    }

    @Test("prefixes with a bucket folder, a CdcPath and none")
    func prefixes() async throws {
        let plain = DMSStagingLayout(bucketFolder: "")
        #expect(plain.tablePrefix("BILL") == "billing/BILL/")
        #expect(plain.changePrefix("BILL") == "billing/BILL/")
        #expect(plain.transactionPrefix == nil)
        let folder = DMSStagingLayout(bucketFolder: "/staging/dms/", cdcPath: "changes/")
        #expect(folder.tablePrefix("BILL") == "staging/dms/billing/BILL/")
        #expect(folder.changePrefix("BILL") == "staging/dms/changes/billing/BILL/")
        #expect(folder.transactionPrefix == "staging/dms/changes/")
        #expect(folder.fullLoadKey(table: "BILL", counter: 26, compression: .gzip) == "staging/dms/billing/BILL/LOAD0000001A.csv.gz")

        let store = InMemoryObjectStore()
        for key in [
            "staging/dms/billing/BILL/LOAD00000001.csv", "staging/dms/billing/BILL/20240101-000000000.csv",
            "staging/dms/changes/billing/BILL/20240102-000000000.csv", "staging/dms/changes/CDC_TXN-20240103-000000000.csv",
            "staging/dms/changes/CDC_TXN-20240102-000000000.csv", "staging/dms/changes/sub/CDC_TXN-20240101-000000000.csv",
        ] {
            try await store.put(key: key, bytes: [UInt8]())
        }
        let files = try await folder.listTable("BILL", in: store)
        #expect(files.fullLoad.map(\.key) == ["staging/dms/billing/BILL/LOAD00000001.csv"])
        #expect(files.changes.map(\.key) == ["staging/dms/changes/billing/BILL/20240102-000000000.csv"])
        #expect(files.ignored == ["staging/dms/billing/BILL/20240101-000000000.csv"])
        let transactions = try await folder.listTransactionFiles(in: store)
        #expect(
            transactions.map(\.key) == [
                "staging/dms/changes/CDC_TXN-20240102-000000000.csv", "staging/dms/changes/CDC_TXN-20240103-000000000.csv",
            ]
        )
    }

    @Test("staging locations: s3:// URLs, file URLs and folders")
    func locations() throws {
        #expect(try StagingLocation(parsing: "s3://my-bucket/dms/out/") == .s3(bucket: "my-bucket", prefix: "dms/out"))
        #expect(try StagingLocation(parsing: "S3://my-bucket") == .s3(bucket: "my-bucket", prefix: ""))
        #expect(try StagingLocation(parsing: "s3://my-bucket//a//") == .s3(bucket: "my-bucket", prefix: "a"))
        #expect(try StagingLocation(parsing: "file:///data/dms/") == .local(folder: "/data/dms"))
        #expect(try StagingLocation(parsing: "file://localhost/data/my%20dms") == .local(folder: "/data/my dms"))
        #expect(try StagingLocation(parsing: " ./staging/ ") == .local(folder: "./staging"))
        #expect(try StagingLocation(parsing: "/") == .local(folder: "/"))
        #expect(try StagingLocation(parsing: "s3://my-bucket/dms").description == "s3://my-bucket/dms/")
        #expect(try StagingLocation(parsing: "s3://my-bucket/dms").keyPrefix == "dms")
        for bad in ["", "s3://", "s3:///prefix", "s3://a/x", "s3://-bad-/x", "http://example.com/x", "file://relative/x"] {
            #expect(throws: StagingLocationError.self, "\(bad)") { try StagingLocation(parsing: bad) }
        }
    }
}
