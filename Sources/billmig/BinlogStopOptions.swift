import ArgumentParser
import MigrationCore

/// When a binlog reader (`stream`, `stage`) ends by itself: the shared flags.
struct BinlogStopOptions: ParsableArguments {
    @Flag(name: .long, help: "Stop once every change up to the source's binlog end (as at the start) is done.")
    var untilCaughtUp = false

    @Option(name: .long, help: "Stop once every transaction ending at or before FILE:POS is done.")
    var stopAt: String?

    func validate() throws {
        if untilCaughtUp && stopAt != nil { throw ValidationError("--until-caught-up and --stop-at exclude each other") }
        if let stopAt { _ = try Self.coordinates(stopAt, option: "--stop-at") }
    }

    /// The stop rule's mode; runs until a signal without either flag.
    func mode() throws -> BinlogStopRule.Mode {
        if untilCaughtUp { return .untilCaughtUp }
        if let stopAt {
            let (file, position) = try Self.coordinates(stopAt, option: "--stop-at")
            return .stopAt(file: file, position: position)
        }
        return .never
    }

    /// `FILE:POS` as a binlog position.
    static func coordinates(_ text: String, option: String) throws -> (file: String, position: UInt64) {
        guard let colon = text.lastIndex(of: ":"), let position = UInt64(text[text.index(after: colon)...]),
            colon > text.startIndex
        else {
            throw ValidationError("\(option) must be FILE:POS, e.g. mariadb-bin.000003:1234")
        }
        return (String(text[..<colon]), position)
    }
}
