/// The 19-byte header every binlog event (v4) starts with.
public struct BinlogEventHeader: Sendable, Hashable {
    public static let length = 19

    public var timestamp: UInt32
    public var type: BinlogEventType
    public var serverID: UInt32
    /// Length of the whole event, header and checksum included.
    public var eventLength: UInt32
    /// Position of the next event in the binlog file: this event's end position.
    /// Zero for artificial events (the fake ROTATE at the start of a stream).
    public var nextPosition: UInt32
    public var flags: UInt16

    /// `LOG_EVENT_ARTIFICIAL_F`: made up by the server for the stream, not in the file.
    public var isArtificial: Bool { flags & 0x20 != 0 }

    init(reading reader: inout BinlogByteReader) throws(BinlogDecodingError) {
        timestamp = try reader.readUInt32("event header")
        type = BinlogEventType(rawValue: try reader.readUInt8("event header"))
        serverID = try reader.readUInt32("event header")
        eventLength = try reader.readUInt32("event header")
        nextPosition = try reader.readUInt32("event header")
        flags = try reader.readUInt16("event header")
    }
}

/// One decoded binlog event.
public struct BinlogEvent: Sendable {
    public enum Body: Sendable {
        case formatDescription(FormatDescriptionEvent)
        case rotate(RotateEvent)
        case tableMap(BinlogTableMap)
        case rows(BinlogRowsEvent)
        /// The commit of a transaction on a transactional engine.
        case xid(UInt64)
        /// MariaDB's GTID event: the start of an event group.
        case mariaDBGTID(MariaDBGTIDEvent)
        /// MariaDB's list of GTIDs binlogged before this file.
        case gtidList([MariaDBGTID])
        case query(QueryEvent)
        /// A keep-alive from the server while nothing is written; carries the current file.
        case heartbeat(logName: String)
        /// An event this reader has no use for.
        case other
    }

    public var header: BinlogEventHeader
    public var body: Body
}

public struct FormatDescriptionEvent: Sendable, Hashable {
    public var binlogVersion: UInt16
    public var serverVersion: String
    public var headerLength: UInt8
    /// Post-header length per event type, indexed by type code - 1.
    public var postHeaderLengths: [UInt8]
    public var checksum: BinlogChecksumAlgorithm

    public var isMariaDB: Bool { serverVersion.contains("MariaDB") }

    func postHeaderLength(of type: BinlogEventType) -> Int? {
        let index = Int(type.rawValue) - 1
        return postHeaderLengths.indices.contains(index) ? Int(postHeaderLengths[index]) : nil
    }

    /// Servers from MySQL 5.6.1 (and every MariaDB 10) end the FDE with the
    /// checksum algorithm byte and a 4-byte checksum.
    static func supportsChecksum(serverVersion: String) -> Bool {
        let numbers = serverVersion.split(whereSeparator: { !$0.isNumber }).prefix(3).compactMap { Int($0) }
        guard numbers.count == 3 else { return false }
        return (numbers[0], numbers[1], numbers[2]) >= (5, 6, 1)
    }
}

public struct RotateEvent: Sendable, Hashable {
    /// Position in the next file where the stream continues.
    public var position: UInt64
    public var fileName: String
}

public struct QueryEvent: Sendable, Hashable {
    public var database: String
    public var statement: String
    public var errorCode: UInt16
}

/// A MariaDB global transaction id `domain-server-sequence`.
public struct MariaDBGTID: Sendable, Hashable, CustomStringConvertible {
    public var domainID: UInt32
    public var serverID: UInt32
    public var sequence: UInt64

    public init(domainID: UInt32, serverID: UInt32, sequence: UInt64) {
        self.domainID = domainID
        self.serverID = serverID
        self.sequence = sequence
    }

    public var description: String { "\(domainID)-\(serverID)-\(sequence)" }
}

public struct MariaDBGTIDEvent: Sendable, Hashable {
    public var gtid: MariaDBGTID
    public var flags: UInt8
    /// `FL_STANDALONE`: the group is one event (DDL) with no XID or COMMIT after it.
    public var isStandalone: Bool { flags & 0x01 != 0 }
}

/// Turns raw binlog events into `BinlogEvent`s. It keeps the state the format
/// needs across events: the checksum algorithm and the post-header lengths of
/// the last FORMAT_DESCRIPTION event.
public struct BinlogEventDecoder: Sendable {
    /// The checksum events carry until a FORMAT_DESCRIPTION event says otherwise.
    public var checksum: BinlogChecksumAlgorithm
    public var verifiesChecksum: Bool
    public private(set) var formatDescription: FormatDescriptionEvent?

    public init(checksum: BinlogChecksumAlgorithm = .none, verifiesChecksum: Bool = true) {
        self.checksum = checksum
        self.verifiesChecksum = verifiesChecksum
    }

    /// Decodes one event from its first header byte to its end (checksum included).
    public mutating func decode(_ bytes: [UInt8]) throws(BinlogDecodingError) -> BinlogEvent {
        var reader = BinlogByteReader(bytes)
        let header = try BinlogEventHeader(reading: &reader)
        guard Int(header.eventLength) <= bytes.count, header.eventLength >= UInt32(BinlogEventHeader.length) else {
            throw .truncated(what: "\(header.type) event", needed: Int(header.eventLength), available: bytes.count)
        }
        let eventEnd = Int(header.eventLength)

        if header.type == .formatDescription {
            let event = try Self.decodeFormatDescription(bytes, eventEnd: eventEnd)
            if event.checksum == .crc32 {
                try verify(bytes, eventEnd: eventEnd)
            }
            formatDescription = event
            checksum = event.checksum
            return BinlogEvent(header: header, body: .formatDescription(event))
        }

        let bodyEnd = eventEnd - checksum.trailerLength
        guard bodyEnd >= BinlogEventHeader.length else {
            throw .truncated(what: "\(header.type) event", needed: checksum.trailerLength, available: eventEnd - BinlogEventHeader.length)
        }
        if checksum == .crc32 {
            try verify(bytes, eventEnd: eventEnd)
        }
        var body = BinlogByteReader(bytes, from: BinlogEventHeader.length, to: bodyEnd)
        return BinlogEvent(header: header, body: try decodeBody(header: header, body: &body))
    }

    private func verify(_ bytes: [UInt8], eventEnd: Int) throws(BinlogDecodingError) {
        guard verifiesChecksum else { return }
        var trailer = BinlogByteReader(bytes, from: eventEnd - 4, to: eventEnd)
        let expected = try trailer.readUInt32("checksum")
        let computed = CRC32.checksum(bytes[0..<(eventEnd - 4)])
        guard expected == computed else { throw .checksumMismatch(expected: expected, computed: computed) }
    }

    private func decodeBody(header: BinlogEventHeader, body: inout BinlogByteReader) throws(BinlogDecodingError) -> BinlogEvent.Body {
        let tableIDWidth = formatDescription?.postHeaderLength(of: .tableMap) == 6 ? 4 : 6
        switch header.type {
        case .rotate:
            let position = try body.readUInt64("ROTATE position")
            let name = String(decoding: body.readRest(), as: UTF8.self)
            return .rotate(RotateEvent(position: position, fileName: name))
        case .tableMap:
            return .tableMap(try BinlogTableMap(reading: &body, tableIDWidth: tableIDWidth, isMariaDB: formatDescription?.isMariaDB ?? true))
        case .xid:
            return .xid(try body.readUInt64("XID"))
        case .mariaDBGTID:
            let sequence = try body.readUInt64("GTID sequence")
            let domain = try body.readUInt32("GTID domain")
            let flags = try body.readUInt8("GTID flags")
            return .mariaDBGTID(MariaDBGTIDEvent(
                gtid: MariaDBGTID(domainID: domain, serverID: header.serverID, sequence: sequence), flags: flags))
        case .gtidList:
            let count = try body.readUInt32("GTID_LIST count") & 0x0FFF_FFFF
            var gtids: [MariaDBGTID] = []
            for _ in 0..<count {
                let domain = try body.readUInt32("GTID_LIST entry")
                let server = try body.readUInt32("GTID_LIST entry")
                let sequence = try body.readUInt64("GTID_LIST entry")
                gtids.append(MariaDBGTID(domainID: domain, serverID: server, sequence: sequence))
            }
            return .gtidList(gtids)
        case .query:
            return .query(try Self.decodeQuery(&body))
        case .heartbeat:
            return .heartbeat(logName: String(decoding: body.readRest(), as: UTF8.self))
        default:
            if let shape = header.type.rowsEventShape {
                return .rows(try BinlogRowsEvent(
                    reading: &body, kind: shape.kind, version: shape.version, tableIDWidth: tableIDWidth))
            }
            if header.type.isCompressedRows {
                throw .unsupportedEvent(
                    typeCode: header.type.rawValue,
                    reason: "compressed or partial rows events; disable log_bin_compress / binlog_row_value_options")
            }
            return .other
        }
    }

    private static func decodeFormatDescription(_ bytes: [UInt8], eventEnd: Int) throws(BinlogDecodingError) -> FormatDescriptionEvent {
        var reader = BinlogByteReader(bytes, from: BinlogEventHeader.length, to: eventEnd)
        let binlogVersion = try reader.readUInt16("FORMAT_DESCRIPTION version")
        let versionBytes = try reader.readSlice(50, "FORMAT_DESCRIPTION server version")
        let serverVersion = String(decoding: versionBytes.prefix(while: { $0 != 0 }), as: UTF8.self)
        try reader.skip(4, "FORMAT_DESCRIPTION timestamp")
        let headerLength = try reader.readUInt8("FORMAT_DESCRIPTION header length")
        var postHeaders = Array(reader.readRest())
        var checksum = BinlogChecksumAlgorithm.none
        if FormatDescriptionEvent.supportsChecksum(serverVersion: serverVersion), postHeaders.count >= 5 {
            let algorithm = postHeaders[postHeaders.count - 5]
            checksum = BinlogChecksumAlgorithm(rawValue: algorithm) ?? .none
            guard algorithm == 0 || algorithm == 1 || algorithm == 0xFF else {
                throw .invalidValue(what: "FORMAT_DESCRIPTION checksum algorithm", reason: "unknown algorithm \(algorithm)")
            }
            postHeaders.removeLast(5)
        }
        return FormatDescriptionEvent(
            binlogVersion: binlogVersion, serverVersion: serverVersion, headerLength: headerLength,
            postHeaderLengths: postHeaders, checksum: checksum)
    }

    private static func decodeQuery(_ body: inout BinlogByteReader) throws(BinlogDecodingError) -> QueryEvent {
        try body.skip(8, "QUERY thread id and time")
        let databaseLength = Int(try body.readUInt8("QUERY database length"))
        let errorCode = try body.readUInt16("QUERY error code")
        let statusLength = Int(try body.readUInt16("QUERY status length"))
        try body.skip(statusLength, "QUERY status variables")
        let database = try body.readString(databaseLength, "QUERY database")
        try body.skip(1, "QUERY database terminator")
        let statement = String(decoding: body.readRest(), as: UTF8.self)
        return QueryEvent(database: database, statement: statement, errorCode: errorCode)
    }
}
