/// A TABLE_MAP event: the layout of a table for the rows events that follow it.
public struct BinlogTableMap: Sendable, Hashable {
    public var tableID: UInt64
    public var database: String
    public var table: String
    public var columns: [BinlogColumn]
    /// Primary-key column indexes (0-based, key order), when the optional
    /// metadata carries them (`binlog_row_metadata=FULL`).
    public var primaryKey: [Int]?

    public init(tableID: UInt64, database: String, table: String, columns: [BinlogColumn], primaryKey: [Int]? = nil) {
        self.tableID = tableID
        self.database = database
        self.table = table
        self.columns = columns
        self.primaryKey = primaryKey
    }

    /// `database.table`, for messages.
    public var qualifiedName: String { "\(database).\(table)" }
}

/// One column as a TABLE_MAP describes it.
public struct BinlogColumn: Sendable, Hashable {
    /// The type code on the wire (CHAR, ENUM and SET all say STRING here).
    public var wireType: BinlogColumnType
    /// The type-specific metadata (lengths, precision and scale, fsp), as one number.
    public var metadata: UInt16
    public var isNullable: Bool
    /// For numeric columns, when the TABLE_MAP carries signedness.
    public var isUnsigned: Bool?
    /// When the TABLE_MAP carries column names.
    public var name: String?
    /// Collation id of character columns (63 is binary), when the TABLE_MAP carries it.
    public var collation: UInt64?
    /// ENUM or SET labels, when the TABLE_MAP carries them.
    public var labels: [String]?

    public init(
        wireType: BinlogColumnType, metadata: UInt16, isNullable: Bool, isUnsigned: Bool? = nil,
        name: String? = nil, collation: UInt64? = nil, labels: [String]? = nil
    ) {
        self.wireType = wireType
        self.metadata = metadata
        self.isNullable = isNullable
        self.isUnsigned = isUnsigned
        self.name = name
        self.collation = collation
        self.labels = labels
    }

    /// The column's real type: STRING's metadata says whether it is CHAR, ENUM or SET.
    public var realType: BinlogColumnType {
        if wireType == .string, metadata >= 256 {
            let high = UInt8(metadata >> 8)
            // Lengths above 255 borrow two bits of the type byte (see `stringMaxLength`).
            let type = high & 0x30 == 0x30 ? high : high | 0x30
            return BinlogColumnType(rawValue: type)
        }
        if wireType == .date { return .newDate }
        return wireType
    }

    /// For CHAR (wire type STRING): the maximum length in bytes. A CHAR(n) of a
    /// multi-byte character set can exceed 255 bytes; the two bits above the
    /// low byte are then stored, inverted, in bits 4-5 of the type byte.
    var stringMaxLength: Int {
        guard metadata >= 256 else { return Int(metadata) }
        let high = UInt8(metadata >> 8)
        let low = Int(metadata & 0xFF)
        if high & 0x30 != 0x30 {
            return low | Int((high & 0x30) ^ 0x30) << 4
        }
        return low
    }

    /// True when the column holds bytes rather than characters.
    var isBinary: Bool? { collation.map { $0 == 63 } }
}

extension BinlogTableMap {
    /// Reads the body of a TABLE_MAP event (after the common header, before the checksum).
    init(reading reader: inout BinlogByteReader, tableIDWidth: Int, isMariaDB: Bool) throws(BinlogDecodingError) {
        let tableID = try reader.readLittleEndian(tableIDWidth, "TABLE_MAP table id")
        try reader.skip(2, "TABLE_MAP flags")
        let databaseLength = Int(try reader.readUInt8("TABLE_MAP database name length"))
        let database = try reader.readString(databaseLength, "TABLE_MAP database name")
        try reader.skip(1, "TABLE_MAP database name terminator")
        let tableLength = Int(try reader.readUInt8("TABLE_MAP table name length"))
        let table = try reader.readString(tableLength, "TABLE_MAP table name")
        try reader.skip(1, "TABLE_MAP table name terminator")
        let columnCount = Int(try reader.readLengthEncodedInteger("TABLE_MAP column count"))
        guard columnCount <= reader.remaining else {
            throw .truncated(what: "TABLE_MAP column types", needed: columnCount, available: reader.remaining)
        }
        let types = try reader.readBytes(columnCount, "TABLE_MAP column types").map(BinlogColumnType.init(rawValue:))
        var metadataReader = BinlogByteReader(Array(try reader.readLengthEncodedBytes("TABLE_MAP metadata")))
        let nullBitmap = try reader.readBytes((columnCount + 7) / 8, "TABLE_MAP null bitmap")

        var columns: [BinlogColumn] = []
        columns.reserveCapacity(columnCount)
        for (index, type) in types.enumerated() {
            let metadata = try Self.readColumnMetadata(type: type, from: &metadataReader, table: table, column: index)
            let nullable = nullBitmap[index / 8] & (1 << (index % 8)) != 0
            columns.append(BinlogColumn(wireType: type, metadata: metadata, isNullable: nullable))
        }
        self.init(tableID: tableID, database: database, table: table, columns: columns)
        try readOptionalMetadata(from: &reader, isMariaDB: isMariaDB)
    }

    private static func readColumnMetadata(
        type: BinlogColumnType, from reader: inout BinlogByteReader, table: String, column: Int
    ) throws(BinlogDecodingError) -> UInt16 {
        switch type {
        case .string, .newDecimal:
            // Two bytes, high byte first (real type + length, or precision + scale).
            return UInt16(try reader.readBigEndian(2, "column metadata"))
        case .varString, .varchar, .bit:
            return try reader.readUInt16("column metadata")
        case .blob, .double, .float, .geometry, .json, .time2, .datetime2, .timestamp2:
            return UInt16(try reader.readUInt8("column metadata"))
        case .newDate, .enum, .set, .tinyBlob, .mediumBlob, .longBlob:
            throw .unsupportedColumnType(table: table, column: column, typeCode: type.rawValue)
        default:
            return 0
        }
    }

    // Optional metadata type codes (binlog_row_metadata=MINIMAL or FULL).
    private enum OptionalField: UInt8 {
        case signedness = 1, defaultCharset, columnCharset, columnName, setLabels, enumLabels, geometryType
        case simplePrimaryKey, primaryKeyWithPrefix, enumAndSetDefaultCharset, enumAndSetColumnCharset
        case columnVisibility
    }

    private mutating func readOptionalMetadata(from reader: inout BinlogByteReader, isMariaDB: Bool) throws(BinlogDecodingError) {
        let numeric = columns.indices.filter { columns[$0].realType.isNumeric }
        let character = columns.indices.filter { columns[$0].realType.isCharacter(mariaDB: isMariaDB) }
        let enumOrSet = columns.indices.filter { columns[$0].realType == .enum || columns[$0].realType == .set }
        let enums = columns.indices.filter { columns[$0].realType == .enum }
        let sets = columns.indices.filter { columns[$0].realType == .set }

        while !reader.isAtEnd {
            let code = try reader.readUInt8("optional metadata type")
            var field = BinlogByteReader(Array(try reader.readLengthEncodedBytes("optional metadata field")))
            switch OptionalField(rawValue: code) {
            case .signedness:
                // One bit per numeric column, most significant bit first.
                for (position, column) in numeric.enumerated() {
                    let byte = position / 8
                    guard byte < field.bytes.count else {
                        throw .truncated(what: "signedness bitmap", needed: byte + 1, available: field.bytes.count)
                    }
                    columns[column].isUnsigned = field.bytes[byte] & (0x80 >> UInt8(position % 8)) != 0
                }
            case .defaultCharset, .enumAndSetDefaultCharset:
                let targets = code == OptionalField.defaultCharset.rawValue ? character : enumOrSet
                let defaultCollation = try field.readLengthEncodedInteger("default charset")
                var exceptions: [Int: UInt64] = [:]
                while !field.isAtEnd {
                    let position = Int(try field.readLengthEncodedInteger("charset column index"))
                    exceptions[position] = try field.readLengthEncodedInteger("charset collation")
                }
                for (position, column) in targets.enumerated() {
                    columns[column].collation = exceptions[position] ?? defaultCollation
                }
            case .columnCharset, .enumAndSetColumnCharset:
                let targets = code == OptionalField.columnCharset.rawValue ? character : enumOrSet
                for column in targets {
                    guard !field.isAtEnd else { break }
                    columns[column].collation = try field.readLengthEncodedInteger("column charset")
                }
            case .columnName:
                for index in columns.indices {
                    guard !field.isAtEnd else { break }
                    let length = Int(try field.readUInt8("column name length"))
                    columns[index].name = try field.readString(length, "column name")
                }
            case .setLabels, .enumLabels:
                let targets = code == OptionalField.setLabels.rawValue ? sets : enums
                for column in targets {
                    guard !field.isAtEnd else { break }
                    let count = try field.readLengthEncodedInteger("label count")
                    var labels: [String] = []
                    for _ in 0..<count {
                        labels.append(String(decoding: try field.readLengthEncodedBytes("label"), as: UTF8.self))
                    }
                    columns[column].labels = labels
                }
            case .simplePrimaryKey:
                var key: [Int] = []
                while !field.isAtEnd {
                    key.append(Int(try field.readLengthEncodedInteger("primary key column")))
                }
                primaryKey = key
            case .primaryKeyWithPrefix:
                var key: [Int] = []
                while !field.isAtEnd {
                    key.append(Int(try field.readLengthEncodedInteger("primary key column")))
                    _ = try field.readLengthEncodedInteger("primary key prefix")
                }
                primaryKey = key
            case .geometryType, .columnVisibility, nil:
                continue  // Not needed to read row values; future fields are skipped by length.
            }
        }
        if let primaryKey, let bad = primaryKey.first(where: { !columns.indices.contains($0) }) {
            throw .invalidValue(what: "primary key metadata", reason: "column index \(bad) out of range")
        }
    }
}
