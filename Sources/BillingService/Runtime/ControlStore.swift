/// Where the flags shared by every instance live, and the stream's applied position.
public protocol ControlStore: Sendable {
    /// The current flags (the defaults at version 0 when none were ever set) and position.
    func load() async throws -> ControlState

    /// Replaces the flags if their version is still `expectedVersion`; the new
    /// flags get `expectedVersion + 1`. Throws `StoreError.conflict` when another
    /// operator changed them first.
    func update(_ flags: ServiceFlags, expectedVersion: UInt64) async throws -> ServiceFlags
}
