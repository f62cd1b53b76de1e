import Foundation

/// A value guarded by a lock, for test doubles shared across tasks.
public final class Locked<Value>: @unchecked Sendable { // every access goes through `lock`
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) { self.value = value }

    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    public var current: Value { withLock { $0 } }
}
