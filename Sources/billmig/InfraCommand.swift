import ArgumentParser
import Foundation
import Infrastructure
import Telemetry

struct InfraCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infra",
        abstract: "What the CloudFormation stacks in infra/ take from the code.",
        subcommands: [Render.self, Actions.self, Metrics.self]
    )

    struct Render: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the mapping-dependent parts of the stacks (the table stack, DMS table mappings, DMS S3 settings).",
            discussion: """
                Writes table.json (the table stack: keys and indexes exactly as `table create` sends them, TTL, \
                point-in-time recovery, KMS, streams, autoscaling), dms-table-mappings.json (the DMS task's \
                TableMappings parameter) and dms-s3-settings.json (the CSV settings infra/dms.yaml must carry). \
                infra/generated/ holds them for the billing mapping; the test command renders them again and \
                fails when they differ.
                """)

        @Option(name: .long, help: "A mapping file (JSON, see docs/mapping-format.md); the billing mapping by default.")
        var mapping: String?

        @Option(name: .long, help: "The folder to write to (created if missing).")
        var out: String

        @Option(name: .long, help: "The table name the stack's TableName parameter defaults to.")
        var table = "BillingSystem"

        func run() throws {
            let mapping = try loadMapping(path: mapping)
            let folder = URL(fileURLWithPath: out, isDirectory: true)
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw ValidationError("cannot create \(out): \(error.localizedDescription); give --out a folder you can write")
            }
            let files: [(String, [UInt8])] = [
                ("table.json", try TableTemplate(mapping: mapping, tableName: table).render()),
                ("dms-table-mappings.json", try DMSTaskSettings(mapping: mapping).renderTableMappings()),
                ("dms-s3-settings.json", try DMSTaskSettings.renderS3Settings()),
            ]
            for (name, bytes) in files {
                let path = folder.appendingPathComponent(name)
                do {
                    try Data(bytes).write(to: path, options: .atomic)
                } catch {
                    throw ValidationError("cannot write \(path.path): \(error.localizedDescription)")
                }
                print(path.path)
            }
        }
    }

    struct Actions: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print, per component, the IAM actions its commands call (from the clients' operation lists).")

        @OptionGroup var output: OutputOptions

        struct Entry: Encodable {
            var component: String
            var role: String
            var actions: [String]
        }

        func run() throws {
            let entries = Component.allCases.map { Entry(component: $0.rawValue, role: $0.roleLogicalId, actions: $0.iamActions) }
            if output.json {
                try output.printJSON(entries)
            } else {
                for entry in entries { print("\(entry.component) (\(entry.role)): \(entry.actions.joined(separator: " "))") }
            }
        }
    }

    struct Metrics: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the metrics billmig publishes: namespace, names, units and dimension sets.")

        @OptionGroup var output: OutputOptions

        struct Entry: Encodable {
            var namespace: String
            var name: String
            var unit: String
            var dimensionSets: [[String]]
        }

        func run() throws {
            let entries = MetricName.allCases.map {
                Entry(
                    namespace: MetricCatalogue.namespace, name: $0.rawValue, unit: $0.unit.rawValue,
                    dimensionSets: $0.dimensionSets.map { $0.map(\.rawValue) })
            }
            if output.json {
                try output.printJSON(entries)
            } else {
                for entry in entries {
                    print("\(entry.namespace) \(entry.name) (\(entry.unit)): " + entry.dimensionSets.map { $0.joined(separator: "+") }.joined(separator: ", "))
                }
            }
        }
    }
}
