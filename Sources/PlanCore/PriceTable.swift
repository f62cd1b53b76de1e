/// DynamoDB prices for one region and table class, as of a date: an input
/// (a JSON file in the repository, overridable), never a constant in the code.
public struct PriceTable: Sendable, Hashable, Codable {
    public struct OnDemand: Sendable, Hashable, Codable {
        /// Per million write request units.
        public var writeRequestUnitsPerMillion: Double
        /// Per million read request units.
        public var readRequestUnitsPerMillion: Double
    }

    public struct Provisioned: Sendable, Hashable, Codable {
        /// Per write capacity unit and hour.
        public var writeCapacityUnitHour: Double
        /// Per read capacity unit and hour.
        public var readCapacityUnitHour: Double
    }

    /// When the prices were read (YYYY-MM-DD): estimates are only as current as this.
    public var date: String
    /// Where they were read.
    public var source: String
    public var region: String
    public var tableClass: String
    public var currency: String
    public var onDemand: OnDemand
    public var provisioned: Provisioned
    /// Per GB (2^30 bytes) and month.
    public var storageGBMonth: Double

    public init(
        date: String, source: String, region: String, tableClass: String, currency: String, onDemand: OnDemand,
        provisioned: Provisioned, storageGBMonth: Double
    ) {
        self.date = date
        self.source = source
        self.region = region
        self.tableClass = tableClass
        self.currency = currency
        self.onDemand = onDemand
        self.provisioned = provisioned
        self.storageGBMonth = storageGBMonth
    }
}
