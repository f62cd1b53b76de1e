import ArgumentParser

/// A duration flag: `500ms`, `30s`, `2m`, `1h30m`, or plain seconds.
struct DurationArgument: ExpressibleByArgument, Sendable, CustomStringConvertible {
    let duration: Duration
    let text: String

    init?(argument: String) {
        guard let seconds = Self.seconds(argument), seconds >= 0 else { return nil }
        duration = .milliseconds(Int64((seconds * 1000).rounded()))
        text = argument
    }

    var description: String { text }
    var defaultValueDescription: String { text }
    var milliseconds: Double { Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15 }

    /// `2h`, `90m`, `45s`, `250ms`, `1h30m`, or plain seconds.
    static func seconds(_ text: String) -> Double? {
        if let seconds = Double(text) { return seconds }
        var total = 0.0
        var number = ""
        var characters = Array(text)[...]
        while let character = characters.popFirst() {
            if character.isNumber || character == "." {
                number.append(character)
                continue
            }
            guard let value = Double(number) else { return nil }
            switch character {
            case "h": total += value * 3600
            case "m" where characters.first == "s":
                characters.removeFirst()
                total += value / 1000
            case "m": total += value * 60
            case "s": total += value
            default: return nil
            }
            number = ""
        }
        return number.isEmpty ? total : nil
    }
}
