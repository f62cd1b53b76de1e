import Foundation

/// How fast the migration may read from the source over the link: a cap
/// (`--max-bandwidth`), and transfer windows that slow or pause bulk reading at
/// set times (`--transfer-window "Mon-Fri 08:00-18:00 0"`: business hours off).
/// Pure: the time of day is passed in.
public struct TransferLimit: Sendable, Hashable {
    /// Bytes a second outside every window; nil: no cap.
    public var maxBytesPerSecond: Double?
    /// Checked in order; the first that contains the time decides.
    public var windows: [Window]

    public init(maxBytesPerSecond: Double? = nil, windows: [Window] = []) {
        self.maxBytesPerSecond = maxBytesPerSecond
        self.windows = windows
    }

    /// A weekly period with its own rate (0: no reading at all).
    public struct Window: Sendable, Hashable, CustomStringConvertible {
        /// ISO weekdays, Monday 1 ... Sunday 7.
        public var weekdays: Set<Int>
        /// Minutes after midnight; `end` after `start` (a window over midnight is two).
        public var startMinute: Int
        public var endMinute: Int
        public var bytesPerSecond: Double
        /// As given, for messages.
        public var description: String

        public func contains(weekday: Int, minute: Int) -> Bool {
            weekdays.contains(weekday) && minute >= startMinute && minute < endMinute
        }
    }

    /// The window that decides at a local `weekday` (1 = Monday) and `minute` of the day, if any.
    public func window(weekday: Int, minute: Int) -> Window? {
        windows.first { $0.contains(weekday: weekday, minute: minute) }
    }

    /// The rate that applies then: a window's, else the cap; nil when nothing limits reading.
    public func bytesPerSecond(weekday: Int, minute: Int) -> Double? {
        window(weekday: weekday, minute: minute)?.bytesPerSecond ?? maxBytesPerSecond
    }

    /// The window that decides at `date` in `calendar`'s time zone, if any.
    public func window(at date: Date, calendar: Calendar) -> Window? {
        let parts = calendar.dateComponents([.weekday, .hour, .minute], from: date)
        // Calendar weekdays run Sunday 1 ... Saturday 7.
        let weekday = ((parts.weekday ?? 1) + 5) % 7 + 1
        return window(weekday: weekday, minute: (parts.hour ?? 0) * 60 + (parts.minute ?? 0))
    }

    /// The rate that applies at `date` in `calendar`'s time zone.
    public func bytesPerSecond(at date: Date, calendar: Calendar) -> Double? {
        window(at: date, calendar: calendar)?.bytesPerSecond ?? maxBytesPerSecond
    }

    public var isUnlimited: Bool { maxBytesPerSecond == nil && windows.isEmpty }

    // MARK: Parsing

    /// `2MB/s`, `500KB`, `10Mbit/s`, `1.5GiB/s`, `0` (bytes a second; the `/s` is optional).
    /// Decimal units (KB = 1000 bytes) as links are sold; KiB/MiB/GiB binary.
    public static func bytesPerSecond(parsing text: String) -> Double? {
        var body = text.trimmingCharacters(in: .whitespaces)
        if body.lowercased().hasSuffix("/s") { body.removeLast(2) }
        let number = body.prefix { $0.isNumber || $0 == "." }
        guard let value = Double(number), value >= 0 else { return nil }
        let units: [String: Double] = [
            "": 1, "b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "kib": 1024, "mib": 1_048_576, "gib": 1_073_741_824,
            "kbit": 125, "mbit": 125_000, "gbit": 125_000_000,
        ]
        guard let unit = units[body.dropFirst(number.count).trimmingCharacters(in: .whitespaces).lowercased()] else { return nil }
        return value * unit
    }

    /// `Mon-Fri 08:00-18:00 0` or `Sat,Sun 00:00-24:00 5MB/s`: days (names or
    /// ranges), a time range in local time, and the rate inside it.
    public static func window(parsing text: String) -> Window? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard parts.count == 3, let rate = bytesPerSecond(parsing: parts[2]) else { return nil }
        let names = ["mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7]
        var days: Set<Int> = []
        for item in parts[0].lowercased().split(separator: ",") {
            let ends = item.split(separator: "-").map { names[String($0.prefix(3))] }
            switch ends.count {
            case 1:
                guard let day = ends[0] else { return nil }
                days.insert(day)
            case 2:
                guard let first = ends[0], let last = ends[1], first <= last else { return nil }
                days.formUnion(first...last)
            default:
                return nil
            }
        }
        let times = parts[1].split(separator: "-").map(String.init)
        func minute(_ text: String) -> Int? {
            let hm = text.split(separator: ":")
            guard hm.count == 2, let h = Int(hm[0]), let m = Int(hm[1]), (0...24).contains(h), (0..<60).contains(m), h * 60 + m <= 1440
            else { return nil }
            return h * 60 + m
        }
        guard times.count == 2, let start = minute(times[0]), let end = minute(times[1]), start < end else { return nil }
        return Window(weekdays: days, startMinute: start, endMinute: end, bytesPerSecond: rate, description: text)
    }
}
