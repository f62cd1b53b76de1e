import ArgumentParser
import MigrationCore
import NetworkCore

/// `--max-bandwidth` and `--transfer-window`: how fast the commands that read the
/// source over the link (`load --from mysql://`, `stream`, `stage`) may read it.
struct TransferOptions: ParsableArguments {
    @Option(name: .long, help: "Read the source at most this fast: 2MB/s, 500KB/s, 10Mbit/s (decimal units; KiB/MiB binary). Default: no cap.")
    var maxBandwidth: String?

    @Option(
        name: .customLong("transfer-window"),
        help: "A weekly window with its own rate, in local time (TZ): \"Mon-Fri 08:00-18:00 0\" pauses reading in business hours, \"Sat,Sun 00:00-24:00 50MB/s\" allows more. Repeatable; the first match wins, --max-bandwidth applies outside them.")
    var transferWindows: [String] = []

    @Option(
        name: .long,
        help: "stream, load: the link's declared capacity (1Gbps, 500Mbps, 10Gbit/s): the share of it used by the bytes read from the source is shown and exported (billmig_source_bandwidth_share). Direct Connect's bandwidth is its capacity; a VPN has none.")
    var linkCapacity: String?

    func validate() throws {
        _ = try limit()
        _ = try linkCapacityBitsPerSecond()
    }

    /// Bits per second, when declared.
    func linkCapacityBitsPerSecond() throws -> Double? {
        guard let linkCapacity else { return nil }
        guard let bits = LinkCapacity.bitsPerSecond(parsing: linkCapacity) else {
            throw ValidationError("--link-capacity \(linkCapacity): give a rate in bits per second such as 1Gbps, 500Mbps or 10Gbit/s")
        }
        return bits
    }

    func limit() throws -> TransferLimit {
        var limit = TransferLimit()
        if let maxBandwidth {
            guard let rate = TransferLimit.bytesPerSecond(parsing: maxBandwidth), rate > 0 else {
                throw ValidationError("--max-bandwidth \(maxBandwidth): give a positive rate such as 2MB/s, 500KB/s or 10Mbit/s")
            }
            limit.maxBytesPerSecond = rate
        }
        for text in transferWindows {
            guard let window = TransferLimit.window(parsing: text) else {
                throw ValidationError(
                    "--transfer-window \"\(text)\": give days, a time range and a rate, such as \"Mon-Fri 08:00-18:00 0\" or \"Sat,Sun 00:00-24:00 50MB/s\"")
            }
            limit.windows.append(window)
        }
        return limit
    }
}
