/// Where the JSON writers put bytes: a growing array, or memory reserved
/// beforehand (`ReservedBytes`), so one escaping and base64 code serves both.
public protocol ByteSink {
    mutating func append(_ byte: UInt8)
    mutating func append(bytes: UnsafeBufferPointer<UInt8>)
    /// Text escaped for a JSON string, without the quotes.
    mutating func appendEscaped(utf8: UnsafeBufferPointer<UInt8>)
}

extension ByteSink {
    @inlinable
    public mutating func appendEscaped(utf8: UnsafeBufferPointer<UInt8>) {
        DynamoDBJSON.appendEscapedByRuns(utf8: utf8, to: &self)
    }
}

extension Array: ByteSink where Element == UInt8 {
    @inlinable
    public mutating func append(bytes: UnsafeBufferPointer<UInt8>) {
        append(contentsOf: bytes)
    }
}

/// Bytes written into memory reserved beforehand. An array checks its
/// uniqueness and capacity at every append, and the load appends some forty
/// pieces per item; this checks room only. Running out of room drops the rest
/// and marks the writing `overflowed`: `[UInt8](reserving:writing:)` then
/// writes it all again into twice the room.
public struct ReservedBytes: ByteSink {
    @usableFromInline let base: UnsafeMutablePointer<UInt8>
    @usableFromInline let capacity: Int
    @usableFromInline var count = 0
    @usableFromInline var overflowed = false

    @inlinable
    init(base: UnsafeMutablePointer<UInt8>, capacity: Int) {
        self.base = base
        self.capacity = capacity
    }

    @inlinable @inline(__always)
    public mutating func append(_ byte: UInt8) {
        guard count < capacity else {
            overflowed = true
            return
        }
        base[count] = byte
        count += 1
    }

    @inlinable @inline(__always)
    public mutating func append(bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        guard bytes.count <= capacity - count else {
            overflowed = true
            return
        }
        (base + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    /// Copies eight bytes a step while none needs escaping: a value is mostly
    /// a few words, and a call to copy them costs more than the copy.
    @inlinable
    public mutating func appendEscaped(utf8: UnsafeBufferPointer<UInt8>) {
        guard let source = utf8.baseAddress else { return }
        guard utf8.count <= capacity - count else {
            overflowed = true
            return
        }
        var index = 0
        while index + 8 <= utf8.count {
            let word = UnsafeRawPointer(source + index).loadUnaligned(as: UInt64.self)
            if DynamoDBJSON.hasByteToEscape(word) { break }
            UnsafeMutableRawPointer(base + count).storeBytes(of: word, as: UInt64.self)
            count += 8
            index += 8
        }
        while index < utf8.count {
            let byte = source[index]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                DynamoDBJSON.appendEscapedByRuns(utf8: UnsafeBufferPointer(rebasing: utf8[index...]), to: &self)
                return
            }
            base[count] = byte
            count += 1
            index += 1
        }
    }
}

extension Array where Element == UInt8 {
    /// The bytes `write` writes, in one allocation of `capacity` when they fit
    /// (the caller's estimate), else of as much as they need.
    @inlinable
    public init(reserving capacity: Int, writing write: (inout ReservedBytes) -> Void) {
        var room = Swift.max(capacity, 16)
        while true {
            // Zeroed, not `unsafeUninitializedCapacity`: that initializer is not
            // specialized here, and looks its storage type up at run time, under a lock.
            var bytes = [UInt8](repeating: 0, count: room)
            let (count, overflowed) = bytes.withUnsafeMutableBufferPointer { buffer in
                var sink = ReservedBytes(base: buffer.baseAddress!, capacity: room)
                write(&sink)
                return (sink.count, sink.overflowed)
            }
            if !overflowed {
                bytes.removeLast(room - count)
                self = bytes
                return
            }
            room *= 2
        }
    }
}
