import BillingModel

/// A place in the binlog: a file name and a byte position in it.
///
/// Ordered by the file's numeric suffix (`mariadb-bin.000012` -> 12), then by position.
public struct BinlogCoordinates: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var file: String
    public var position: UInt64

    public init(file: String, position: UInt64) {
        self.file = file
        self.position = position
    }

    /// The numeric suffix of the file name, which orders binlog files.
    public var fileSequence: UInt32? {
        guard let dot = file.lastIndex(of: ".") else { return nil }
        return UInt32(file[file.index(after: dot)...])
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.fileSequence ?? 0, lhs.file, lhs.position) < (rhs.fileSequence ?? 0, rhs.file, rhs.position)
    }

    public var description: String { "\(file):\(position)" }

    /// The `SourcePosition` of the row at `rowIndex` in the event that ends here.
    public func sourcePosition(rowIndex: Int) -> SourcePosition {
        .binlog(fileSequence: fileSequence ?? 0, position: position, rowIndex: UInt32(clamping: rowIndex))
    }
}
