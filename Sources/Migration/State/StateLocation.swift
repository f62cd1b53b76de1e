import DMSStaging
import Foundation
import MigrationCore

/// Where a run keeps its state: an object store (S3 in production, so any
/// machine can resume) and a folder of keys in it, normalised here once.
///
/// Every state object is named by a typed key (`StateFile`, `StateFolder`), so
/// writers and readers (`status`, live validation) share one name and one type.
public struct StateLocation: Sendable {
    public let store: any ObjectStore
    /// Empty (the store's root) or ends with `/`.
    public let prefix: String

    public init(store: any ObjectStore, prefix: String) {
        self.store = store
        self.prefix = StagingLocation.folder(prefix)
    }

    /// A folder below this one (`stage/` for the stager's state).
    public func appending(_ folder: String) -> StateLocation {
        StateLocation(store: store, prefix: prefix + folder)
    }

    /// The full key of a path relative to this location.
    public func key(_ path: String) -> String { prefix + path }

    /// The object at `file`, or nil when there is none.
    public func read<Value>(_ file: StateFile<Value>) async throws -> Value? {
        try await store.readJSON(Value.self, key: key(file.path))
    }

    public func write<Value>(_ value: Value, to file: StateFile<Value>) async throws {
        try await store.writeJSON(value, key: key(file.path))
    }

    public func remove<Value>(_ file: StateFile<Value>) async throws {
        if try await store.head(key: key(file.path)) != nil { try await store.delete(key: key(file.path)) }
    }

    /// Every readable object in `folder` (one unreadable object does not hide the others).
    public func readAll<Value>(_ folder: StateFolder<Value>) async throws -> [Value] {
        var values: [Value] = []
        for object in try await store.list(prefix: key(folder.path)) where object.key.hasSuffix(".json") {
            do {
                if let value = try await store.readJSON(Value.self, key: object.key) { values.append(value) }
            } catch is DecodingError {}
        }
        return values
    }

    /// The keys of every object in `folder` (a path ending with `/`).
    public func keys(in folder: String) async throws -> [String] {
        try await store.list(prefix: key(folder)).map(\.key)
    }

    public func removeAll<Value>(_ folder: StateFolder<Value>) async throws {
        for object in try await store.list(prefix: key(folder.path)) { try await store.delete(key: object.key) }
    }

    /// Dead letters of every command under this location (`dead-letters/…`).
    public var deadLetters: DeadLetterStore { DeadLetterStore(appending("dead-letters/")) }
}
