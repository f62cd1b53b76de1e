import Foundation

/// How much of the link to the source a command uses: the bytes it reads from
/// the source per second (over the last few seconds) and, when the link's
/// capacity is declared (`--link-capacity`, or Direct Connect's bandwidth),
/// the share of that capacity.
public struct LinkUse: Sendable, Codable, Hashable {
    public var bytesPerSecond: Double
    public var capacityBitsPerSecond: Double?

    public init(bytesPerSecond: Double, capacityBitsPerSecond: Double? = nil) {
        self.bytesPerSecond = bytesPerSecond
        self.capacityBitsPerSecond = capacityBitsPerSecond
    }

    /// Bits read per second over the capacity (0 to 1; above 1 when the declared
    /// capacity is below what gets through); nil without a capacity.
    public var share: Double? {
        guard let capacityBitsPerSecond, capacityBitsPerSecond > 0 else { return nil }
        return bytesPerSecond * 8 / capacityBitsPerSecond
    }

    /// `source read at 1.25 MB/s (1.0% of 1 Gbit/s)`.
    public var description: String {
        var text = "source read at " + Self.rate(bytesPerSecond)
        if let share, let capacityBitsPerSecond {
            text += " (" + String(format: "%.1f%%", share * 100) + " of " + Self.bits(capacityBitsPerSecond) + ")"
        }
        return text
    }

    static func rate(_ bytesPerSecond: Double) -> String {
        for (unit, scale) in [("GB/s", 1e9), ("MB/s", 1e6), ("KB/s", 1e3)] where bytesPerSecond >= scale {
            return String(format: "%.2f ", bytesPerSecond / scale) + unit
        }
        return String(format: "%.0f B/s", bytesPerSecond)
    }

    static func bits(_ bitsPerSecond: Double) -> String {
        for (unit, scale) in [("Gbit/s", 1e9), ("Mbit/s", 1e6), ("kbit/s", 1e3)] where bitsPerSecond >= scale {
            let value = bitsPerSecond / scale
            return (value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)) + " " + unit
        }
        return String(format: "%.0f bit/s", bitsPerSecond)
    }
}
