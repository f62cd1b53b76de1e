/// Write-rate ceilings per entity (table write units per second), from
/// `--entity-max-wcu ENTITY=N` flags or a plan's advice.
public struct EntityWriteLimits: Sendable, Hashable {
    public var unitsPerSecond: [String: Double]

    public init(_ unitsPerSecond: [String: Double] = [:]) {
        self.unitsPerSecond = unitsPerSecond
    }

    /// The plan's advice.
    public init(advice: PlanReport.Advice) {
        self.init(advice.entityMaxWriteUnitsPerSecond.filter { $0.value.isFinite && $0.value > 0 })
    }

    /// Parses `CHARGE=3200`; throws with what a valid value looks like.
    public static func parse(_ texts: [String]) throws(EntityWriteLimitError) -> EntityWriteLimits {
        var limits: [String: Double] = [:]
        for text in texts {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let value = Double(parts[1]), value > 0, value.isFinite else {
                throw EntityWriteLimitError(text: text)
            }
            limits[parts[0]] = value
        }
        return EntityWriteLimits(limits)
    }

    /// The tighter of two ceilings per entity.
    public func merging(_ other: EntityWriteLimits) -> EntityWriteLimits {
        EntityWriteLimits(unitsPerSecond.merging(other.unitsPerSecond) { min($0, $1) })
    }

    public var isEmpty: Bool { unitsPerSecond.isEmpty }
}

public struct EntityWriteLimitError: Error, Sendable, Hashable, CustomStringConvertible {
    public let text: String
    public var description: String {
        "`\(text)` is not ENTITY=WCU (for example CHARGE=3200: the entity's table write units per second, positive)"
    }
}
