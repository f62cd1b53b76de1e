import Foundation
import PlanCore

extension PriceTable {
    /// The dated price table shipped with billmig (Sources/Planning/Resources/dynamodb-prices.json).
    public static var defaultFile: URL? {
        Bundle.module.url(forResource: "dynamodb-prices", withExtension: "json")
    }

    /// Reads a price table file, the shipped one when `path` is nil.
    public static func load(path: String?) throws -> PriceTable {
        guard let url = path.map({ URL(fileURLWithPath: $0) }) ?? defaultFile else {
            throw PlanPassError("the default price table is missing from the build: pass --prices FILE")
        }
        do {
            return try JSONDecoder().decode(PriceTable.self, from: Data(contentsOf: url))
        } catch {
            throw PlanPassError("cannot read the price table \(url.path): \(error) (see docs/plan.md for its fields)")
        }
    }
}
