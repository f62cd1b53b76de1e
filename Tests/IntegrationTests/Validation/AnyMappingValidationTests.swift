import AWSCore
import BillingModel
import DynamoDB
import DynamoDBModel
import Foundation
import MariaDBTestSupport
import Testing
import Validation
import ValidationCore

/// `validate` and `repair` on a schema that is not billing: three tables, two
/// partition-key templates (`AUTHOR#{author_id}` shared by authors and their
/// books, `MEMBER#{member_id:6}` for loans), loaded by `billmig load`.
@Suite("validate and repair a non-billing mapping against MariaDB and moto_server")
struct AnyMappingValidationTests {
    static let mappingJSON = """
        {
          "formatVersion": 1,
          "sourceSchema": "library",
          "target": {
            "partitionKey": "PK", "sortKey": "SK",
            "indexes": [{ "name": "GSI1", "partitionKey": "GSI1PK", "sortKey": "GSI1SK" }]
          },
          "tables": [
            {
              "table": "authors",
              "columns": [
                { "name": "author_id", "type": "int unsigned" },
                { "name": "name", "type": "varchar(60)" },
                { "name": "country", "type": "varchar(40)", "nullable": true }
              ],
              "primaryKey": ["author_id"],
              "partitionKey": "AUTHOR#{author_id}",
              "sortKey": "PROFILE"
            },
            {
              "table": "books",
              "columns": [
                { "name": "author_id", "type": "int unsigned" },
                { "name": "book_id", "type": "int unsigned" },
                { "name": "title", "type": "varchar(100)" },
                { "name": "price", "type": "decimal(8,2)" }
              ],
              "primaryKey": ["author_id", "book_id"],
              "partitionKey": "AUTHOR#{author_id}",
              "sortKey": "BOOK#{book_id:8}",
              "indexKeys": [{ "index": "GSI1", "partitionKey": "BOOK#{book_id}", "sortKey": "AUTHOR#{author_id}" }]
            },
            {
              "table": "loans",
              "columns": [
                { "name": "member_id", "type": "int unsigned" },
                { "name": "loan_id", "type": "bigint unsigned" },
                { "name": "book_id", "type": "int unsigned" },
                { "name": "due", "type": "date", "nullable": true }
              ],
              "primaryKey": ["member_id", "loan_id"],
              "partitionKey": "MEMBER#{member_id:6}",
              "sortKey": "LOAN#{loan_id:10}"
            }
          ]
        }
        """

    static func schemaSQL(database: String) -> String {
        var sql = """
            CREATE DATABASE `\(database)` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
            USE `\(database)`;
            CREATE TABLE authors (author_id INT UNSIGNED NOT NULL PRIMARY KEY, name VARCHAR(60) NOT NULL, country VARCHAR(40) NULL) ENGINE=InnoDB;
            CREATE TABLE books (author_id INT UNSIGNED NOT NULL, book_id INT UNSIGNED NOT NULL, title VARCHAR(100) NOT NULL,
              price DECIMAL(8,2) NOT NULL, PRIMARY KEY (author_id, book_id)) ENGINE=InnoDB;
            CREATE TABLE loans (member_id INT UNSIGNED NOT NULL, loan_id BIGINT UNSIGNED NOT NULL, book_id INT UNSIGNED NOT NULL,
              due DATE NULL, PRIMARY KEY (member_id, loan_id)) ENGINE=InnoDB;

            """
        for author in 1...6 {
            sql += "INSERT INTO authors VALUES (\(author), 'Author \(author)', \(author % 2 == 0 ? "'Norway'" : "NULL"));\n"
            for book in 1...3 {
                sql += "INSERT INTO books VALUES (\(author), \(book), 'Book \(author)-\(book)', \(author).\(book)5);\n"
            }
        }
        for loan in 1...10 {
            sql += "INSERT INTO loans VALUES (\(loan % 4 + 1), \(loan * 7), \(loan % 3 + 1), \(loan % 2 == 0 ? "'2026-12-\(10 + loan)'" : "NULL"));\n"
        }
        return sql
    }

    typealias Found = ValidateAndRepairTests.Found

    static func found(_ report: ValidationReport) -> Set<Found> {
        ValidateAndRepairTests().found(report)
    }

    @Test func everyCorruptionKindIsFoundAndRepairedByTheCommands() async throws {
        let database = "billing_library_\(UInt32.random(in: 0...UInt32.max))"
        _ = try await MariaDBTestServer.configuration()  // starts the server
        let created = await MariaDBTestServer.rootSQL(Self.schemaSQL(database: database))
        try #require(created.status == 0, "\(created.output)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("anymapping-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            try await run(database: database, folder: folder)
        } catch {
            await MariaDBSupport.dropDatabase(database)
            throw error
        }
        await MariaDBSupport.dropDatabase(database)
    }

    func run(database: String, folder: URL) async throws {
        let mappingFile = folder.appendingPathComponent("library.json").path
        try Data(Self.mappingJSON.utf8).write(to: URL(fileURLWithPath: mappingFile))
        let mapping = try Mapping(json: Data(Self.mappingJSON.utf8))
        let source = try await MariaDBSupport.url(database: database)
        let report = folder.appendingPathComponent("report.json").path
        let table = "Library"
        let common = ["--from", source, "--mapping", mappingFile, "--table", table, "--state", folder.appendingPathComponent("state").path]

        try await LocalAWS.withMotoServer(authenticated: false) { aws in
            let env = aws.environment.merging(["BILLMIG_MYSQL_PASSWORD": MariaDBSupport.password]) { $1 }
            let create = try await BillmigCLI.run(["table", "create", "--table", table, "--mapping", mappingFile], environment: env)
            try #require(create.status == 0, "\(create.stderr)")
            let load = try await BillmigCLI.run(["load"] + common + ["--quiet", "--json"], environment: env)
            try #require(load.status == 0, "\(load.stdout)\(load.stderr)")

            let clean = try await BillmigCLI.run(["validate"] + common + ["--quiet", "--json"], environment: env)
            #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
            let cleanReport = try JSONDecoder().decode(ValidationReport.self, from: Data(clean.stdout.utf8))
            #expect(cleanReport.totals.rows == 6 + 18 + 10)
            #expect(cleanReport.totals.matched == cleanReport.totals.rows)

            try await AWSClient.withClient(aws.configuration) { client in
                let dynamoDB = DynamoDBClient(client: client)
                /// Reads an item, changes it, writes it back.
                func alter(_ pk: String, _ sk: String, _ change: (inout Item) -> Void) async throws {
                    var item = try #require(try await dynamoDB.getItem(table, key: ItemKey(pk: pk, sk: sk).attributes, consistentRead: true))
                    change(&item)
                    try await dynamoDB.putItem(table, item: item)
                }
                var expected: Set<Found> = []

                // Missing: a book deleted.
                try await dynamoDB.deleteItem(table, key: ItemKey(pk: "AUTHOR#1", sk: "BOOK#00000002").attributes)
                expected.insert(Found(kind: .missing, pk: "AUTHOR#1", sk: "BOOK#00000002"))
                // Different: a title changed, and a NULL column turned into "".
                try await alter("AUTHOR#2", "BOOK#00000001") { $0["title"] = .s("Another title") }
                expected.insert(Found(kind: .different, pk: "AUTHOR#2", sk: "BOOK#00000001"))
                try await alter("AUTHOR#5", "PROFILE") { author in
                    #expect(author["country"] == nil)
                    author["country"] = .s("")
                }
                expected.insert(Found(kind: .different, pk: "AUTHOR#5", sk: "PROFILE"))
                // A GSI key that its attributes do not produce.
                try await alter("AUTHOR#3", "BOOK#00000001") { $0["GSI1PK"] = .s("BOOK#WRONG") }
                expected.insert(Found(kind: .gsiKeyMismatch, pk: "AUTHOR#3", sk: "BOOK#00000001"))
                // Extra: a loan no source row has (member 2, in the other template).
                try await alter("MEMBER#000002", "LOAN#0000000007") { loan in
                    loan["SK"] = .s("LOAN#0000009999")
                    loan["loan_id"] = .n("9999")
                }
                expected.insert(Found(kind: .extra, pk: "MEMBER#000002", sk: "LOAN#0000009999"))
                // Orphans: an author deleted; the partition's books lose their parent.
                try await dynamoDB.deleteItem(table, key: ItemKey(pk: "AUTHOR#4", sk: "PROFILE").attributes)
                expected.insert(Found(kind: .missing, pk: "AUTHOR#4", sk: "PROFILE"))
                for book in 1...3 { expected.insert(Found(kind: .orphan, pk: "AUTHOR#4", sk: "BOOK#0000000\(book)")) }

                let found = try await BillmigCLI.run(["validate"] + common + ["--quiet", "--report", report], environment: env)
                #expect(found.status == 4, "\(found.stdout)\(found.stderr)")
                let corrupted = try JSONDecoder().decode(ValidationReport.self, from: Data(contentsOf: URL(fileURLWithPath: report)))
                #expect(Self.found(corrupted) == expected,
                    "unexpected: \(Self.found(corrupted).subtracting(expected)); not found: \(expected.subtracting(Self.found(corrupted)))")
                #expect(corrupted.mismatches.first { $0.kind == .orphan }?.detail == "no authors item in partition AUTHOR#4")

                // The hash-bucket fallback and a Query of chosen partition numbers find the same.
                let connection = try await MariaDBSupport.configuration(database: database)
                var configuration = ValidationConfiguration(
                    table: table, mapping: mapping, concurrency: 2, scanSegments: 2, rowsPerRange: 5,
                    sourceDescription: "test", writeRunRecord: false)
                configuration.hashPartitions = true
                let hashed = try await Validator(configuration: configuration, source: connection, dynamoDB: dynamoDB).run()
                #expect(Self.found(hashed) == expected)
                configuration.hashPartitions = false
                configuration.scope = .accounts([1, 2, 3, 4, 5, 6])
                let byQuery = try await Validator(configuration: configuration, source: connection, dynamoDB: dynamoDB).run()
                #expect(Self.found(byQuery) == expected)
                configuration.hashPartitions = true
                await #expect(throws: PartitionSchemeError.self) {
                    _ = try await Validator(configuration: configuration, source: connection, dynamoDB: dynamoDB).run()
                }

                let repair = try await BillmigCLI.run(["repair"] + common + ["--report", report, "--json"], environment: env)
                #expect(repair.status == 0, "\(repair.stdout)\(repair.stderr)")
                let summary = try JSONDecoder().decode(RepairSummary.self, from: Data(repair.stdout.utf8))
                #expect(summary.rewritten == 5)  // two missing, two different, one GSI key
                #expect(summary.tombstoned == 1)
                #expect(summary.leftAlone == 3)
                #expect(summary.failures.isEmpty)
            }

            let after = try await BillmigCLI.run(["validate"] + common + ["--quiet", "--json"], environment: env)
            #expect(after.status == 0, "\(after.stdout)\(after.stderr)")

            // Changes streamed from the binlog, then validated live (the stream's
            // checkpoint is what --live waits for): this schema's keys throughout.
            let changed = await MariaDBTestServer.rootSQL("""
                UPDATE `\(database)`.books SET title = 'Retitled', price = 9.99 WHERE author_id = 2 AND book_id = 3;
                INSERT INTO `\(database)`.books VALUES (6, 4, 'A fourth book', 12.50);
                INSERT INTO `\(database)`.loans VALUES (3, 77, 4, '2027-01-02');
                DELETE FROM `\(database)`.loans WHERE member_id = 2 AND loan_id = 7;
                UPDATE `\(database)`.authors SET country = NULL WHERE author_id = 2;
                """)
            try #require(changed.status == 0, "\(changed.output)")
            let stream = try await BillmigCLI.run(["stream"] + common + ["--until-caught-up", "--quiet", "--json"], environment: env)
            #expect(stream.status == 0, "\(stream.stdout)\(stream.stderr)")
            let live = try await BillmigCLI.run(
                ["validate"] + common + ["--live", "--rounds", "2", "--stream-wait", "20", "--quiet", "--json"], environment: env)
            #expect(live.status == 0, "\(live.stdout)\(live.stderr)")
            let liveReport = try JSONDecoder().decode(ValidationReport.self, from: Data(live.stdout.utf8))
            #expect(liveReport.live != nil)
            #expect(liveReport.totals.rows == 6 + 19 + 10)
            #expect(liveReport.totals.matched == liveReport.totals.rows)
        }
    }
}
