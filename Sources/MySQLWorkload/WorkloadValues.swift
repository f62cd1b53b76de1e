import BillingModel
import SampleData

/// Column values for the workload's rows: realistic, and full of what breaks
/// naive pipelines (negative decimals, NULL next to "", commas, quotes,
/// newlines, non-ASCII). Timestamps are the server's `NOW(3)`.
struct WorkloadValues {
    static let plans = ["PLNBAS15", "PLN25GB", "PLNUL50", "PLNFAM80", "PLNINT60", "PLNFIB99", "PLNTV40", "PLNTVX75"]
    static let socs = [
        "VM", "CALLID", "INTLCALL", "ROAMPASS", "INSUR", "HOTSPOT", "STATICIP", "WIFIEXT", "SECURITY", "SPORTS",
        "MOVIES", "DVR", "KIDS", "PROMO10", "CLOUD50", "FAMSHARE",
    ]
    static let cycles = ["MONTHLY", "C01", "C05", "C10", "C15", "C20", "C25"]
    static let features = ["VOICE", "DATA", "SMS", "ROAM", "RECUR", "EQUIP", "CREDIT", "ACCTFEE", "LATEFEE"]
    /// Free text as people type it.
    static let texts = [
        "Call back after 6pm, please",
        "Asked for \"paperless\" billing; confirmed by phone",
        "Line one\nline two, with a comma",
        "Windows line\r\nbreak, then more",
        "Client préfère être contacté en français — merci",
        "お客様は日本語でのご連絡を希望",
        "Promo 🎉 applied, 50% off for 3 months",
        "O'Brien's account; back\\slash kept as typed",
        "Tab\tseparated\tnotes",
        "Credit for outage, see ticket #4411",
        "Ünïcödé ✓ ½ € ±",
        "   ",
        "",
    ]

    func freeText(random: inout SplitMix64) -> WorkloadValue {
        random.chance(15) ? .null : .text(random.pick(Self.texts))
    }

    /// `2025-07-14`, a day of 2025.
    static func date(random: inout SplitMix64) -> String {
        let month = random.int(1...12)
        let day = random.int(1...28)
        return "2025-" + (month < 10 ? "0" : "") + String(month) + "-" + (day < 10 ? "0" : "") + String(day)
    }

    /// `units` in 1/10^scale as DECIMAL text: `decimal(-1234, scale: 2)` is `-12.34`.
    static func decimal(_ units: Int64, scale: Int) -> String {
        let magnitude = units.magnitude
        var divisor: UInt64 = 1
        for _ in 0..<scale { divisor *= 10 }
        let whole = String(magnitude / divisor)
        var fraction = String(magnitude % divisor)
        if fraction.count < scale { fraction = String(repeating: "0", count: scale - fraction.count) + fraction }
        return (units < 0 ? "-" : "") + whole + (scale > 0 ? "." + fraction : "")
    }

    /// `WL` and ten digits: an `activity_num` that no sample row has (those start with `AC`).
    static func activity(random: inout SplitMix64) -> String {
        let digits = String(random.next() % 10_000_000_000)
        return "WL" + String(repeating: "0", count: 10 - digits.count) + digits
    }

    /// `count` distinct service codes.
    static func pickSocs(_ count: Int, random: inout SplitMix64) -> [String] {
        var pool = socs
        var chosen: [String] = []
        for _ in 0..<min(max(count, 0), pool.count) {
            chosen.append(pool.remove(at: random.int(0...(pool.count - 1))))
        }
        return chosen
    }

    func account(ban: UInt64, random: inout SplitMix64) -> [WorkloadValue] {
        let type = random.pick(["I", "B", "G"])
        let subType = type == "I" ? random.pick(["RE", "ST"]) : type == "B" ? random.pick(["SM", "EN"]) : "FE"
        let date = Self.date(random: &random)
        return [
            .text(String(ban)), .text(type), .text(subType), .text("N"), .text(date), .text(random.pick(Self.cycles)),
            random.chance(30) ? .null : .text(random.pick(["A", "B", "C"])),
            random.chance(30) ? .null : .text(Self.decimal(Int64(random.int(10...500)) * 5000, scale: 2)),
            .text(random.pick(["USD", "CAD", "EUR"])), .text(date), .now, .now,
        ]
    }

    func customer(id: UInt64, ban: UInt64, random: inout SplitMix64) -> [WorkloadValue] {
        let person = random.chance(70)
        let first = random.pick(["Zoë", "José", "Ana", "Øystein", "Siobhán", "美咲", "Li"])
        let last = random.pick(["O'Neil", "Müller", "García", "Nguyễn", "Smith", "山田"])
        return [
            .text(String(id)), .text(String(ban)), .text(person ? "P" : "O"),
            person ? .text(first) : .null, person ? .text(last) : .null,
            person ? .null : .text(random.pick(["Acme, Inc.", "\"Best\" Widgets Ltd", "Café Ünïon S.A."])),
            random.chance(20) ? .null : .text("new\(id)@example.com"), .text("+1 416-555-\(random.int(1000...9999))"),
            .text("\(random.int(1...999)) Queen St W"), random.pick([.null, .text(""), .text("Suite 200")]),
            .text(random.pick(["Toronto", "Montréal", "São Paulo", "東京"])), random.chance(30) ? .null : .text("ON"),
            .text("M5V 2T6"), .text(random.pick(["CA", "BR", "JP"])),
            person && random.chance(80) ? .text("19\(random.int(50...99))-0\(random.int(1...9))-1\(random.int(0...9))") : .null,
            freeText(random: &random), .now, .now,
        ]
    }

    func subscriber(number: String, ban: UInt64, random: inout SplitMix64) -> [WorkloadValue] {
        let reserved = random.chance(10)
        let date = Self.date(random: &random)
        return [
            .text(number), .text(String(ban)), .text(reserved ? "R" : "A"), .text(date),
            .text(random.pick(["C", "I", "T"])), .text(random.pick(Self.plans)), reserved ? .null : .text(date), .now, .now,
        ]
    }

    func agreement(ban: UInt64, subscriber: String, soc: String, random: inout SplitMix64) -> [WorkloadValue] {
        [
            .text(String(ban)), .text(subscriber), .text(soc), .text(random.pick(["P", "R", "O"])), .text(Self.date(random: &random)),
            random.chance(70) ? .null : .text(Self.date(random: &random)), .text(Self.decimal(Int64(random.int(0...9999)), scale: 2)),
            .now, .now,
        ]
    }

    func bill(ban: UInt64, sequence: UInt32, random: inout SplitMix64) -> [WorkloadValue] {
        let previous = Int64(random.int(0...30_000))
        let payments = random.chance(80) ? previous : 0
        let charges = Int64(random.int(-5_000...90_000))
        let taxes = charges * 13 / 100
        return [
            .text(String(ban)), .text(String(sequence)), .text(random.pick(Self.cycles)), .text(Self.date(random: &random)),
            .text(Self.date(random: &random)), .text(Self.date(random: &random)), .text(Self.decimal(previous, scale: 2)),
            .text(Self.decimal(payments, scale: 2)), .text(Self.decimal(charges, scale: 2)), .text(Self.decimal(taxes, scale: 2)),
            .text(Self.decimal(previous - payments + charges + taxes, scale: 2)), .text("O"), .now, .now,
        ]
    }

    func charge(
        ban: UInt64, sequence: UInt64, activity: String, subscriber: String?, bill: UInt32?, random: inout SplitMix64
    ) -> [WorkloadValue] {
        let feature = random.pick(Self.features)
        let amount = feature == "CREDIT" ? -Int64(random.int(100...500_000)) : Int64(random.int(1...1_500_000))
        return [
            .text(String(ban)), .text(String(sequence)), .text(activity), subscriber.map { .text($0) } ?? .null,
            .text(feature), .text(Self.date(random: &random)), .text(Self.decimal(amount, scale: 4)),
            .text(Self.decimal(amount * 13 / 100, scale: 4)), bill.map { .text(String($0)) } ?? .null,
            freeText(random: &random), .now, .now,
        ]
    }
}
