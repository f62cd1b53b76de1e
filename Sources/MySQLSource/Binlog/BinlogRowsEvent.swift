import BillingModel

/// A WRITE_ROWS, UPDATE_ROWS or DELETE_ROWS event (V1 or V2), as read before
/// its table is known: the row bytes are decoded against the TABLE_MAP with
/// `decodeRows(using:)`.
public struct BinlogRowsEvent: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case write, update, delete
    }

    public var kind: Kind
    /// 1 for types 23-25 (MariaDB, MySQL 5.x), 2 for 30-32 (MySQL 8).
    public var version: Int
    public var tableID: UInt64
    public var flags: UInt16
    public var columnCount: Int
    /// Columns present in the first image (the after image of a write, the before image otherwise).
    public var presentColumns: [Bool]
    /// Columns present in the after image of an update.
    public var presentColumnsAfter: [Bool]?
    /// The row images, back to back.
    public var rowData: [UInt8]

    /// `STMT_END_F`: the last rows event of its statement.
    public var isStatementEnd: Bool { flags & 0x01 != 0 }
}

/// One row image: a value per table column, `nil` where the image leaves the
/// column out (`binlog_row_image=MINIMAL` or `NOBLOB`).
public struct BinlogRowImage: Sendable, Hashable {
    public var values: [SourceValue?]

    public init(values: [SourceValue?]) { self.values = values }

    /// The values when every column is present, as a `SourceRow`.
    public var completeRow: SourceRow? {
        var row: SourceRow = []
        row.reserveCapacity(values.count)
        for value in values {
            guard let value else { return nil }
            row.append(value)
        }
        return row
    }
}

/// One changed row: after image for a write, before for a delete, both for an update.
public struct BinlogRowChange: Sendable, Hashable {
    public var before: BinlogRowImage?
    public var after: BinlogRowImage?
}

extension BinlogRowsEvent {
    init(reading reader: inout BinlogByteReader, kind: Kind, version: Int, tableIDWidth: Int) throws(BinlogDecodingError) {
        self.kind = kind
        self.version = version
        tableID = try reader.readLittleEndian(tableIDWidth, "rows event table id")
        flags = try reader.readUInt16("rows event flags")
        if version == 2 {
            // The extra-data block's length counts its own two bytes.
            let extraLength = Int(try reader.readUInt16("rows event extra data length"))
            guard extraLength >= 2 else {
                throw .invalidValue(what: "rows event extra data length", reason: "\(extraLength) is below 2")
            }
            try reader.skip(extraLength - 2, "rows event extra data")
        }
        columnCount = Int(try reader.readLengthEncodedInteger("rows event column count"))
        let bitmapLength = (columnCount + 7) / 8
        let count = columnCount
        presentColumns = Self.bits(try reader.readBytes(bitmapLength, "rows event column bitmap"), count: count)
        if kind == .update {
            presentColumnsAfter = Self.bits(try reader.readBytes(bitmapLength, "rows event after-image bitmap"), count: count)
        } else {
            presentColumnsAfter = nil
        }
        rowData = Array(reader.readRest())
    }

    private static func bits(_ bitmap: [UInt8], count: Int) -> [Bool] {
        (0..<count).map { bitmap[$0 / 8] & (1 << ($0 % 8)) != 0 }
    }

    /// Decodes every row of the event against its table's TABLE_MAP.
    public func decodeRows(using table: BinlogTableMap, options: BinlogValueDecoder.Options = .init()) throws(BinlogDecodingError) -> [BinlogRowChange] {
        guard table.columns.count == columnCount else {
            throw .columnCountMismatch(table: table.qualifiedName, tableMap: table.columns.count, rowsEvent: columnCount)
        }
        let decoder = BinlogValueDecoder(table: table, options: options)
        var reader = BinlogByteReader(rowData)
        var changes: [BinlogRowChange] = []
        while !reader.isAtEnd {
            let first = try decoder.decodeImage(from: &reader, present: presentColumns)
            switch kind {
            case .write:
                changes.append(BinlogRowChange(before: nil, after: first))
            case .delete:
                changes.append(BinlogRowChange(before: first, after: nil))
            case .update:
                let after = try decoder.decodeImage(from: &reader, present: presentColumnsAfter ?? presentColumns)
                changes.append(BinlogRowChange(before: first, after: after))
            }
        }
        return changes
    }
}
