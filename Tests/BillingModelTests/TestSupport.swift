import BillingModel
import DynamoDBModel
import Foundation
import Testing

/// A row from optional strings: nil is NULL.
func row(_ values: [String?]) -> SourceRow {
    values.map { $0.map(SourceValue.text) ?? .null }
}

func change(
    _ table: String,
    _ operation: SourceChange.Operation,
    _ values: [String?],
    before: [String?]? = nil,
    position: SourcePosition = .fullLoad(file: "LOAD00000001.csv", line: 1)
) -> SourceChange {
    SourceChange(
        table: table, operation: operation, row: row(values), before: before.map(row), position: position,
        origin: RowOrigin(source: "test.csv", line: 7))
}

let billingMapper: ItemMapper = {
    do {
        return try ItemMapper(mapping: .billing)
    } catch {
        fatalError("the built-in mapping must be valid: \(error)")
    }
}()

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

func repositoryFile(_ path: String) throws -> Data {
    try Data(contentsOf: repositoryRoot.appendingPathComponent(path))
}

/// The single put of a change, or the error message.
func put(_ change: SourceChange, mapper: ItemMapper = billingMapper) throws -> Item {
    let writes = try mapper.map(change)
    guard writes.count == 1, case .put(let item) = writes[0].action else {
        throw TestFailure("expected one put, got \(writes.count) writes")
    }
    // The load's put request, encoded from the checked row, decodes to the same item.
    let encoded = try mapper.encodedPut(change)
    #expect(encoded.key == writes[0].key)
    #expect(encoded.request.itemSize == ItemSize.of(item))
    #expect(try encoded.request.item() == item)
    return item
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The mapping error a change produces, or nil when it maps.
/// Also expects the load's encoded put (a full load's path, and the dry run's)
/// to throw the very same error (a row and its put; a delete or an update's
/// `before` row is not a full load's).
func mappingError(_ change: SourceChange, mapper: ItemMapper = billingMapper) -> MappingError? {
    let mapped: MappingError?
    do {
        _ = try mapper.map(change)
        mapped = nil
    } catch {
        mapped = error
    }
    if change.operation == .snapshot || change.operation == .insert {
        do {
            _ = try mapper.encodedPut(change)
            #expect(mapped == nil, "only the encoded put mapped")
        } catch {
            #expect(String(describing: error) == mapped.map(String.init(describing:)))
            #expect(error.kind == mapped?.kind && error.origin == mapped?.origin)
        }
    }
    return mapped
}

/// A CDC position whose ordering key is easy to write out.
let cdcPosition = SourcePosition.changeSequence("20240115102231120000000000000000042")
let cdcVersion = "S0000020240115102231120000000000000000042"
