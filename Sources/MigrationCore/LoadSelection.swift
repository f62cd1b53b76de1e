import BillingModel
import CivilCalendar

/// The part of the source a backfill re-loads (issue 14): some tables of the
/// mapping, and optionally only their rows dated in a range, by each table's
/// `dateColumn`. A load without a selection is the full load.
public struct LoadSelection: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The chosen source tables, in mapping order.
    public private(set) var tables: [String]
    /// The dates rows must fall in; nil: every row of the chosen tables.
    public private(set) var dates: DateRange?

    /// Resolves `--entity` names (a table name or an entity type, in any case;
    /// none: every table) and an inclusive `--since`/`--until` range against the
    /// mapping. Refused, with what to do, when a name is unknown, a date is not
    /// `YYYY-MM-DD`, the range is empty, or a range is given for a table without
    /// a date column (its rows cannot be placed in time).
    public init(entities: [String], since: String?, until: String?, mapping: Mapping) throws(LoadSelectionError) {
        var chosen: Set<String> = []
        for name in entities {
            guard let table = mapping.tables.first(where: { $0.table == name || $0.entityType == name })
                ?? mapping.tables.first(where: { $0.table.lowercased() == name.lowercased() || $0.entityType.lowercased() == name.lowercased() })
            else {
                throw LoadSelectionError("--entity \(name): the mapping has no such entity; it has \(mapping.tables.map(\.table).joined(separator: ", "))")
            }
            chosen.insert(table.table)
        }
        let tables = mapping.tables.filter { chosen.isEmpty || chosen.contains($0.table) }
        self.tables = tables.map(\.table)

        for (flag, date) in [("--since", since), ("--until", until)] {
            if let date, !DateTimeText.isValidDate(date) {
                throw LoadSelectionError("\(flag) \(date): not a date; write YYYY-MM-DD (e.g. 2024-03-01)")
            }
        }
        if let since, let until, since > until {
            throw LoadSelectionError("--since \(since) is after --until \(until): both ends are included, so the range is empty")
        }
        guard since != nil || until != nil else { return }
        let undated = tables.filter { $0.dateColumn == nil }.map(\.table)
        if !undated.isEmpty {
            let dated = mapping.tables.filter { $0.dateColumn != nil }.map(\.table)
            throw LoadSelectionError(
                "--since/--until select rows by a table's date column, and \(undated.joined(separator: ", ")) "
                    + (undated.count == 1 ? "has" : "have") + " none (`dateColumn` in the mapping file): "
                    + (dated.isEmpty
                        ? "no table of the mapping has one; add one, or leave the range out"
                        : "choose among \(dated.joined(separator: ", ")) with --entity, or leave the range out"))
        }
        dates = DateRange(since: since, until: until)
    }

    /// Distinct for every distinct selection and the same for the same one: a
    /// backfill keeps its state under `backfill/{name}/` (so its checkpoints never
    /// meet the full load's or another backfill's, and a rerun of the same one
    /// resumes) and names its tracking items with it.
    public var name: String {
        tables.joined(separator: "+") + "_" + (dates?.description ?? "all-dates")
    }

    /// Where the backfill's state is kept, below the load's state location.
    public var stateFolder: String { "backfill/\(name)/" }

    public var description: String {
        tables.joined(separator: ", ") + (dates.map { " dated \($0)" } ?? "")
    }

    /// The date filter of one chosen table's rows; nil without a range.
    public func dateFilter(for table: TableMapping) -> RowDateFilter? {
        guard let dates, let column = table.dateColumn, let index = table.columnIndex(column) else { return nil }
        return RowDateFilter(column: column, columnIndex: index, range: dates)
    }

    /// Whether the selection reads `table`.
    public func includes(_ table: String) -> Bool { tables.contains(table) }
}

/// An inclusive range of days (`YYYY-MM-DD`), open at a missing end.
public struct DateRange: Sendable, Hashable, Codable, CustomStringConvertible {
    public let since: String?
    public let until: String?

    init(since: String?, until: String?) {
        self.since = since
        self.until = until
    }

    /// The day after `until`, as an exclusive bound that also ends a DATETIME
    /// column's last day (`< '2024-04-01'` keeps `2024-03-31 23:59:59.999`).
    public var dayAfterUntil: String? {
        guard let until, let (year, month, day) = Self.components(until) else { return nil }
        let next = CivilCalendar.date(days: CivilCalendar.days(year: year, month: month, day: day) + 1)
        return Self.pad(next.year, 4) + "-" + Self.pad(next.month, 2) + "-" + Self.pad(next.day, 2)
    }

    /// Whether the date a DATE or DATETIME value's text starts with lies in the
    /// range; nil when the text does not start with a date (the mapper, not the
    /// filter, judges such a value).
    public func contains(dateText text: String) -> Bool? {
        // Per staged row: the text's own bytes, compared in place (no copy, no new string).
        let day = text.utf8.prefix(10)
        let dash = UInt8(ascii: "-")
        guard day.count == 10, day.enumerated().allSatisfy({ $0.offset == 4 || $0.offset == 7 ? $0.element == dash : $0.element &- UInt8(ascii: "0") < 10 })
        else { return nil }
        // Fixed-width dates order as their text does.
        if let since, day.lexicographicallyPrecedes(since.utf8) { return false }
        if let until, until.utf8.lexicographicallyPrecedes(day) { return false }
        return true
    }

    public var description: String { (since ?? "") + ".." + (until ?? "") }

    private static func components(_ date: String) -> (Int, Int, Int)? {
        let parts = date.split(separator: "-").compactMap { Int($0) }
        return parts.count == 3 ? (parts[0], parts[1], parts[2]) : nil
    }

    private static func pad(_ number: Int, _ width: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

/// Keeps the rows of one table whose date column lies in a range.
public struct RowDateFilter: Sendable, Hashable {
    public let column: String
    /// The column's position in a `SourceRow` of the table.
    public let columnIndex: Int
    public let range: DateRange

    /// False for a row dated outside the range, or without a date (NULL: in no
    /// range, as SQL's comparison says). A value that is not a date is let
    /// through, so the mapper dead-letters it instead of it vanishing here.
    public func admits(_ row: SourceRow) -> Bool {
        guard columnIndex < row.count else { return true }
        switch row[columnIndex] {
        case .null: return false
        case .text(let text): return range.contains(dateText: text) ?? true
        case .bytes: return true
        }
    }
}

/// A selection that cannot be made, with what to do instead.
public struct LoadSelectionError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// The `SourceVersion` a backfill's items carry. Its writes are conditional on
/// `SourceVersion < version` (as the change stream's are), so the version must
/// sort after everything the re-read rows are at least as new as, and before
/// every change that may be newer than them.
public enum BackfillVersion {
    /// Rows read from a MySQL snapshot hold every change committed before its
    /// binlog position: its key sorts after those changes' and the full load's
    /// (`0`), before every later change's. (A snapshot reopened mid-table is newer
    /// still, so the first position errs on the safe side.)
    public static func snapshot(at position: SourcePosition) -> String { position.orderingKey }

    /// Rows of staged full-load files are as old as the full load: `0R` and the
    /// start of the re-load sorts after the full load's `0` and every earlier
    /// re-load, before a repair's `1` and every change (`B`, `F`, `S`, `V`).
    public static func staged(startedAtMilliseconds: Int64) -> String {
        let digits = String(max(0, startedAtMilliseconds))
        return "0R" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }
}
