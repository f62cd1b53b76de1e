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

    /// The coordinates in file number `fileSequence` of the binlog `sibling` belongs
    /// to (same base name, six-digit suffix as MySQL and MariaDB write it).
    public init(fileSequence: UInt32, position: UInt64, siblingOf sibling: String) {
        let base = sibling.lastIndex(of: ".").map { String(sibling[..<$0]) } ?? sibling
        let digits = String(fileSequence)
        self.init(file: base + "." + String(repeating: "0", count: max(0, 6 - digits.count)) + digits, position: position)
    }

    /// The `SourcePosition` of the row at `rowIndex` in the event that ends here.
    public func sourcePosition(rowIndex: Int) -> SourcePosition {
        .binlog(fileSequence: fileSequence ?? 0, position: position, rowIndex: UInt32(clamping: rowIndex))
    }
}
