/// When a change stream that is asked to end by itself has done its work. Pure.
///
/// - `untilCaughtUp`: every change up to the source's binlog end, as it was
///   when the stream asked (at the start, and again whenever the server says
///   the stream is idle), is read and settled.
/// - `stopAt`: every transaction that ends at or before a given position is read
///   and settled.
public struct BinlogStopRule: Sendable, Equatable {
    public enum Mode: Sendable, Equatable {
        /// Run until stopped by a signal.
        case never
        case untilCaughtUp
        /// `(fileSequence, position)`, ordered like `BinlogCoordinates`.
        case stopAt(file: String, position: UInt64)
    }

    public let mode: Mode
    /// The binlog end to reach (file sequence, position), once known.
    public private(set) var target: (file: String, position: UInt64)?

    public init(mode: Mode) {
        self.mode = mode
        if case .stopAt(let file, let position) = mode { target = (file, position) }
    }

    public static func == (lhs: BinlogStopRule, rhs: BinlogStopRule) -> Bool {
        lhs.mode == rhs.mode && lhs.target?.file == rhs.target?.file && lhs.target?.position == rhs.target?.position
    }

    /// The source's binlog end as queried (`SHOW MASTER STATUS`), for `untilCaughtUp`.
    public mutating func sourceEnd(file: String, position: UInt64) {
        guard mode == .untilCaughtUp, target == nil else { return }
        target = (file, position)
    }

    /// A server heartbeat: the server has sent everything up to `at`, so the
    /// stream is idle there; for `untilCaughtUp` without a known end, that is the end.
    public mutating func idle(file: String, position: UInt64) {
        guard mode == .untilCaughtUp, target == nil else { return }
        target = (file, position)
    }

    /// True once reading may stop: the stream has read to `read` (the end of its
    /// last transaction). The caller then drains what is in flight.
    public func readingDone(read: (file: String, position: UInt64)?) -> Bool {
        guard let target, let read else { return false }
        return !Self.precedes(read, target)
    }

    /// Binlog order: the file's numeric suffix, then the position.
    public static func precedes(_ lhs: (file: String, position: UInt64), _ rhs: (file: String, position: UInt64)) -> Bool {
        func sequence(_ file: String) -> UInt32 {
            guard let dot = file.lastIndex(of: ".") else { return 0 }
            return UInt32(file[file.index(after: dot)...]) ?? 0
        }
        return (sequence(lhs.file), lhs.position) < (sequence(rhs.file), rhs.position)
    }
}
