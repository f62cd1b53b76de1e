/// A column type code as TABLE_MAP events carry it (`enum_field_types`).
///
/// A struct rather than an enum so that an unknown code still round-trips and
/// is reported by number.
public struct BinlogColumnType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let decimal = Self(rawValue: 0)
    public static let tiny = Self(rawValue: 1)
    public static let short = Self(rawValue: 2)
    public static let long = Self(rawValue: 3)
    public static let float = Self(rawValue: 4)
    public static let double = Self(rawValue: 5)
    public static let null = Self(rawValue: 6)
    public static let timestamp = Self(rawValue: 7)
    public static let longLong = Self(rawValue: 8)
    public static let int24 = Self(rawValue: 9)
    public static let date = Self(rawValue: 10)
    public static let time = Self(rawValue: 11)
    public static let datetime = Self(rawValue: 12)
    public static let year = Self(rawValue: 13)
    public static let newDate = Self(rawValue: 14)
    public static let varchar = Self(rawValue: 15)
    public static let bit = Self(rawValue: 16)
    public static let timestamp2 = Self(rawValue: 17)
    public static let datetime2 = Self(rawValue: 18)
    public static let time2 = Self(rawValue: 19)
    public static let json = Self(rawValue: 245)
    public static let newDecimal = Self(rawValue: 246)
    public static let `enum` = Self(rawValue: 247)
    public static let set = Self(rawValue: 248)
    public static let tinyBlob = Self(rawValue: 249)
    public static let mediumBlob = Self(rawValue: 250)
    public static let longBlob = Self(rawValue: 251)
    public static let blob = Self(rawValue: 252)
    public static let varString = Self(rawValue: 253)
    public static let string = Self(rawValue: 254)
    public static let geometry = Self(rawValue: 255)

    /// Types whose signedness the optional SIGNEDNESS metadata describes, in column order.
    var isNumeric: Bool {
        switch self {
        case .tiny, .short, .int24, .long, .longLong, .decimal, .newDecimal, .float, .double, .year: true
        default: false
        }
    }

    /// Types the optional DEFAULT_CHARSET / COLUMN_CHARSET metadata describes, in column order.
    /// (MariaDB also lists GEOMETRY there.)
    func isCharacter(mariaDB: Bool) -> Bool {
        switch self {
        case .string, .varString, .varchar, .blob: true
        case .geometry: mariaDB
        default: false
        }
    }

    public var description: String {
        switch self {
        case .decimal: "DECIMAL"
        case .tiny: "TINY"
        case .short: "SHORT"
        case .long: "LONG"
        case .float: "FLOAT"
        case .double: "DOUBLE"
        case .null: "NULL"
        case .timestamp: "TIMESTAMP"
        case .longLong: "LONGLONG"
        case .int24: "INT24"
        case .date: "DATE"
        case .time: "TIME"
        case .datetime: "DATETIME"
        case .year: "YEAR"
        case .newDate: "NEWDATE"
        case .varchar: "VARCHAR"
        case .bit: "BIT"
        case .timestamp2: "TIMESTAMP2"
        case .datetime2: "DATETIME2"
        case .time2: "TIME2"
        case .json: "JSON"
        case .newDecimal: "NEWDECIMAL"
        case .enum: "ENUM"
        case .set: "SET"
        case .tinyBlob: "TINY_BLOB"
        case .mediumBlob: "MEDIUM_BLOB"
        case .longBlob: "LONG_BLOB"
        case .blob: "BLOB"
        case .varString: "VAR_STRING"
        case .string: "STRING"
        case .geometry: "GEOMETRY"
        default: "type \(rawValue)"
        }
    }
}

/// A binlog event type code (`Log_event_type`, MySQL and MariaDB).
public struct BinlogEventType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let query = Self(rawValue: 2)
    public static let stop = Self(rawValue: 3)
    public static let rotate = Self(rawValue: 4)
    public static let formatDescription = Self(rawValue: 15)
    public static let xid = Self(rawValue: 16)
    public static let tableMap = Self(rawValue: 19)
    public static let writeRowsV1 = Self(rawValue: 23)
    public static let updateRowsV1 = Self(rawValue: 24)
    public static let deleteRowsV1 = Self(rawValue: 25)
    public static let heartbeat = Self(rawValue: 27)
    public static let rowsQuery = Self(rawValue: 29)
    public static let writeRowsV2 = Self(rawValue: 30)
    public static let updateRowsV2 = Self(rawValue: 31)
    public static let deleteRowsV2 = Self(rawValue: 32)
    public static let mysqlGTID = Self(rawValue: 33)
    public static let mysqlAnonymousGTID = Self(rawValue: 34)
    public static let previousGTIDs = Self(rawValue: 35)
    public static let partialUpdateRows = Self(rawValue: 39)
    public static let annotateRows = Self(rawValue: 160)
    public static let binlogCheckpoint = Self(rawValue: 161)
    public static let mariaDBGTID = Self(rawValue: 162)
    public static let gtidList = Self(rawValue: 163)
    public static let queryCompressed = Self(rawValue: 165)
    public static let writeRowsCompressedV1 = Self(rawValue: 166)
    public static let updateRowsCompressedV1 = Self(rawValue: 167)
    public static let deleteRowsCompressedV1 = Self(rawValue: 168)
    public static let writeRowsCompressedV2 = Self(rawValue: 169)
    public static let updateRowsCompressedV2 = Self(rawValue: 170)
    public static let deleteRowsCompressedV2 = Self(rawValue: 171)

    /// For a rows event: its kind and format version (1: MariaDB/MySQL 5.x, 2: MySQL 8).
    var rowsEventShape: (kind: BinlogRowsEvent.Kind, version: Int)? {
        switch self {
        case .writeRowsV1: (.write, 1)
        case .updateRowsV1: (.update, 1)
        case .deleteRowsV1: (.delete, 1)
        case .writeRowsV2: (.write, 2)
        case .updateRowsV2: (.update, 2)
        case .deleteRowsV2: (.delete, 2)
        default: nil
        }
    }

    var isCompressedRows: Bool {
        (166...171).contains(rawValue) || self == .partialUpdateRows
    }

    public var description: String {
        switch self {
        case .query: "QUERY"
        case .stop: "STOP"
        case .rotate: "ROTATE"
        case .formatDescription: "FORMAT_DESCRIPTION"
        case .xid: "XID"
        case .tableMap: "TABLE_MAP"
        case .writeRowsV1: "WRITE_ROWS_V1"
        case .updateRowsV1: "UPDATE_ROWS_V1"
        case .deleteRowsV1: "DELETE_ROWS_V1"
        case .heartbeat: "HEARTBEAT"
        case .rowsQuery: "ROWS_QUERY"
        case .writeRowsV2: "WRITE_ROWS"
        case .updateRowsV2: "UPDATE_ROWS"
        case .deleteRowsV2: "DELETE_ROWS"
        case .mysqlGTID: "GTID"
        case .mysqlAnonymousGTID: "ANONYMOUS_GTID"
        case .previousGTIDs: "PREVIOUS_GTIDS"
        case .partialUpdateRows: "PARTIAL_UPDATE_ROWS"
        case .annotateRows: "ANNOTATE_ROWS"
        case .binlogCheckpoint: "BINLOG_CHECKPOINT"
        case .mariaDBGTID: "MARIADB_GTID"
        case .gtidList: "GTID_LIST"
        default: "event \(rawValue)"
        }
    }
}
