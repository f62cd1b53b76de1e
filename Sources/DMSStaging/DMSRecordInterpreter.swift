import BillingModel

/// Where each value sits in a record of one file (and, for CDC_TXN files, one table).
struct DMSColumnPlan {
    var fieldCount: Int
    var opIndex: Int?
    /// Index of the first table column when the table's columns are contiguous and in
    /// source order (the usual case: no copying by index).
    var tableStart: Int?
    var tableIndices: [Int]
    /// `BI_{column}` before-image columns, when a header names all of them.
    var beforeImageIndices: [Int]?
    var changeSequenceIndex: Int?

    /// The layout of a file without a header: `prefix` fields (Op, or Op/table/schema
    /// in CDC_TXN files), leading extras, the table's columns, trailing extras.
    static func headerless(
        prefixFields: Int,
        opIndex: Int?,
        columnCount: Int,
        options: DMSReadOptions
    ) -> DMSColumnPlan {
        let leading = options.leadingExtraColumns
        let trailing = options.effectiveTrailingColumns
        let tableStart = prefixFields + leading.count
        var changeSequenceIndex: Int?
        if let name = options.changeSequenceColumnName {
            if let position = leading.firstIndex(of: name) {
                changeSequenceIndex = prefixFields + position
            } else if let position = trailing.firstIndex(of: name) {
                changeSequenceIndex = tableStart + columnCount + position
            }
        }
        return DMSColumnPlan(
            fieldCount: tableStart + columnCount + trailing.count,
            opIndex: opIndex,
            tableStart: tableStart,
            tableIndices: Array(tableStart..<(tableStart + columnCount)),
            beforeImageIndices: nil,
            changeSequenceIndex: changeSequenceIndex
        )
    }

    /// The layout a header names. Nil when the header lacks a table column.
    static func fromHeader(_ names: [String], layout: DMSTableLayout, options: DMSReadOptions) -> (
        DMSColumnPlan?, missing: [String]
    ) {
        var positions: [String: Int] = [:]
        for (index, name) in names.enumerated() {
            let key = name.lowercased()
            if positions[key] == nil { positions[key] = index }
        }
        var tableIndices: [Int] = []
        var missing: [String] = []
        for column in layout.columns {
            if let index = positions[column.lowercased()] {
                tableIndices.append(index)
            } else {
                missing.append(column)
            }
        }
        guard missing.isEmpty else { return (nil, missing) }
        let beforeImage = layout.columns.compactMap { positions["bi_" + $0.lowercased()] }
        var tableStart: Int?
        if let first = tableIndices.first, tableIndices == Array(first..<(first + tableIndices.count)) {
            tableStart = first
        }
        let plan = DMSColumnPlan(
            fieldCount: names.count,
            opIndex: positions["op"],
            tableStart: tableStart,
            tableIndices: tableIndices,
            beforeImageIndices: beforeImage.count == layout.columns.count ? beforeImage : nil,
            changeSequenceIndex: options.changeSequenceColumnName.flatMap { positions[$0.lowercased()] }
        )
        return (plan, [])
    }

    func tableRow(_ fields: [SourceValue]) -> SourceRow {
        if let tableStart {
            if tableStart == 0 && tableIndices.count == fields.count { return fields }
            return Array(fields[tableStart..<(tableStart + tableIndices.count)])
        }
        return tableIndices.map { fields[$0] }
    }
}

/// Turns parsed CSV records of one DMS file into `SourceChange`s or row errors.
struct DMSRecordInterpreter {
    enum Mode {
        case fullLoad
        case changes
        case transactions
    }

    private struct TransactionTable {
        var layout: DMSTableLayout
        var plan: DMSColumnPlan
    }

    let file: DMSFile
    let mode: Mode
    let options: DMSReadOptions
    private let layout: DMSTableLayout?
    private let changeFileName: String
    private var transactionTables: [String: TransactionTable] = [:]

    private var plan: DMSColumnPlan?
    /// Full-load files without a header and with `includeOpForFullLoad == nil`: both.
    private var planWithoutOp: DMSColumnPlan?
    private var planWithOp: DMSColumnPlan?
    private var sawFirstRecord = false
    private(set) var summary: DMSFileSummary

    /// For a full-load or per-table change file.
    init(file: DMSFile, layout: DMSTableLayout, options: DMSReadOptions) throws {
        self.file = file
        self.options = options
        self.layout = layout
        self.changeFileName = file.stem
        self.summary = DMSFileSummary(file: file.key)
        switch file.kind {
        case .fullLoad:
            mode = .fullLoad
            let columns = layout.columns.count
            let withOp = DMSColumnPlan.headerless(prefixFields: 1, opIndex: 0, columnCount: columns, options: options)
            let withoutOp = DMSColumnPlan.headerless(
                prefixFields: 0,
                opIndex: nil,
                columnCount: columns,
                options: options
            )
            switch options.includeOpForFullLoad {
            case true?: plan = withOp
            case false?: plan = withoutOp
            case nil:
                planWithOp = withOp
                planWithoutOp = withoutOp
            }
        case .changes:
            mode = .changes
            plan = DMSColumnPlan.headerless(
                prefixFields: 1,
                opIndex: 0,
                columnCount: layout.columns.count,
                options: options
            )
        case .transactionChanges:
            throw DMSReadError.wrongFileKind(file.key, "a CDC_TXN file holds several tables; read it with readTransactions")
        }
    }

    /// For a CDC_TXN file: rows `op,table_name,schema_name,values...` of any table.
    init(transactionFile file: DMSFile, tables: [DMSTableLayout], options: DMSReadOptions) throws {
        guard case .transactionChanges = file.kind else {
            throw DMSReadError.wrongFileKind(file.key, "not a CDC_TXN file")
        }
        self.file = file
        self.mode = .transactions
        self.options = options
        self.layout = nil
        self.changeFileName = file.stem
        self.summary = DMSFileSummary(file: file.key)
        for table in tables {
            let plan = DMSColumnPlan.headerless(
                prefixFields: 3,
                opIndex: 0,
                columnCount: table.columns.count,
                options: options
            )
            transactionTables[Self.tableKey(schema: table.schema, table: table.table)] = TransactionTable(
                layout: table,
                plan: plan
            )
        }
    }

    private static func tableKey(schema: String, table: String) -> String {
        schema + "\u{0}" + table
    }

    mutating func interpret(_ record: CSVRecord, _ emit: (DMSRecord) -> Void) throws {
        switch record {
        case .malformed(let malformed):
            emitError(
                DMSRowError(
                    file: file.key,
                    line: malformed.line,
                    table: layout?.table,
                    reason: malformed.reason,
                    raw: malformed.raw
                ),
                emit
            )
        case .fields(let fields, let line):
            let first = !sawFirstRecord
            sawFirstRecord = true
            switch mode {
            case .transactions:
                if first, fields.first?.text?.lowercased() == "op" {
                    summary.hadHeader = true
                    return
                }
                interpretTransactionRow(fields, line: line, emit)
            case .fullLoad, .changes:
                if first, options.header != .absent, try takeHeader(fields) {
                    return
                }
                interpretTableRow(fields, line: line, emit)
            }
        }
    }

    /// Uses the first record as the header when it is one.
    private mutating func takeHeader(_ fields: [SourceValue]) throws -> Bool {
        guard let layout else { return false }
        let names = fields.compactMap(\.text)
        let allText = names.count == fields.count
        let (headerPlan, missing) =
            allText ? DMSColumnPlan.fromHeader(names, layout: layout, options: options) : (nil, layout.columns)
        guard let headerPlan else {
            if options.header == .present {
                throw DMSReadError.badHeader(
                    file.key,
                    "the first line is not a header naming the columns of \(layout.table) (missing: "
                        + missing.prefix(5).joined(separator: ", ") + ")"
                )
            }
            return false
        }
        if mode == .changes && headerPlan.opIndex == nil {
            throw DMSReadError.badHeader(file.key, "the header of a change file has no Op column")
        }
        plan = headerPlan
        planWithOp = nil
        planWithoutOp = nil
        summary.hadHeader = true
        return true
    }

    private mutating func interpretTableRow(_ fields: [SourceValue], line: Int, _ emit: (DMSRecord) -> Void) {
        guard let layout else { return }
        let chosen: DMSColumnPlan
        if let plan {
            chosen = plan
        } else if let planWithOp, fields.count == planWithOp.fieldCount {
            chosen = planWithOp
        } else {
            chosen = planWithoutOp!
        }
        guard fields.count == chosen.fieldCount else {
            var expected = "expected \(chosen.fieldCount) fields"
            if let planWithOp { expected += " (or \(planWithOp.fieldCount) with Op)" }
            rowError(fields, line: line, table: layout.table, "\(expected), found \(fields.count)", emit)
            return
        }
        let operation: SourceChange.Operation
        if mode == .fullLoad {
            if let opIndex = chosen.opIndex, fields[opIndex].text != "I" {
                rowError(fields, line: line, table: layout.table, "full-load row with operation \(Self.quoted(fields[opIndex])) (expected I)", emit)
                return
            }
            operation = .snapshot
        } else {
            guard let parsed = Self.operation(fields[chosen.opIndex!]) else {
                rowError(fields, line: line, table: layout.table, "unknown operation \(Self.quoted(fields[chosen.opIndex!])) (expected I, U or D)", emit)
                return
            }
            operation = parsed
        }
        emitChange(fields, plan: chosen, table: layout.table, operation: operation, line: line, emit)
    }

    private mutating func interpretTransactionRow(_ fields: [SourceValue], line: Int, _ emit: (DMSRecord) -> Void) {
        guard fields.count >= 3 else {
            rowError(fields, line: line, table: nil, "a CDC_TXN row needs op, table_name and schema_name, found \(fields.count) fields", emit)
            return
        }
        guard let tableName = fields[1].text, let schemaName = fields[2].text else {
            rowError(fields, line: line, table: nil, "a CDC_TXN row has no table or schema name", emit)
            return
        }
        guard let table = transactionTables[Self.tableKey(schema: schemaName, table: tableName)] else {
            summary.skipped += 1
            return
        }
        guard fields.count == table.plan.fieldCount else {
            rowError(fields, line: line, table: tableName, "expected \(table.plan.fieldCount) fields, found \(fields.count)", emit)
            return
        }
        guard let operation = Self.operation(fields[0]) else {
            rowError(fields, line: line, table: tableName, "unknown operation \(Self.quoted(fields[0])) (expected I, U or D)", emit)
            return
        }
        emitChange(fields, plan: table.plan, table: table.layout.table, operation: operation, line: line, emit)
    }

    private mutating func emitChange(
        _ fields: [SourceValue],
        plan: DMSColumnPlan,
        table: String,
        operation: SourceChange.Operation,
        line: Int,
        _ emit: (DMSRecord) -> Void
    ) {
        let position: SourcePosition
        if operation == .snapshot {
            position = .fullLoad(file: file.key, line: line)
        } else if let sequenceIndex = plan.changeSequenceIndex {
            guard let sequence = fields[sequenceIndex].text, Self.isDigits(sequence) else {
                rowError(fields, line: line, table: table, "change sequence \(Self.quoted(fields[sequenceIndex])) is not a number", emit)
                return
            }
            position = .changeSequence(sequence)
        } else {
            position = .changeFile(name: changeFileName, line: line)
        }
        var before: SourceRow?
        if operation == .update, let indices = plan.beforeImageIndices {
            before = indices.map { fields[$0] }
        }
        summary.changes += 1
        emit(
            .change(
                SourceChange(
                    table: table,
                    operation: operation,
                    row: plan.tableRow(fields),
                    before: before,
                    position: position,
                    origin: RowOrigin(source: file.key, line: line)
                )
            )
        )
    }

    private mutating func rowError(
        _ fields: [SourceValue],
        line: Int,
        table: String?,
        _ reason: String,
        _ emit: (DMSRecord) -> Void
    ) {
        emitError(
            DMSRowError(file: file.key, line: line, table: table, reason: reason, raw: DMSCSVEncoder.line(fields)),
            emit
        )
    }

    private mutating func emitError(_ error: DMSRowError, _ emit: (DMSRecord) -> Void) {
        summary.errors += 1
        emit(.error(error))
    }

    private static func operation(_ value: SourceValue) -> SourceChange.Operation? {
        switch value.text {
        case "I": return .insert
        case "U": return .update
        case "D": return .delete
        default: return nil
        }
    }

    private static func isDigits(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    private static func quoted(_ value: SourceValue) -> String {
        switch value {
        case .null: return "NULL"
        case .text(let text): return "'\(text.prefix(40))'"
        case .bytes(let bytes): return "\(bytes.count) bytes"
        }
    }
}
